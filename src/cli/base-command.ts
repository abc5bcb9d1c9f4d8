// The base of every samsa command: shared flags, and one place that turns errors into a single stderr
// line and a documented exit code. Commands return a typed result; `--json` prints it (oclif's
// enableJsonFlag), humans get tables rendered by the command.
// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {createClient, resolveDataDir, type Client, type ClientOptions} from '../client/index.js'
import {argvOnly, refuseValuedBooleans} from './command-line.js'
import {withProfile} from './profile-choice.js'
import {SamsaError, isSamsaError} from '../errors.js'

// The flags of a command that needs no daemon (the log tools): `static override baseFlags = OFFLINE_FLAGS`.
export const OFFLINE_FLAGS = {
  'data-dir': Flags.string({
    description: 'data directory (default: $SAMSA_DATA_DIR, else $XDG_DATA_HOME/samsa)',
    helpGroup: 'GLOBAL',
  }),
}

const DAEMON_FLAGS = {
  ...OFFLINE_FLAGS,
  socket: Flags.string({
    description: "the daemon's control socket (default: <data-dir>/run/samsa.sock)",
    env: 'SAMSA_SOCKET',
    helpGroup: 'GLOBAL',
  }),
  autostart: Flags.boolean({
    description: 'start the daemon when none is running (--no-autostart, or SAMSA_NO_AUTOSTART=1, to fail instead)',
    allowNo: true,
    default: true,
    helpGroup: 'GLOBAL',
  }),
  // the Kafka backend: any of these set, commands talk to a Kafka cluster instead of the local daemon
  brokers: Flags.string({description: 'use a Kafka cluster: its brokers, HOST:PORT,… (no local daemon)', env: 'SAMSA_BROKERS', helpGroup: 'KAFKA'}),
  'kafka-config': Flags.string({description: 'librdkafka-style properties file (bootstrap.servers, security.protocol, ssl.*, sasl.*)', env: 'SAMSA_KAFKA_CONFIG', helpGroup: 'KAFKA'}),
  profile: Flags.string({description: 'use this saved connection profile (samsa config list) instead of the current one; none: neither', env: 'SAMSA_PROFILE', helpGroup: 'KAFKA'}),
  tls: Flags.boolean({description: 'connect to the brokers over TLS', helpGroup: 'KAFKA'}),
  'tls-ca': Flags.string({description: 'CA certificate (PEM) to verify the brokers with', helpGroup: 'KAFKA'}),
  'tls-cert': Flags.string({description: 'client certificate (PEM)', helpGroup: 'KAFKA'}),
  'tls-key': Flags.string({description: 'client key (PEM)', helpGroup: 'KAFKA'}),
  'sasl-mechanism': Flags.string({description: 'SASL mechanism: PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512', env: 'SAMSA_SASL_MECHANISM', helpGroup: 'KAFKA'}),
  'sasl-username': Flags.string({description: 'SASL user', env: 'SAMSA_SASL_USERNAME', helpGroup: 'KAFKA'}),
  'sasl-password': Flags.string({description: 'SASL password', env: 'SAMSA_SASL_PASSWORD', helpGroup: 'KAFKA'}),
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof DAEMON_FLAGS & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags: Interfaces.FlagInput = DAEMON_FLAGS

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  protected positional: string[] = [] // every argument, in order (for commands with strict = false)

  public override async init(): Promise<void> {
    await super.init()
    const baseFlags = (this.ctor as typeof BaseCommand).baseFlags
    refuseValuedBooleans(this.argv, {...baseFlags, ...this.ctor.flags})
    const {args, flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: argvOnly(this.ctor.args),
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.positional = argv as string[]
  }

  private connected: Client | null = null

  protected get dataDir(): string {
    return resolveDataDir(this.flags['data-dir'])
  }

  // An explicit --autostart / --no-autostart wins; otherwise SAMSA_NO_AUTOSTART=1 (or true/yes) turns it off.
  protected get autostart(): boolean {
    if (!this.flags.autostart) return false
    if (this.argv.includes('--autostart')) return true
    return !/^(1|true|yes)$/i.test(process.env.SAMSA_NO_AUTOSTART ?? '')
  }

  // Where this command's client goes, from the global flags.
  protected get clientOptions(): ClientOptions {
    const f = this.flags
    const cluster = {
      brokers: f.brokers,
      config: f['kafka-config'],
      tls: f.tls,
      tlsCa: f['tls-ca'],
      tlsCert: f['tls-cert'],
      tlsKey: f['tls-key'],
      saslMechanism: f['sasl-mechanism'],
      saslUsername: f['sasl-username'],
      saslPassword: f['sasl-password'],
    }
    return {dataDir: this.dataDir, socket: f.socket, autostart: this.autostart, clientName: `samsa-cli/${this.config.version}`, cluster}
  }

  // The client for this command's data directory, connected once and closed when the command ends.
  protected async client(): Promise<Client> {
    if (this.connected) return this.connected
    // the profile is looked up here, not in clientOptions: the daemon commands use those for the local
    // daemon only, and a current profile must not stand in their way
    const options = this.clientOptions
    this.connected = await createClient({...options, cluster: withProfile(options.cluster ?? {}, this.flags.profile)})
    return this.connected
  }

  private async closeClient(): Promise<void> {
    const client = this.connected
    this.connected = null
    if (client) await client.close().catch(() => {})
  }

  public override async finally(err: Error | undefined): Promise<unknown> {
    await this.closeClient()
    return super.finally(err)
  }

  protected override async catch(
    err: Error & {exitCode?: number; code?: string; oclif?: {exit?: number}; parse?: unknown},
  ): Promise<unknown> {
    // oclif's parse errors (bad flag value, missing argument, unknown flag) span several lines with
    // decorations: fold them into our one-line form, keeping exit 2.
    const usage = !isSamsaError(err) && err.code !== 'EEXIT' && (err.parse !== undefined || err.oclif?.exit === 2)
    // Explicit exits (this.exit) already carry their code.
    if (err.oclif?.exit !== undefined && !isSamsaError(err) && !usage) return super.catch(err)
    const error = isSamsaError(err)
      ? err
      : usage
        ? new SamsaError('USAGE', `${oneLine(err.message)} (see: ${this.config.bin} ${(this.id ?? '').replaceAll(':', ' ')} --help)`.replace('  ', ' '))
        : new SamsaError('INTERNAL', `internal error: ${err.message}`, {cause: err})
    if (this.jsonEnabled()) this.logJson({error: error.toJSON()})
    process.stderr.write(`samsa: ${error.message}\n`)
    if (!isSamsaError(err) && process.env.SAMSA_DEBUG) process.stderr.write(`${err.stack}\n`)
    return this.exit(error.exitCode)
  }
}

// "Parsing --partitions \n\tExpected an integer but received: abc\nSee more help with --help"
//   → "Parsing --partitions: Expected an integer but received: abc"
// "Missing 1 required arg:\ntopic  topic to write to" → "Missing 1 required arg: topic (topic to write to)"
function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(See more help with|Note: |Alternatively, )/.test(l))
    .map((l) => l.replace(/^(\S+) {2,}(.+)$/, '$1 ($2)')) // "topic  topic to write to": an argument and its description
  return lines.join(': ').replace(/:\s*:/g, ':')
}
