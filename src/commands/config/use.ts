// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {currentProfile, profileBrokers, readProfile, setCurrentProfile} from '../../cli/profiles.js'
import {SamsaError} from '../../errors.js'

export default class ConfigUse extends BaseCommand<typeof ConfigUse> {
  static override baseFlags = {} // writes the config directory: no daemon, no data directory
  static override summary = 'Make a profile the current one, used by every command (--none: the local daemon again)'
  static override description =
    'Commands given no --brokers, --kafka-config or --profile then talk to the Kafka cluster the profile names ' +
    'instead of the local daemon. Flags and environment variables still override single settings ' +
    '(e.g. --brokers), and --profile none sets the current profile aside for one command.'

  static override examples = ['<%= config.bin %> <%= command.id %> prod', '<%= config.bin %> <%= command.id %> --none']

  static override args = {
    name: Args.string({description: 'profile name'}),
  }

  static override flags = {
    none: Flags.boolean({description: 'no current profile: commands use the local daemon'}),
  }

  public async run(): Promise<{current: string | null; previous: string | null}> {
    const {name} = this.args
    if ((name === undefined) === !this.flags.none) throw new SamsaError('USAGE', 'give a profile name or --none (see: samsa config use --help)')
    const previous = currentProfileOrNull()
    if (name === undefined) {
      setCurrentProfile(null)
      this.log(previous === null ? 'no current profile; commands use the local daemon' : `stopped using profile ${previous}; commands use the local daemon`)
      return {current: null, previous}
    }
    const props = readProfile(name) // it exists and reads, before it is made current
    setCurrentProfile(name)
    this.log(`commands now use profile ${name} (${profileBrokers(props) ?? 'no brokers'}); back to the local daemon: samsa config use --none`)
    return {current: name, previous}
  }
}

// A broken current-profile file is replaced, not a reason to refuse replacing it.
function currentProfileOrNull(): string | null {
  try {
    return currentProfile()
  } catch {
    return null
  }
}
