// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {parseConfigPairs} from '../../cli/config-pairs.js'
import {validatePartitionCount, validateTopicName, type CreateTopicResult} from '../../client/index.js'
import {SamsaError} from '../../errors.js'

export default class TopicCreate extends BaseCommand<typeof TopicCreate> {
  static override summary = 'Create a topic'
  static override description =
    'Topic names follow Kafka\'s rule: 1–249 characters from a-z A-Z 0-9 . _ - (not "." or ".."). ' +
    'Configs use Kafka\'s names (retention.ms, cleanup.policy, segment.bytes, …); the daemon checks them.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> clicks',
    '<%= config.bin %> <%= command.id %> clicks --partitions 4 --config retention.ms=86400000',
    '<%= config.bin %> <%= command.id %> users --compact',
    '<%= config.bin %> --brokers kafka-1:9092 <%= command.id %> orders --partitions 12 --replication-factor 3',
    '<%= config.bin %> <%= command.id %> clicks --if-not-exists --json',
  ]

  static override args = {
    name: Args.string({description: 'topic name', required: true}),
  }

  static override flags = {
    partitions: Flags.integer({char: 'p', description: 'number of partitions', default: 1}),
    compact: Flags.boolean({description: 'keep only the latest record per key (cleanup.policy=compact)'}),
    config: Flags.string({
      char: 'c',
      description: 'a topic config as name=value (repeatable)',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'if-not-exists': Flags.boolean({description: 'succeed without change when the topic already exists'}),
    'replication-factor': Flags.integer({
      description: "copies of each partition (default: the cluster's default; the local daemon keeps 1 and refuses more)",
      min: 1,
    }),
  }

  public async run(): Promise<CreateTopicResult> {
    const configs = parseConfigPairs(this.flags.config)
    if (this.flags.compact) {
      if (Object.hasOwn(configs, 'cleanup.policy') && !/compact/.test(configs['cleanup.policy'] ?? '')) {
        throw new SamsaError('USAGE', `--compact contradicts --config cleanup.policy=${configs['cleanup.policy']}`)
      }
      if (!Object.hasOwn(configs, 'cleanup.policy')) configs['cleanup.policy'] = 'compact'
    }
    // checked before connecting, so a bad name never starts a daemon or creates a directory
    validateTopicName(this.args.name)
    validatePartitionCount(this.flags.partitions)
    const client = await this.client()
    const result = await client.admin.createTopic(this.args.name, {
      partitions: this.flags.partitions,
      configs,
      ifNotExists: this.flags['if-not-exists'],
      replicationFactor: this.flags['replication-factor'],
    })
    const n = result.topic.partitions.length
    if (result.created) this.log(`created topic ${result.topic.name} (${n} partition${n === 1 ? '' : 's'})`)
    else this.log(`topic ${result.topic.name} already exists (${n} partition${n === 1 ? '' : 's'}); nothing changed`)
    return result
  }
}
