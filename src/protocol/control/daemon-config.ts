// The daemon's Kafka listener settings, from wherever a user may give them — shared by the CLI (which checks
// `samsa daemon start --kafka-listener …` before it spawns anything) and the daemon's entry (which resolves
// them). Pure: parsing and precedence only; the daemon reads the config file (engine/daemon-process.ts).
//
// Where a setting comes from, first match wins:
//   1. the daemon's command line: --kafka-listener HOST:PORT | --no-kafka-listener, --kafka-advertised-listener
//      HOST:PORT (`samsa daemon start` passes its flags through);
//   2. the environment: SAMSA_KAFKA_LISTENER=HOST:PORT|off, SAMSA_KAFKA_ADVERTISED_LISTENER=HOST:PORT (an
//      auto-started daemon inherits the environment of the command that started it);
//   3. <data-dir>/daemon.json: {"kafkaListener": "HOST:PORT" | "off", "kafkaAdvertisedListener": "HOST:PORT"}
//      — the place for a setting that should hold however the daemon is started;
//   4. the default: listen on 127.0.0.1:9092.
// HOST:PORT forms: `127.0.0.1:9092`, `localhost:9092`, `[::1]:9092`, `:9092` (every interface); port 0 asks
// the kernel for a free port (the daemon logs and reports the one it got). The advertised address — what
// Metadata and FindCoordinator tell clients to connect to — defaults to the listener's own host and actual
// port; a wildcard host (`:9092`, `0.0.0.0`, `::`) is advertised as the machine's host name.
//
// SASL on the listener: a users file (engine/kafka/sasl-users.ts) named by the same precedence —
// --kafka-sasl-users FILE, else $SAMSA_KAFKA_SASL_USERS=FILE, else daemon.json's "kafkaSaslUsers": "FILE"
// (a relative path there is the data directory's); "off" in the flag or the environment overrides the file's. With one, every Kafka client must authenticate (PLAIN, SCRAM-SHA-256,
// SCRAM-SHA-512). Only a path is ever given: passwords stay in the file, never on a command line.
import {dirname, resolve} from 'node:path'
import {SamsaError} from '../../errors.js'

export const DEFAULT_KAFKA_LISTENER: HostPort = {host: '127.0.0.1', port: 9092}
export const KAFKA_LISTENER_ENV = 'SAMSA_KAFKA_LISTENER'
export const KAFKA_ADVERTISED_ENV = 'SAMSA_KAFKA_ADVERTISED_LISTENER'
export const KAFKA_SASL_USERS_ENV = 'SAMSA_KAFKA_SASL_USERS'
const OFF = new Set(['off', 'none', 'false', 'no', '0'])

export interface HostPort {
  host: string // '' = every interface
  port: number
}

// What the daemon's command line (or `samsa daemon start`) says, unparsed: listener 'off' turns it off.
export interface KafkaListenerFlags {
  listener?: string
  advertised?: string
  saslUsers?: string // the users file, or 'off'
}

export interface KafkaListenerSetting {
  listener: HostPort | null // null: no Kafka listener
  advertised: HostPort | null // null: derived from the listener (see the header)
  source: 'command line' | 'environment' | 'config file' | 'default'
}

// HOST:PORT (see the header), or USAGE naming `what` and the form expected.
export function parseHostPort(text: string, what: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = m ? Number(m[3]) : NaN
  if (!m || port > 65535) throw new SamsaError('USAGE', `${what} must be HOST:PORT (e.g. 127.0.0.1:9092, [::1]:9092, :9092), got ${JSON.stringify(text)}`)
  return {host: m[1] ?? m[2] ?? '', port}
}

// A listener setting: HOST:PORT, or null for 'off'.
export function parseKafkaListener(text: string, what: string): HostPort | null {
  return OFF.has(text.trim().toLowerCase()) ? null : parseHostPort(text, what)
}

export function formatHostPort({host, port}: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::'
}

// The daemon's arguments for these flags (auto-start and `samsa daemon start` spawn the entry with them).
export function kafkaListenerArgs(flags: KafkaListenerFlags | undefined): string[] {
  const args: string[] = []
  if (flags?.listener !== undefined) {
    if (parseKafkaListener(flags.listener, '--kafka-listener') === null) args.push('--no-kafka-listener')
    else args.push('--kafka-listener', flags.listener)
  }
  if (flags?.advertised !== undefined) args.push('--kafka-advertised-listener', flags.advertised)
  // absolute: the daemon may run elsewhere than the command that starts it
  if (flags?.saslUsers !== undefined) args.push('--kafka-sasl-users', OFF.has(flags.saslUsers.trim().toLowerCase()) ? 'off' : resolve(flags.saslUsers))
  return args
}

export interface DaemonConfig {
  listener?: HostPort | null
  advertised?: HostPort
  saslUsers?: string // the users file, resolved against the data directory
}

const KNOWN_SETTINGS = ['kafkaListener', 'kafkaAdvertisedListener', 'kafkaSaslUsers']

// daemon.json's text (null: there is no file) → its settings; USAGE naming the file and the problem.
export function parseDaemonConfig(text: string | null, file: string): DaemonConfig {
  if (text === null) return {}
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new SamsaError('USAGE', `${file} is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SamsaError('USAGE', `${file} must hold a JSON object`)
  const out: DaemonConfig = {}
  for (const [key, value] of Object.entries(json)) {
    if (!KNOWN_SETTINGS.includes(key)) {
      throw new SamsaError('USAGE', `${file}: unknown setting ${JSON.stringify(key)} (known: ${KNOWN_SETTINGS.join(', ')})`)
    }
    if (key === 'kafkaSaslUsers') {
      if (typeof value !== 'string' || value === '') throw new SamsaError('USAGE', `${file}: kafkaSaslUsers must be the path of a users file`)
      out.saslUsers = resolve(dirname(file), value)
      continue
    }
    if (typeof value !== 'string') throw new SamsaError('USAGE', `${file}: ${key} must be a string such as "127.0.0.1:9092"${key === 'kafkaListener' ? ' or "off"' : ''}`)
    if (key === 'kafkaListener') out.listener = parseKafkaListener(value, `${file}: kafkaListener`)
    else out.advertised = parseHostPort(value, `${file}: kafkaAdvertisedListener`)
  }
  return out
}

// The setting in force (see the header for the order). configText: daemon.json's content, null if absent.
export function resolveKafkaListener(
  flags: KafkaListenerFlags | undefined,
  env: NodeJS.ProcessEnv,
  configText: string | null,
  configFile: string,
): KafkaListenerSetting {
  const file = parseDaemonConfig(configText, configFile)
  const fromEnv = env[KAFKA_LISTENER_ENV]
  const advertisedText = flags?.advertised ?? env[KAFKA_ADVERTISED_ENV]
  let advertised: HostPort | null = file.advertised ?? null
  if (advertisedText !== undefined && advertisedText !== '') {
    advertised = parseHostPort(advertisedText, flags?.advertised !== undefined ? '--kafka-advertised-listener' : KAFKA_ADVERTISED_ENV)
  }
  if (flags?.listener !== undefined) return {listener: parseKafkaListener(flags.listener, '--kafka-listener'), advertised, source: 'command line'}
  if (fromEnv !== undefined && fromEnv !== '') return {listener: parseKafkaListener(fromEnv, KAFKA_LISTENER_ENV), advertised, source: 'environment'}
  if (file.listener !== undefined) return {listener: file.listener, advertised, source: 'config file'}
  return {listener: DEFAULT_KAFKA_LISTENER, advertised, source: 'default'}
}

// The listener's users file (see the header), or null: no SASL. A flag's or the environment's path is
// taken as given (the daemon resolves it against its working directory).
export function resolveKafkaSaslUsers(
  flags: KafkaListenerFlags | undefined,
  env: NodeJS.ProcessEnv,
  configText: string | null,
  configFile: string,
): {file: string; source: 'command line' | 'environment' | 'config file'} | null {
  if (flags?.saslUsers !== undefined && flags.saslUsers !== '') return OFF.has(flags.saslUsers.trim().toLowerCase()) ? null : {file: flags.saslUsers, source: 'command line'}
  const fromEnv = env[KAFKA_SASL_USERS_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return OFF.has(fromEnv.trim().toLowerCase()) ? null : {file: fromEnv, source: 'environment'}
  const saslUsers = parseDaemonConfig(configText, configFile).saslUsers
  return saslUsers === undefined ? null : {file: saslUsers, source: 'config file'}
}
