// LocalClient: the local backend of the client API (../types.ts) — one pipelined connection to the daemon
// of a data directory, started on first use unless auto-start is off.
//
// Lifecycle: connect() finds (or starts) the daemon and says Hello. When the connection is lost later,
// requests in flight fail with DAEMON_UNAVAILABLE (nothing is resent here: only the caller knows whether a
// request is safe to repeat), and the next request dials again — with backoff 50 ms → 1 s for a daemon
// that is restarting, and auto-start when allowed, so a long-lived client survives a daemon's kill -9.
// With reconnectTimeoutMs (the long-running commands' --reconnect-timeout), that dial waits for the
// daemon to come back for up to that long after the loss (reconnect.ts: capped backoff, auto-start after a
// grace), and onReconnected is called once per outage when it answers again: the caller says so once.
import {isSamsaError, SamsaError} from '../../errors.js'
import {ApiKey, type HelloRequest, type HelloResponse} from '../../protocol/control/messages.js'
import {daemonPaths, type DaemonPaths} from '../../protocol/control/data-dir-layout.js'
import type {KafkaListenerFlags} from '../../protocol/control/daemon-config.js'
import type {Capability, Client, ReconnectedInfo} from '../types.js'
import {Admin} from './admin.js'
import {connectOrStart, connectFailure, noDaemonError, type DaemonStartInfo} from './autostart.js'
import {Connection, isNoDaemonError, type BackoffOptions, type Response} from './connection.js'
import {Groups} from './groups.js'
import {RawApi} from './raw-api.js'
import {reconnect} from './reconnect.js'
import type {Requester, RequestOptionsEx} from './requester.js'

export const CLIENT_NAME = 'samsa-client/0.1.0'

export interface ConnectOptions {
  dataDir: string // absolute (resolveDataDir)
  socket?: string // overrides $SAMSA_SOCKET and <data>/run/samsa.sock
  autostart?: boolean // default true
  clientName?: string
  startTimeoutMs?: number
  daemonEntry?: string // the daemon's entry script, when not dist/engine/main.js (tests)
  workers?: number // worker threads for a daemon this client starts (default: the daemon's own)
  kafka?: KafkaListenerFlags // the Kafka listener of a daemon this client starts (default: the daemon's own)
  reconnect?: BackoffOptions // re-dial after a lost connection (default 50 ms → 1 s, 5 s in all)
  // Wait this long after a lost connection for the daemon to come back (reconnect.ts); 0 or absent: the
  // short re-dial above, as for any command.
  reconnectTimeoutMs?: number
  // After a lost connection, once the daemon answers again (once per outage).
  onReconnected?: (info: ReconnectedInfo) => void
  // Called when this client started the daemon. Default: one line on stderr (not during a reconnect:
  // onReconnected says it then).
  onDaemonStarted?: (info: DaemonStartInfo) => void
  env?: NodeJS.ProcessEnv
}


export function announceStart(info: DaemonStartInfo): void {
  process.stderr.write(`samsa: started daemon for ${info.dataDir} (pid ${info.pid})\n`)
}

// The control APIs each capability needs from the daemon (its Hello lists what it serves).
const CAPABILITY_APIS: Record<Capability, number[]> = {
  groups: [ApiKey.OffsetFetch, ApiKey.OffsetCommit],
  membership: [ApiKey.GroupHeartbeat, ApiKey.ListGroups, ApiKey.DescribeGroups, ApiKey.DeleteGroup],
  idempotence: [ApiKey.InitProducerId],
}

export class LocalClient implements Client, Requester {
  readonly paths: DaemonPaths
  readonly admin: Admin
  readonly records: RawApi
  readonly groups: Groups
  private connection: Connection | null = null
  private dialing: Promise<Connection> | null = null
  private hello: HelloResponse | null = null
  private closed = false
  private lostAt: number | null = null // when the connection was lost, until one says Hello again
  private readonly options: ConnectOptions

  static async connect(options: ConnectOptions): Promise<LocalClient> {
    const client = new LocalClient(options)
    await client.dial(false)
    return client
  }

  private constructor(options: ConnectOptions) {
    this.options = options
    this.paths = daemonPaths(options.dataDir, options.socket, options.env ?? process.env)
    this.admin = new Admin(this)
    this.records = new RawApi(this)
    this.groups = new Groups(this)
  }

  // Who answered: daemon version, pid, data directory, supported APIs.
  get daemon(): HelloResponse {
    if (!this.hello) throw new SamsaError('DAEMON_UNAVAILABLE', 'not connected to a samsa daemon')
    return this.hello
  }

  supports(capability: Capability): boolean {
    const apis = this.hello?.apis ?? []
    return CAPABILITY_APIS[capability].every((key) => apis.some((a) => a.key === key))
  }

  get connected(): boolean {
    return this.connection?.isOpen ?? false
  }

  async request<T = unknown>(apiKey: number, body: unknown, raw?: Uint8Array, options: RequestOptionsEx = {}): Promise<Response<T>> {
    const connection = await this.current(options.noReconnect ?? false)
    return connection.request<T>(apiKey, body, raw, options)
  }

  async send(apiKey: number, body: unknown, raw?: Uint8Array): Promise<void> {
    const connection = await this.current(false)
    return connection.send(apiKey, body, raw)
  }

  async close(): Promise<void> {
    this.closed = true
    const connection = this.connection
    this.connection = null
    if (connection) await connection.close()
  }

  private current(noReconnect: boolean): Promise<Connection> {
    if (this.closed) return Promise.reject(new SamsaError('INTERNAL', 'the samsa client is closed'))
    if (this.connection?.isOpen) return Promise.resolve(this.connection)
    if (noReconnect) return Promise.reject(new SamsaError('DAEMON_UNAVAILABLE', 'the connection to the samsa daemon was lost'))
    return this.dial(true)
  }

  // One dial at a time: concurrent requests after a loss share it.
  private dial(again: boolean): Promise<Connection> {
    if (!this.dialing) {
      this.dialing = this.doDial(again).finally(() => {
        this.dialing = null
      })
    }
    return this.dialing
  }

  private async doDial(again: boolean): Promise<Connection> {
    const autostart = this.options.autostart ?? true
    if (again && this.lostAt !== null && (this.options.reconnectTimeoutMs ?? 0) > 0) return this.ride(this.lostAt, autostart)
    if (again && !autostart) return this.redial()
    const {connection} = await connectOrStart(this.paths, {
      autostart,
      socketOverride: this.options.socket,
      startTimeoutMs: this.options.startTimeoutMs,
      workers: this.options.workers,
      kafka: this.options.kafka,
      entry: this.options.daemonEntry,
      env: this.options.env,
      onStarted: this.options.onDaemonStarted ?? announceStart,
    })
    return this.sayHello(connection)
  }

  // The daemon may be restarting (systemd, `daemon stop && daemon start`): give it a moment. A daemon
  // still starting may also drop a fresh connection before its Hello: Hello is harmless to repeat, so
  // that counts as one more failed attempt within the same budget.
  private async redial(): Promise<Connection> {
    const reconnect = {initialMs: 50, maxMs: 1000, totalMs: 5000, ...this.options.reconnect}
    const deadline = Date.now() + reconnect.totalMs
    for (let wait = reconnect.initialMs; ; wait = Math.min(wait * 2, reconnect.maxMs)) {
      let connection: Connection
      try {
        connection = await Connection.openWithBackoff(this.paths.socket, {...reconnect, totalMs: Math.max(0, deadline - Date.now())})
      } catch (err) {
        throw isNoDaemonError(err) ? noDaemonError(this.paths.dataDir) : connectFailure(this.paths, err)
      }
      try {
        return await this.sayHello(connection)
      } catch (err) {
        if (!isSamsaError(err) || err.code !== 'DAEMON_UNAVAILABLE' || Date.now() + wait > deadline) throw err
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
  }

  // The daemon went away: wait for it (or start it) within reconnectTimeoutMs of the loss; tell once.
  private async ride(lostAt: number, autostart: boolean): Promise<Connection> {
    let startedPid: number | null = null
    const start = (ms: number): Promise<Connection> =>
      connectOrStart(this.paths, {
        autostart: true,
        socketOverride: this.options.socket,
        startTimeoutMs: Math.min(ms, this.options.startTimeoutMs ?? Infinity),
        workers: this.options.workers,
        entry: this.options.daemonEntry,
        env: this.options.env,
        onStarted: (info) => (startedPid = info.pid),
      }).then((r) => r.connection)
    const connection = await reconnect(this.paths, {
      lostAt,
      timeoutMs: this.options.reconnectTimeoutMs!,
      start: autostart ? start : undefined,
      hello: (c) => this.sayHello(c),
    })
    this.options.onReconnected?.({downMs: Date.now() - lostAt, startedPid})
    return connection
  }

  private async sayHello(connection: Connection): Promise<Connection> {
    try {
      const body: HelloRequest = {client: this.options.clientName ?? CLIENT_NAME}
      this.hello = (await connection.request<HelloResponse>(ApiKey.Hello, body, undefined, {timeoutMs: 10_000})).body
    } catch (err) {
      connection.destroy()
      throw err
    }
    if (this.closed) {
      connection.destroy()
      throw new SamsaError('INTERNAL', 'the samsa client is closed')
    }
    this.connection = connection
    this.lostAt = null
    connection.onClose(() => {
      if (!this.closed && this.connection === connection) this.lostAt ??= Date.now()
    })
    return connection
  }
}

export function connect(options: ConnectOptions): Promise<LocalClient> {
  return LocalClient.connect(options)
}
