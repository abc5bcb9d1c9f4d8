// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {currentProfile, describeProfile, readProfile, type ProfileSummary} from '../../cli/profiles.js'
import {SamsaError} from '../../errors.js'

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override baseFlags = {} // reads the config directory: no daemon, no data directory
  static override summary = "Print a profile's properties (secrets masked)"
  static override description =
    'Prints the properties file of the profile (the current one when no NAME is given), with passwords shown as ' +
    '******** unless --show-secrets. With --show-secrets the output is a working --kafka-config or kcat -F file.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> prod',
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> prod --show-secrets > prod.properties',
    '<%= config.bin %> <%= command.id %> prod --json',
  ]

  static override args = {
    name: Args.string({description: 'profile name (default: the current profile)'}),
  }

  static override flags = {
    'show-secrets': Flags.boolean({description: 'print passwords as they are stored'}),
  }

  public async run(): Promise<ProfileSummary> {
    const name = this.args.name ?? currentProfile()
    if (name === null || name === undefined) throw new SamsaError('USAGE', 'no current profile: name one (samsa config show NAME), see: samsa config list')
    const props = readProfile(name)
    const summary = describeProfile(name, props, {showSecrets: this.flags['show-secrets']})
    // a properties file itself: the first line is a comment to librdkafka and kcat
    this.log(`# profile ${name}${summary.current ? ' (current)' : ''}: ${summary.path}`)
    for (const [key, value] of Object.entries(summary.properties)) this.log(`${key}=${value}`)
    return summary
  }
}
