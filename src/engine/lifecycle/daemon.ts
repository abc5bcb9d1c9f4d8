// The daemon's lifecycle, on the main thread: start (lock → workers → catalog and recovery → control
// socket) and a graceful stop (stop accepting → finish in-flight requests → workers flush and close every
// partition log, writing clean-shutdown markers → remove the socket and pid file → release the lock).
// daemon-process.ts runs it as a process (the engine's entry main.ts, and `samsa daemon start --foreground`).
//
// The daemon works in the data directory's real path (paths.ts canonicalDataDir), resolved once at start:
// what it reports, logs and writes names the directory itself, however it was reached, and a symlink
// re-pointed while it runs cannot move its writes elsewhere.
//
// Startup after kill -9 needs no manual step: the kernel released the lock, the stale socket file (one
// nobody answers on) is replaced, and each PartitionLog recovers inside open() (logged per partition).
import {mkdirSync, readFileSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {SamsaError, isSamsaError} from '../../errors.js'
import {daemonPaths, type DaemonPaths} from '../../protocol/control/paths.js'
import {ControlListener} from '../control/listener.js'
import {DEFAULT_CONNECTION_LIMITS, type ConnectionLimits} from '../control/connection.js'
import {DataDirLock} from './data-dir-lock.js'
import {FetchHandler} from '../broker/fetch-handler.js'
import {FetchWaiters} from '../broker/fetch-waiters.js'
import {OffsetStore} from '../groups/offset-store.js'
import {PartitionTable} from '../broker/partition-table.js'
import {Router} from '../control/router.js'
import {TopicAdmin} from '../broker/topic-admin.js'
import {TopicCatalog} from '../broker/topic-catalog.js'
import {WorkerPool} from '../broker/worker-pool.js'
import {HWM_STRIDE} from '../worker/messages.js'

export interface DaemonOptions {
  dataDir: string
  workers?: number
  socket?: string // --socket / $SAMSA_SOCKET; default <data>/run/samsa.sock (or the short fallback)
  log?: (line: string) => void
  retentionCheckMs?: number // default 30 s
  tickMs?: number // flush.ms / segment.ms check period, default 1 s
  limits?: Partial<ConnectionLimits>
  stopGraceMs?: number // how long a stop waits for in-flight requests, default 30 s
}

export interface Daemon {
  readonly pid: number
  readonly paths: DaemonPaths
  readonly workers: number
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
    mkdirSync(dataDir, {recursive: true, mode: 0o700})
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

  const table = new PartitionTable()
  let pool: WorkerPool | null = null
  const waiters = new FetchWaiters((id, on) => {
    const ref = table.byPartitionId(id)
    if (ref && pool) pool.post(ref.worker, {type: 'watch', partitions: [id], on})
  })
  let listener: ControlListener | null = null
  let admin: TopicAdmin | null = null
  let stopping: Promise<void> | null = null
  let markReady!: () => void
  let markFailed!: (err: unknown) => void
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve
    markFailed = reject
  })
  ready.catch(() => {}) // the router reports it to the requests that waited
  let resolveClosed!: () => void
  const closed = new Promise<void>((r) => (resolveClosed = r))

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log('stopping: finishing in-flight requests')
      try {
        // parked long-polls answer now with what they have, so in-flight work can finish
        if (listener) await listener.close(options.stopGraceMs ?? 30_000, () => waiters.close())
        waiters.close()
        if (pool) {
          log('stopping: flushing and closing partition logs')
          await pool.shutdown()
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
    pool = new WorkerPool({
      workers: options.workers,
      retentionCheckMs: options.retentionCheckMs,
      tickMs: options.tickMs,
      onHwm: (updates, tails) => {
        for (let i = 0; i < updates.length; i += HWM_STRIDE) {
          const ref = table.byPartitionId(updates[i]!)
          if (!ref) continue
          ref.highWatermark = updates[i + 1]!
          ref.logStartOffset = updates[i + 2]!
        }
        // parked fetches at the old log end take the appended bytes straight from the tail
        if (tails) for (const t of tails) waiters.notify(t.partition, t)
        for (let i = 0; i < updates.length; i += HWM_STRIDE) waiters.notify(updates[i]!)
      },
      onLog: log,
      onOffline: (id, message) => {
        const ref = table.byPartitionId(id)
        if (ref) ref.offline = message
        waiters.notify(id)
      },
      onWorkerExit: (index, reason, restarting) => {
        if (stopping) return
        log(`worker ${index} ${reason}; ${restarting ? 'starting a replacement that reopens its partitions' : 'its partitions are offline until restart'}`)
        for (const ref of table.allPartitions()) {
          if (ref.worker !== index) continue
          if (!restarting) ref.offline = `worker ${index} ${reason}`
          waiters.notify(ref.id) // parked fetches answer (a retry reaches the replacement)
        }
      },
      onWorkerRestarted: (index) => {
        if (stopping || !admin) return
        // posted first, so every later request to this worker finds its partitions open
        admin.reopenWorker(index).catch((err: Error) => log(`worker ${index}: reopening its partitions failed: ${err.message}`))
        const watched = waiters.watching().filter((id) => table.byPartitionId(id)?.worker === index)
        if (watched.length > 0) pool!.post(index, {type: 'watch', partitions: watched, on: true})
      },
    })
    let offsets: OffsetStore | null = null
    admin = new TopicAdmin({
      dataDir,
      catalog: new TopicCatalog(dataDir),
      table,
      pool,
      log,
      onPartitionsRemoved: (refs) => {
        for (const r of refs) waiters.forget(r.id)
      },
      onTopicDeleted: async (name) => offsets?.forgetTopic(name),
    })
    offsets = new OffsetStore(table, pool, admin, log)
    const router = new Router({
      info: {version: packageVersion(), pid: process.pid, dataDir, socket: paths.socket, startedAt: Date.now(), workers: pool.size},
      table,
      pool,
      admin,
      fetch: new FetchHandler(table, pool, waiters),
      offsets,
      ready,
      requestShutdown: () => void stop(),
    })
    // Listen before recovery: a client (or autostart) connects at once, Hello answers, and every other
    // request waits in the router until the partitions are open — recovery of big unflushed segments
    // after a kill -9 can take longer than a client's connect timeout.
    listener = await ControlListener.listen({
      socketPath: paths.socket,
      privateDir: paths.socketDir,
      router,
      limits: {...DEFAULT_CONNECTION_LIMITS, ...options.limits},
      log,
    })
    log(`listening on ${paths.socket}; opening partitions`)
    await admin.openAll()
    await offsets.load()
    markReady()
  } catch (err) {
    markFailed(err)
    await stop()
    throw isSamsaError(err) ? err : new SamsaError('STORAGE_ERROR', `daemon startup failed: ${(err as Error).message}`, {cause: err})
  }
  log(`samsa daemon pid ${process.pid} ready: data dir ${dataDir}, socket ${paths.socket}, ${pool.size} worker(s)`)
  return {pid: process.pid, paths, workers: pool.size, stop, closed}
}
