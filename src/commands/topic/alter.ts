// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {parseConfigNames, parseConfigPairs} from '../../cli/config-pairs.js'
import {count} from '../../cli/output.js'
import {validatePartitionCount, validateTopicName, type TopicDescription} from '../../client/index.js'
import {SamsaError} from '../../errors.js'

export default class TopicAlter extends BaseCommand<typeof TopicAlter> {
  static override summary = "Change a topic's configs or add partitions"
  static override description =
    'Set configs with --config, return them to their defaults with --delete-config, and raise the partition ' +
    'count with --partitions (it can only grow: records are not moved between partitions).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> clicks --config retention.ms=3600000',
    '<%= config.bin %> <%= command.id %> clicks --delete-config retention.ms',
    '<%= config.bin %> <%= command.id %> clicks --partitions 8',
  ]

  static override args = {
    name: Args.string({description: 'topic name', required: true}),
  }

  static override flags = {
    config: Flags.string({char: 'c', description: 'set a config, name=value (repeatable)', multiple: true, multipleNonGreedy: true}),
    'delete-config': Flags.string({
      description: 'return a config to its default (repeatable)',
      multiple: true,
      multipleNonGreedy: true,
    }),
    partitions: Flags.integer({char: 'p', description: 'new partition count (increase only)'}),
  }

  public async run(): Promise<TopicDescription> {
    const set = parseConfigPairs(this.flags.config)
    const del = parseConfigNames(this.flags['delete-config'])
    const partitions = this.flags.partitions
    if (Object.keys(set).length === 0 && del.length === 0 && partitions === undefined) {
      throw new SamsaError('USAGE', 'nothing to change: give --config, --delete-config or --partitions')
    }
    for (const name of del) {
      if (Object.hasOwn(set, name)) throw new SamsaError('USAGE', `${name} is both set (--config) and deleted (--delete-config)`)
    }
    // checked before connecting, so a bad name never starts a daemon or creates a directory
    validateTopicName(this.args.name)
    if (partitions !== undefined) validatePartitionCount(partitions)
    const client = await this.client()
    const before = partitions === undefined ? null : (await client.admin.describeTopic(this.args.name)).partitions.length
    const topic = await client.admin.alterTopic(this.args.name, {set, delete: del, partitions})
    const what: string[] = []
    for (const [k, v] of Object.entries(set)) what.push(`${k}=${v}`)
    for (const k of del) what.push(`${k} back to default`)
    const n = topic.partitions.length
    if (partitions !== undefined && n !== before) what.push(`${before} → ${count(n, 'partition')}`)
    if (what.length === 0) this.log(`topic ${topic.name} unchanged: it already has ${count(n, 'partition')}`)
    else this.log(`altered topic ${topic.name}: ${what.join(', ')}${partitions !== undefined && n === before ? ` (already ${count(n, 'partition')})` : ''}`)
    return topic
  }
}
