// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {BaseCommand} from '../../cli/base-command.js'
import {humanBytes, table, configText} from '../../cli/output.js'
import {validateTopicName, type TopicDescription} from '../../client/index.js'

export default class TopicDescribe extends BaseCommand<typeof TopicDescribe> {
  static override summary = "Show a topic's partitions and configs"
  static override description =
    'Per partition: log start and end offsets, size on disk, segment count and the worker thread that owns it. ' +
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
    this.log(
      table(
        ['PARTITION', 'LOG START', 'LOG END', 'SIZE', 'SEGMENTS', 'WORKER', 'STATE'],
        topic.partitions.map((p) => [
          p.partition,
          p.logStartOffset,
          p.logEndOffset,
          humanBytes(p.sizeInBytes),
          p.segments,
          p.worker,
          p.online ? 'online' : 'OFFLINE',
        ]),
        {align: ['right', 'right', 'right', 'right', 'right', 'right', 'left']},
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
