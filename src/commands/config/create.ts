// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {statSync} from 'node:fs'
import {resolve} from 'node:path'
import {BaseCommand} from '../../cli/base-command.js'
import {parseConfigPairs} from '../../cli/config-pairs.js'
import {describeProfile, profileBrokers, profileExists, validateProfileName, writeProfile, type ProfileSummary, type Properties} from '../../cli/profiles.js'
import {parseBrokers, readProperties} from '../../client/index.js'
import {SamsaError} from '../../errors.js'

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export default class ConfigCreate extends BaseCommand<typeof ConfigCreate> {
  static override baseFlags = {} // writes a file in the config directory: no daemon, no data directory
  static override summary = 'Save the settings for a Kafka cluster as a profile'
  static override description =
    'The profile is a librdkafka-style properties file (bootstrap.servers, security.protocol, ssl.*, sasl.*) in ' +
    '$XDG_CONFIG_HOME/samsa/profiles/NAME.properties (~/.config/samsa), mode 0600 — the file --kafka-config reads ' +
    'and kcat -F takes. Flags write the usual names; --set writes any other (or instead), --from starts from an ' +
    'existing file. TLS file paths are stored absolute. Leave the password out to give it at run time ' +
    '($SAMSA_SASL_PASSWORD). Use the profile with --profile NAME, or make it the default: samsa config use NAME.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> dev --brokers localhost:9092',
    '<%= config.bin %> <%= command.id %> prod --brokers kafka-1:9093,kafka-2:9093 --tls --tls-ca ca.pem --sasl-mechanism PLAIN --sasl-username alice --sasl-password secret',
    '<%= config.bin %> <%= command.id %> cloud --from ~/.config/kcat.conf',
    '<%= config.bin %> <%= command.id %> prod --brokers kafka-1:9093 --set security.protocol=SSL --set ssl.ca.location=/etc/kafka/ca.pem --force',
  ]

  static override args = {
    name: Args.string({description: 'profile name: 1–64 characters from a-z A-Z 0-9 . _ -', required: true}),
  }

  static override flags = {
    brokers: Flags.string({description: 'the brokers, HOST:PORT,… (bootstrap.servers)'}),
    tls: Flags.boolean({description: 'connect over TLS (security.protocol SSL, or SASL_SSL with SASL)'}),
    'tls-ca': Flags.string({description: 'CA certificate (PEM) to verify the brokers with (ssl.ca.location)'}),
    'tls-cert': Flags.string({description: 'client certificate (PEM) (ssl.certificate.location)'}),
    'tls-key': Flags.string({description: 'client key (PEM) (ssl.key.location)'}),
    'sasl-mechanism': Flags.string({description: 'SASL mechanism (sasl.mechanism), e.g. PLAIN'}),
    'sasl-username': Flags.string({description: 'SASL user (sasl.username)'}),
    'sasl-password': Flags.string({description: 'SASL password (sasl.password); or leave it out and set $SAMSA_SASL_PASSWORD when using the profile'}),
    set: Flags.string({description: 'any property as name=value (repeatable)', multiple: true, multipleNonGreedy: true}),
    from: Flags.string({description: 'start from this properties file (a kcat -F or --kafka-config file)'}),
    force: Flags.boolean({description: 'replace the profile if it exists'}),
  }

  public async run(): Promise<ProfileSummary> {
    const {name} = this.args
    const f = this.flags
    validateProfileName(name)
    if (!f.force && profileExists(name)) throw new SamsaError('PROFILE_EXISTS', `profile ${name} already exists (replace it with --force, or: samsa config show ${name})`)
    const props: Properties = f.from ? readProperties(resolve(f.from)) : new Map()
    const fromFlags = flagProperties(f)
    const set = parseConfigPairs(f.set, '--set')
    for (const [key, value] of Object.entries(set)) {
      if (!KEY.test(key)) throw new SamsaError('USAGE', `--set ${key}: a property name is letters, digits and . _ -`)
      if (/[\r\n]/.test(value)) throw new SamsaError('USAGE', `--set ${key}: a value is one line`)
      const flag = fromFlags.explicit.get(key)
      if (flag !== undefined) throw new SamsaError('USAGE', `--set ${key} and ${flag} both set ${key}: give one`)
    }
    for (const [key, value] of fromFlags.props) props.set(key, value)
    for (const [key, value] of Object.entries(set)) props.set(key, value)
    check(props)
    writeProfile(name, props, [`samsa profile "${name}" (samsa config create): librdkafka properties, kcat -F reads this file too`])
    const result = describeProfile(name, props)
    if (props.has('sasl.username') && !props.has('sasl.password')) {
      this.logToStderr(`samsa: profile ${name} stores no SASL password: give it when using the profile ($SAMSA_SASL_PASSWORD or --sasl-password)`)
    }
    this.log(`${f.force ? 'saved' : 'created'} profile ${name} (${result.brokers}, ${result.security}): use it with --profile ${name}, or: samsa config use ${name}`)
    return result
  }
}

// The properties the flags stand for, and which flag wrote each name (to refuse a --set of the same).
function flagProperties(f: ConfigCreate['flags']): {props: Properties; explicit: Map<string, string>} {
  const props: Properties = new Map()
  const explicit = new Map<string, string>()
  const put = (key: string, value: string | undefined, flag: string): void => {
    if (value === undefined) return
    props.set(key, value)
    explicit.set(key, flag)
  }
  put('bootstrap.servers', f.brokers, '--brokers')
  put('ssl.ca.location', tlsFile(f['tls-ca'], '--tls-ca'), '--tls-ca')
  put('ssl.certificate.location', tlsFile(f['tls-cert'], '--tls-cert'), '--tls-cert')
  put('ssl.key.location', tlsFile(f['tls-key'], '--tls-key'), '--tls-key')
  put('sasl.mechanism', f['sasl-mechanism'], '--sasl-mechanism')
  put('sasl.username', f['sasl-username'], '--sasl-username')
  put('sasl.password', f['sasl-password'], '--sasl-password')
  if ((f['tls-cert'] === undefined) !== (f['tls-key'] === undefined)) throw new SamsaError('USAGE', 'a client certificate needs both --tls-cert and --tls-key')
  const tls = f.tls || f['tls-ca'] !== undefined || f['tls-cert'] !== undefined
  const sasl = f['sasl-mechanism'] !== undefined || f['sasl-username'] !== undefined || f['sasl-password'] !== undefined
  // security.protocol is implied, not given: a --set of it wins without complaint
  if (tls || sasl) props.set('security.protocol', sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : 'SSL')
  return {props, explicit}
}

// A TLS file is checked now (a typo found at create, not at the first command) and stored absolute, so
// the profile works from any directory.
function tlsFile(path: string | undefined, flag: string): string | undefined {
  if (path === undefined) return undefined
  const absolute = resolve(path)
  let isFile = false
  try {
    isFile = statSync(absolute).isFile()
  } catch {
    throw new SamsaError('NOT_FOUND', `${flag} ${path}: no such file`)
  }
  if (!isFile) throw new SamsaError('INVALID_INPUT', `${flag} ${path}: not a file`)
  return absolute
}

function check(props: Properties): void {
  const brokers = profileBrokers(props)
  if (brokers === null) throw new SamsaError('USAGE', 'a profile names its brokers: --brokers HOST:PORT,… (or bootstrap.servers in --from / --set)')
  parseBrokers(brokers)
  const protocol = props.get('security.protocol')
  if (protocol !== undefined && !PROTOCOLS.includes(protocol.toUpperCase())) {
    throw new SamsaError('USAGE', `security.protocol must be ${PROTOCOLS.slice(0, -1).join(', ')} or ${PROTOCOLS.at(-1)}, not ${protocol}`)
  }
}
