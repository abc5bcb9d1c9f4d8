// The daemon's lifecycle, on the main thread: start (lock → broker with its workers → control socket →
// catalog and recovery → committed offsets → Kafka listener → ready) and a graceful stop (stop accepting
// → finish in-flight requests → workers flush and close every partition log, writing clean-shutdown
// markers → remove the socket and pid file → release the lock). The one place that wires the layers of
// engine/ together: the Broker (broker/), the OffsetStore and the GroupCoordinator on top of it (groups/),
// and the two front ends, control/ (the Unix socket) and kafka/ (TCP), which share one PendingFrameBudget.
//
// The Kafka listener binds once partitions and committed offsets are loaded (a client that connects is
// served at once), and is never a reason for the daemon not to run: an address it cannot listen on (the
// port in use, say, by another daemon's listener or a real Kafka) is one log line, the daemon runs
// without it, and `samsa daemon status` says why. Every CLI command auto-starts a daemon, and none of
// them should fail because port 9092 is taken.
// daemon-process.ts runs it as a process (the engine's entry main.ts, and `samsa daemon start --foreground`).
//
// The daemon works in the data directory's real path (data-dir-layout.ts canonicalDataDir), resolved once at start:
// what it reports, logs and writes names the directory itself, however it was reached, and a symlink
// re-pointed while it runs cannot move its writes elsewhere.
//
// Startup after kill -9 needs no manual step: the kernel released the lock, the stale socket file (one
// nobody answers on) is replaced, and each PartitionLog recovers inside open() (logged per partition).
//
// Permissions: the directory holding the control socket is 0700 (created so, and chmod-ed back if it was
// not) and the socket itself 0600 (control/listener.ts): only the owner can connect (DESIGN.md). For a
// --socket path chosen by the user, only the socket's own mode is set; the directory is the user's choice.
import {readFileSync, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {SamsaError, isSamsaError} from '../../errors.js'
import {makeDirs} from '../../make-dirs.js'
import {daemonPaths, type DaemonPaths} from '../../protocol/control/data-dir-layout.js'
import {formatHostPort, type HostPort} from '../../protocol/control/daemon-config.js'
import type {KafkaListenerStatus} from '../../protocol/control/messages.js'
import {Broker} from '../broker/broker.js'
import {PendingFrameBudget} from '../transport/pending-frame-budget.js'
import {DEFAULT_CONNECTION_LIMITS, type ConnectionLimits} from '../control/connection.js'
import {ControlDispatch} from '../control/dispatch.js'
import {ControlListener} from '../control/listener.js'
import {GroupCoordinator} from '../groups/coordinator.js'
import {OffsetStore} from '../groups/offset-store.js'
import {DEFAULT_KAFKA_CONNECTION_LIMITS, type KafkaConnectionLimits} from '../kafka/connection.js'
import {KafkaListener} from '../kafka/listener.js'
import type {SaslUsers} from '../kafka/sasl-users.js'
import {DataDirLock} from './data-dir-lock.js'
import {preparePrivateDir} from './private-dir.js'

export interface DaemonOptions {
  dataDir: string
  workers?: number
  socket?: string // --socket / $SAMSA_SOCKET; default <data>/run/samsa.sock (or the short fallback)
  log?: (line: string) => void
  retentionCheckMs?: number // default 30 s
  tickMs?: number // flush.ms / segment.ms check period, default 1 s
  limits?: Partial<ConnectionLimits>
  stopGraceMs?: number // how long a stop waits for in-flight requests, default 30 s
  // The Kafka listener: where to listen and what to advertise; absent or null: none. The daemon process
  // (daemon-process.ts) resolves it from flags, environment and daemon.json; in-process callers say so.
  kafka?: {listen: HostPort; advertised: HostPort | null; sasl?: SaslUsers | null} | null
  kafkaLimits?: Partial<KafkaConnectionLimits>
}

export interface Daemon {
  readonly pid: number
  readonly paths: DaemonPaths
  readonly workers: number
  readonly kafka: Readonly<KafkaListenerStatus>
  stop(): Promise<void>
  readonly closed: Promise<void> // resolves once stopped, however the stop was asked for
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version?: unknown}
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}

function prepareDataDir(dataDir: string): void {
  try {
    makeDirs(dataDir, 0o700)
    if (!statSync(dataDir).isDirectory()) throw new Error('not a directory')
  } catch (err) {
    throw new SamsaError('STORAGE_ERROR', `cannot use data directory ${dataDir}: ${(err as Error).message}`, {cause: err})
  }
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  prepareDataDir(resolve(options.dataDir))
  const paths = daemonPaths(resolve(options.dataDir), options.socket) // resolved, now that it exists
  const dataDir = paths.dataDir
  const lock = await DataDirLock.acquire(paths)

  let broker: Broker | null = null
  let groups: GroupCoordinator | null = null
  let listener: ControlListener | null = null
  let kafkaListener: KafkaListener | null = null
  const kafka: KafkaListenerStatus = {listener: null, advertised: null, problem: null, saslUsers: null}
  let stopping: Promise<void> | null = null
  let markReady!: () => void
  let markFailed!: (err: unknown) => void
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    markFailed = reject
  })
  ready.catch(() => {}) // the dispatch reports it to the requests that waited
  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => (resolveClosed = r))

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log('stopping: finishing in-flight requests')
      broker?.beginStop()
      try {
        // parked long-polls answer now with what they have, so in-flight work can finish
        const graceMs = options.stopGraceMs ?? 30_000
        const answerParked = (): void => {
          broker?.answerParkedFetches()
          groups?.close() // parked heartbeats answer too
        }
        await Promise.all([listener?.close(graceMs, answerParked), kafkaListener?.close(graceMs, answerParked)])
        if (broker) {
          log('stopping: flushing and closing partition logs')
          await broker.close()
        }
      } catch (err) {
        log(`error while stopping: ${(err as Error).message}`)
      } finally {
        await lock.release()
        log('stopped')
        resolveClosed()
      }
    })()
    return stopping
  }

  try {
    let offsets: OffsetStore | null = null
    broker = new Broker({
      dataDir,
      workers: options.workers,
      retentionCheckMs: options.retentionCheckMs,
      tickMs: options.tickMs,
      log,
      onTopicDeleted: async (name) => offsets?.forgetTopic(name),
    })
    offsets = new OffsetStore(broker, log)
    groups = new GroupCoordinator({broker, offsets, log})
    const dispatch = new ControlDispatch({
      info: {version: packageVersion(), pid: process.pid, dataDir, socket: paths.socket, startedAt: Date.now(), kafka},
      broker,
      offsets,
      groups,
      ready,
      requestShutdown: () => void stop(),
    })
    // Listen before recovery: a client (or autostart) connects at once, Hello answers, and every other
    // request waits in the dispatch until the partitions are open — recovery of big unflushed segments
    // after a kill -9 can take longer than a client's connect timeout.
    if (paths.socketDir) preparePrivateDir(paths.socketDir)
    else makeDirs(dirname(paths.socket), 0o700)
    const limits = {...DEFAULT_CONNECTION_LIMITS, ...options.limits}
    const frameBudget = new PendingFrameBudget(limits.maxPendingFrameBytes) // every connection of both front ends
    listener = await ControlListener.listen({socketPath: paths.socket, dispatch, limits, frameBudget, log})
    log(`listening on ${paths.socket}; opening partitions`)
    await broker.open()
    await offsets.load()
    if (options.kafka) {
      try {
        kafkaListener = await KafkaListener.listen({
          ...options.kafka,
          dataDir,
          broker,
          offsets,
          groups,
          ready,
          limits: {...DEFAULT_KAFKA_CONNECTION_LIMITS, ...options.kafkaLimits},
          frameBudget,
          log,
        })
        kafka.listener = formatHostPort(kafkaListener.address)
        kafka.advertised = formatHostPort(kafkaListener.advertised)
        kafka.saslUsers = options.kafka.sasl?.size ?? null
        const auth = options.kafka.sasl ? `, SASL required: ${options.kafka.sasl.size} user(s)` : ''
        log(`Kafka listener on ${kafka.listener} (advertised as ${kafka.advertised}${auth})`)
      } catch (err) {
        kafka.problem = (err as Error).message
        log(`${kafka.problem}; running without the Kafka listener (choose another address with --kafka-listener HOST:PORT, or turn it off with --no-kafka-listener)`)
      }
    }
    markReady()
  } catch (err) {
    markFailed(err)
    await stop()
    throw isSamsaError(err) ? err : new SamsaError('STORAGE_ERROR', `daemon startup failed: ${(err as Error).message}`, {cause: err})
  }
  log(`samsa daemon pid ${process.pid} ready: data dir ${dataDir}, socket ${paths.socket}, ${broker.workers} worker(s)`)
  return {pid: process.pid, paths, workers: broker.workers, kafka, stop, closed}
}
