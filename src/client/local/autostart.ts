// Finding the daemon of a data directory, and starting it when none runs.
//
// connectOrStart() tries the socket once. When nobody listens (ENOENT, ECONNREFUSED) and auto-start is
// allowed, it spawns `node dist/engine/main.js --data-dir D [--socket S]` detached, output appended to
// <data>/daemon.log, and polls the socket until the daemon answers (bounded).
//
// Two first commands at once must not leave two daemons, and nothing a dead or stuck starter left behind
// may hold up the next one:
//   1. the daemon's data-dir lock is the truth: a second daemon exits 3 ("in use by daemon pid N"), which
//      we treat as "someone else won" and keep connecting. Whether the daemon that answers is the one we
//      spawned (so whether to announce it) is asked of that lock too: its holder names its pid.
//   2. the spawn lock only serialises starters, so that ten first commands spawn one daemon rather than
//      ten that then lose the lock. It is a SocketLock like the data-dir lock (data-dir-layout.ts
//      lockNames): the kernel frees it when its holder dies, so it is never stale and a recycled pid never
//      holds it. A starter that finds it taken watches the socket (the holder's daemon usually answers
//      first) for at most SPAWN_LOCK_WAIT_MS, then spawns anyway: a holder that is stopped or stuck must
//      not block anyone, and the data-dir lock still lets only one daemon run.
// (Versions before this one used a file, <data>/run/spawn.lock, holding a pid: it is no longer read. A pid
// in a file is not a lock — the file outlived a killed starter, and a reused pid made it look held.)
import {spawn, type ChildProcess, type StdioOptions} from 'node:child_process'
import {closeSync, openSync, readFileSync, readSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {SamsaError} from '../../errors.js'
import {makeDirs} from '../../make-dirs.js'
import {daemonPaths, lockNames, type DaemonPaths} from '../../protocol/control/data-dir-layout.js'
import {kafkaListenerArgs, type KafkaListenerFlags} from '../../protocol/control/daemon-config.js'
import {SocketLock} from '../../protocol/control/socket-lock.js'
import {Connection, isNoDaemonError, sleep} from './connection.js'

export const DEFAULT_START_TIMEOUT_MS = 10_000
export const SPAWN_LOCK_WAIT_MS = 3000

export interface DaemonStartInfo {
  pid: number
  dataDir: string
  socket: string
  logFile: string
}

export interface StartOptions {
  socketOverride?: string // passed to the daemon as --socket
  workers?: number // passed as --workers
  kafka?: KafkaListenerFlags // passed as --kafka-listener / --no-kafka-listener / --kafka-advertised-listener
  startTimeoutMs?: number
  env?: NodeJS.ProcessEnv
  entry?: string // the daemon's entry script (default: daemonEntryPath()); tests point it at a stand-in
}

export interface ConnectOrStartOptions extends StartOptions {
  autostart: boolean
  onStarted?: (info: DaemonStartInfo) => void
}

export interface ConnectOrStartResult {
  connection: Connection
  startedPid: number | null // the daemon we spawned, when it is the one that now serves
}

// The daemon's foreground entry, relative to this module in dist/: dist/client/local/autostart.js →
// dist/engine/main.js.
export function daemonEntryPath(): string {
  return fileURLToPath(new URL('../../engine/main.js', import.meta.url))
}

// The daemon runs in /, so a socket named relative to where the command was typed is passed absolute.
export function daemonArgs(paths: DaemonPaths, options: StartOptions = {}): string[] {
  const args = [options.entry ?? daemonEntryPath(), '--data-dir', paths.dataDir]
  const socket = options.socketOverride || (options.env ?? process.env).SAMSA_SOCKET
  if (socket) args.push('--socket', resolve(socket))
  if (options.workers !== undefined) args.push('--workers', String(options.workers))
  args.push(...kafkaListenerArgs(options.kafka))
  return args
}

export function noDaemonError(dataDir: string): SamsaError {
  return new SamsaError('DAEMON_UNAVAILABLE', `no samsa daemon is running for ${dataDir} (start one with: samsa daemon start)`)
}

// Errors other than "nobody listens" (EACCES, ENOTSOCK, …) are reported as they are: auto-starting
// would not help, and a second daemon would only fail on the lock.
export function connectFailure(paths: DaemonPaths, err: unknown): SamsaError {
  if (err instanceof SamsaError) return err
  const e = err as NodeJS.ErrnoException
  const why = e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOTSOCK' ? 'not a socket' : (e.message ?? String(err))
  return new SamsaError('DAEMON_UNAVAILABLE', `cannot reach the samsa daemon at ${paths.socket}: ${why}`, {cause: err})
}

// One connect, retrying only a full listen backlog (EAGAIN) — a busy daemon, not a missing one.
export function tryConnect(paths: DaemonPaths): Promise<Connection> {
  return Connection.openWithBackoff(paths.socket, {totalMs: 2000, retriable: (e) => e.code === 'EAGAIN'})
}

export async function connectOrStart(paths: DaemonPaths, options: ConnectOrStartOptions): Promise<ConnectOrStartResult> {
  try {
    return {connection: await tryConnect(paths), startedPid: null}
  } catch (err) {
    if (!isNoDaemonError(err)) throw connectFailure(paths, err)
  }
  // Nobody on this socket, yet the data directory's daemon may run on another (--socket, $SAMSA_SOCKET):
  // say where, at once, rather than "no daemon" — or start one that can only lose the lock.
  const elsewhere = await listensElsewhere(paths)
  if (elsewhere !== null) {
    throw new SamsaError(
      'DAEMON_UNAVAILABLE',
      `the samsa daemon for ${paths.dataDir} (pid ${elsewhere.pid}) listens on ${elsewhere.socket}, not on ${paths.socket}: pass --socket ${elsewhere.socket} (or set SAMSA_SOCKET)`,
    )
  }
  if (!options.autostart) throw noDaemonError(paths.dataDir)
  return startAndConnect(paths, options)
}

// The daemon holding the data directory's lock, when it names a control socket other than ours.
async function listensElsewhere(paths: DaemonPaths): Promise<{pid: number; socket: string} | null> {
  let name: string
  try {
    name = lockNames(paths.dataDir).daemon
  } catch {
    return null // no such directory yet: no daemon either
  }
  const holder = await SocketLock.holder(name)
  if (holder.pid === null || holder.note === null || holder.note === paths.socket) return null
  return {pid: holder.pid, socket: holder.note}
}

// Spawns the daemon unless one answers, then waits until it serves. Used by auto-start and `daemon start`.
export async function startAndConnect(paths: DaemonPaths, options: ConnectOrStartOptions): Promise<ConnectOrStartResult> {
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS)
  prepareDirs(paths)
  const locks = lockNames(paths.dataDir)
  const spawnLock = await takeSpawnLock(paths, locks.spawn)
  if (spawnLock instanceof Connection) return {connection: spawnLock, startedPid: null}
  try {
    const child = spawnDetached(paths, options)
    const result = await waitReady(paths, child, deadline, locks.daemon)
    if (result.startedPid !== null) options.onStarted?.({pid: result.startedPid, dataDir: paths.dataDir, socket: paths.socket, logFile: paths.logFile})
    return result
  } finally {
    await spawnLock?.release()
  }
}

// The spawn lock (null: waited SPAWN_LOCK_WAIT_MS for it in vain, spawn anyway), or a connection to the
// daemon that whoever held the lock started meanwhile.
async function takeSpawnLock(paths: DaemonPaths, name: string): Promise<SocketLock | Connection | null> {
  const until = Date.now() + SPAWN_LOCK_WAIT_MS
  for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
    const lock = await SocketLock.tryAcquire(name).catch((err: Error) => {
      throw new SamsaError('DAEMON_UNAVAILABLE', `cannot take the spawn lock of ${paths.dataDir}: ${err.message}`, {cause: err})
    })
    // checked with the lock held too: whoever held it before us may have started one while we waited
    const existing = await connectOnce(paths).catch(async (err: unknown) => {
      await lock?.release()
      throw err
    })
    if (existing) {
      await lock?.release()
      return existing
    }
    if (lock || Date.now() >= until) return lock
    await sleep(wait)
  }
}

function prepareDirs(paths: DaemonPaths): void {
  try {
    makeDirs(paths.dataDir)
    makeDirs(paths.runDir, 0o700)
  } catch (err) {
    throw new SamsaError('STORAGE_ERROR', `cannot create ${paths.runDir}: ${(err as Error).message}`, {cause: err})
  }
}

async function connectOnce(paths: DaemonPaths): Promise<Connection | null> {
  try {
    return await tryConnect(paths)
  } catch (err) {
    if (isNoDaemonError(err)) return null
    throw connectFailure(paths, err)
  }
}

function spawnDetached(paths: DaemonPaths, options: StartOptions): ChildProcess {
  const log = openSync(paths.logFile, 'a', 0o600)
  try {
    const stdio: StdioOptions = ['ignore', log, log]
    const child = spawn(process.execPath, daemonArgs(paths, options), {
      detached: true,
      stdio,
      cwd: '/', // a long-lived daemon must not pin the directory the first command ran in
      env: options.env ?? process.env,
    })
    child.unref()
    return child
  } finally {
    closeSync(log)
  }
}

async function waitReady(paths: DaemonPaths, child: ChildProcess, deadline: number, daemonLock: string): Promise<ConnectOrStartResult> {
  let exit: {code: number | null; signal: string | null} | null = null
  let spawnError: Error | null = null
  child.once('exit', (code, signal) => {
    exit = {code, signal}
  })
  child.once('error', (err) => {
    spawnError = err
  })
  let wait = 10
  for (;;) {
    if (spawnError) {
      throw new SamsaError('DAEMON_UNAVAILABLE', `cannot start the samsa daemon: ${(spawnError as Error).message}`)
    }
    const connection = await connectOnce(paths)
    if (connection) {
      // Ours only if our child holds the data-dir lock: a child still starting, or about to exit 3, is not
      // the daemon that answered. A holder too busy to say (null) that is still running is taken as ours.
      const holder = exit === null && child.pid !== undefined ? (await SocketLock.holder(daemonLock)).pid : -1
      const ours = holder === child.pid || (holder === null && exit === null)
      return {connection, startedPid: ours ? child.pid! : null}
    }
    const ended = exit as {code: number | null; signal: string | null} | null
    // Exit 3: another daemon holds the data directory's lock — it won the race; keep connecting to it.
    if (ended && ended.code !== 3) throw startFailure(paths, ended)
    // …unless that daemon answers on the default socket while we were told another one: say so now.
    if (ended && (await answersElsewhere(paths))) {
      const why = lastLogLine(paths.logFile) ?? `data directory ${paths.dataDir} is in use by another daemon`
      throw new SamsaError('DAEMON_UNAVAILABLE', `${why}, which listens on ${defaultSocket(paths)}, not on ${paths.socket}`)
    }
    if (Date.now() > deadline) {
      if (ended?.code === 3) {
        // Another daemon holds the data directory but does not answer here: most likely it listens on
        // another socket (--socket / $SAMSA_SOCKET differ), or it is still recovering a large log.
        const why = lastLogLine(paths.logFile) ?? `data directory ${paths.dataDir} is in use by another daemon`
        throw new SamsaError(
          'DAEMON_UNAVAILABLE',
          `${why}, but it does not answer on ${paths.socket} (started with another --socket, or still recovering?)`,
        )
      }
      throw new SamsaError('DAEMON_UNAVAILABLE', `the samsa daemon for ${paths.dataDir} did not become ready in time (see ${paths.logFile})`)
    }
    await sleep(wait)
    wait = Math.min(wait * 2, 100)
  }
}

function defaultSocket(paths: DaemonPaths): string {
  const env = {...process.env}
  delete env.SAMSA_SOCKET
  return daemonPaths(paths.dataDir, undefined, env).socket
}

async function answersElsewhere(paths: DaemonPaths): Promise<boolean> {
  const other = defaultSocket(paths)
  if (other === paths.socket) return false
  try {
    ;(await Connection.open(other, {connectTimeoutMs: 500})).destroy()
    return true
  } catch {
    return false
  }
}

function startFailure(paths: DaemonPaths, exit: {code: number | null; signal: string | null}): SamsaError {
  const how = exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal}`
  const line = lastLogLine(paths.logFile)
  const detail = line ? `: ${line}` : ''
  const code = exit.code === 7 ? 'STORAGE_ERROR' : 'DAEMON_UNAVAILABLE'
  return new SamsaError(code, `the samsa daemon failed to start (${how})${detail} (log: ${paths.logFile})`)
}

// The line that says why: the last "samsa: …" or error line, else the last non-empty one (stack frames and
// Node's version footer say nothing useful).
export function lastLogLine(logFile: string): string | null {
  let text: string
  try {
    const size = statSync(logFile).size
    const fd = openSync(logFile, 'r')
    try {
      const length = Math.min(size, 8192)
      const buf = Buffer.alloc(length)
      let got = 0
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, size - length + got)
        if (n === 0) break
        got += n
      }
      text = buf.toString('utf8', 0, got)
    } finally {
      closeSync(fd)
    }
  } catch {
    return null
  }
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0)
  const useful = lines.filter((l) => !/^\s+at /.test(l) && !/^Node\.js v/.test(l) && !/^\s*\^+\s*$/.test(l))
  const pick = [...useful].reverse().find((l) => /^samsa: |Error\b/.test(l)) ?? useful.at(-1) ?? lines.at(-1)
  return pick ? pick.replace(/^samsa: /, '') : null
}

// Whether a process runs. A zombie (exited, not yet reaped by its parent — for a detached daemon that is
// init, which may take a while) counts as gone: on Linux, /proc tells.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return process.platform !== 'linux' // no /proc entry on Linux: it is gone
  }
}
