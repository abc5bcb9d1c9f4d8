// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {BaseCommand} from '../../cli/base-command.js'
import {configText, humanBytes, humanDuration, table, type Cell} from '../../cli/output.js'
import {validateTopicName, type PartitionDescription, type TopicDescription} from '../../client/index.js'

export default class TopicDescribe extends BaseCommand<typeof TopicDescribe> {
  static override summary = "Show a topic's partitions and configs"
  static override description =
    'Per partition: log start and end offsets, size on disk, segment count and the worker thread that owns it; ' +
    'for a compacted topic also the log cleaner\'s view: CLEAN (bytes compacted by an earlier pass), DIRTY ' +
    '(bytes written since, in closed segments the cleaner may take now), the dirty ratio (cleaned on its own ' +
    'from min.cleanable.dirty.ratio) and when it was last cleaned. ' +
    'Then every config with its value; "default" marks the ones not set on this topic.'

  static override examples = ['<%= config.bin %> <%= command.id %> clicks', '<%= config.bin %> <%= command.id %> clicks --json']

  static override args = {
    name: Args.string({description: 'topic name', required: true}),
  }

  public async run(): Promise<TopicDescription> {
    // checked before connecting, so a bad name never starts a daemon or creates a directory
    validateTopicName(this.args.name)
    const client = await this.client()
    const topic = await client.admin.describeTopic(this.args.name)
    this.log(`topic ${topic.name}`)
    const compacted = topic.partitions.some((p) => p.cleaner !== undefined)
    const now = Date.now()
    const head = ['PARTITION', 'LOG START', 'LOG END', 'SIZE', 'SEGMENTS', 'WORKER', 'STATE']
    if (compacted) head.push('CLEAN', 'DIRTY', 'DIRTY RATIO', 'LAST CLEANED')
    this.log(
      table(
        head,
        topic.partitions.map((p) => {
          const row: Cell[] = [p.partition, p.logStartOffset, p.logEndOffset, humanBytes(p.sizeInBytes), p.segments, p.worker, p.online ? 'online' : 'OFFLINE']
          if (compacted) row.push(...cleanerCells(p, now))
          return row
        }),
        {align: (['right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'left'] as const).slice(0, head.length)},
      ),
    )
    this.log(
      table(
        ['CONFIG', 'VALUE', 'SOURCE'],
        topic.configs.map((c) => [c.name, configText(c.name, c.value), c.isDefault ? 'default' : 'topic']),
      ),
    )
    return topic
  }
}

// CLEAN, DIRTY, DIRTY RATIO, LAST CLEANED for one partition of a compacted topic.
function cleanerCells(p: PartitionDescription, now: number): Cell[] {
  const c = p.cleaner
  if (!c) return ['', '', '', '']
  let last = c.lastCleanedAt === null ? 'never' : `${new Date(c.lastCleanedAt).toISOString()} (${humanDuration(now - c.lastCleanedAt)} ago)`
  if (c.cleaning) last += ', cleaning now'
  if (c.uncleanable !== null) last += `, not cleaned until restart: ${c.uncleanable}`
  return [humanBytes(c.cleanBytes), humanBytes(c.dirtyBytes), c.dirtyRatio.toFixed(2), last]
}
