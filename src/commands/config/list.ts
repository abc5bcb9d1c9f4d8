import {BaseCommand} from '../../cli/base-command.js'
import {table} from '../../cli/output.js'
import {currentProfile, listProfiles, profileBrokers, profilePath, profileSecurity, readProfile} from '../../cli/profiles.js'
import {isSamsaError} from '../../errors.js'

// Stable (--json): fields are added, never renamed.
export interface ProfileListing {
  name: string
  current: boolean
  brokers: string | null
  security: string | null // null: the file could not be read (problem says why)
  path: string
  problem?: string
}

export default class ConfigList extends BaseCommand<typeof ConfigList> {
  static override baseFlags = {} // reads the config directory: no daemon, no data directory
  static override summary = 'List the saved connection profiles'
  static override description =
    'Each profile with its brokers and how it connects (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, with the SASL ' +
    'mechanism); * marks the current profile (samsa config use), which commands use when given no --brokers, ' +
    '--kafka-config or --profile.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{current: string | null; profiles: ProfileListing[]}> {
    const current = currentProfile()
    const profiles = listProfiles().map((name): ProfileListing => {
      const base = {name, current: name === current, path: profilePath(name)}
      try {
        const props = readProfile(name)
        return {...base, brokers: profileBrokers(props), security: profileSecurity(props)}
      } catch (err) {
        // one hand-broken file does not hide the others
        if (!isSamsaError(err)) throw err
        return {...base, brokers: null, security: null, problem: err.message}
      }
    })
    if (profiles.length === 0) {
      this.logToStderr('samsa: no profiles (create one with: samsa config create NAME --brokers HOST:PORT)')
    } else {
      this.log(
        table(
          ['CURRENT', 'PROFILE', 'BROKERS', 'SECURITY'],
          profiles.map((p) => [p.current ? '*' : '', p.name, p.brokers ?? '-', p.security ?? `unreadable: ${p.problem}`]),
        ),
      )
    }
    if (current !== null && !profiles.some((p) => p.current)) {
      this.logToStderr(`samsa: the current profile "${current}" no longer exists (samsa config use NAME, or samsa config use --none)`)
    }
    return {current, profiles}
  }
}
