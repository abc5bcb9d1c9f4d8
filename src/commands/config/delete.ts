// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {currentProfile, deleteProfile, setCurrentProfile, validateProfileName} from '../../cli/profiles.js'
import {SamsaError} from '../../errors.js'

export default class ConfigDelete extends BaseCommand<typeof ConfigDelete> {
  static override baseFlags = {} // writes the config directory: no daemon, no data directory
  static override summary = 'Delete a profile'
  static override description = 'Deleting the current profile also clears it: commands use the local daemon again.'

  static override examples = ['<%= config.bin %> <%= command.id %> staging', '<%= config.bin %> <%= command.id %> staging --if-exists']

  static override args = {
    name: Args.string({description: 'profile name', required: true}),
  }

  static override flags = {
    'if-exists': Flags.boolean({description: 'succeed without change when the profile does not exist'}),
  }

  public async run(): Promise<{name: string; deleted: boolean; wasCurrent: boolean}> {
    const {name} = this.args
    validateProfileName(name)
    const deleted = deleteProfile(name)
    if (!deleted && !this.flags['if-exists']) throw new SamsaError('NOT_FOUND', `no profile "${name}" (see: samsa config list)`)
    const wasCurrent = currentOrNull() === name
    if (wasCurrent) setCurrentProfile(null)
    if (!deleted) this.log(`profile ${name} does not exist; nothing deleted`)
    else this.log(`deleted profile ${name}${wasCurrent ? '; it was the current profile: commands use the local daemon again' : ''}`)
    return {name, deleted, wasCurrent}
  }
}

function currentOrNull(): string | null {
  try {
    return currentProfile()
  } catch {
    return null
  }
}
