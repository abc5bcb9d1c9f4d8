// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {validateTopicName} from '../../client/index.js'

export default class TopicDelete extends BaseCommand<typeof TopicDelete> {
  static override summary = 'Delete a topic and all its data'
  static override description = "The topic's partition directories are removed from disk. This cannot be undone."

  static override examples = [
    '<%= config.bin %> <%= command.id %> clicks',
    '<%= config.bin %> <%= command.id %> clicks --if-exists',
  ]

  static override args = {
    name: Args.string({description: 'topic name', required: true}),
  }

  static override flags = {
    'if-exists': Flags.boolean({description: 'succeed without change when the topic does not exist'}),
  }

  public async run(): Promise<{name: string; deleted: boolean}> {
    // checked before connecting, so a bad name never starts a daemon or creates a directory
    validateTopicName(this.args.name)
    const client = await this.client()
    const deleted = await client.admin.deleteTopic(this.args.name, {ifExists: this.flags['if-exists']})
    this.log(deleted ? `deleted topic ${this.args.name}` : `topic ${this.args.name} does not exist; nothing deleted`)
    return {name: this.args.name, deleted}
  }
}
