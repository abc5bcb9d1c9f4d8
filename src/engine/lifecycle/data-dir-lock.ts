// One daemon per data directory (README Guarantees, rule 8). Main thread.
//
// The lock is a SocketLock (protocol/control/socket-lock.ts): an abstract Unix socket the kernel releases
// when the process dies, kill -9 included, so no stale lock ever needs cleaning. It is named by the data
// directory's device and inode (data-dir-layout.ts lockNames), so every path that reaches the directory — a symlink,
// a bind mount, the real path — meets the same lock. Every way of starting a daemon (the engine's entry,
// `daemon start`, `daemon start --foreground`, auto-start) ends here; nothing else decides who runs.
// The holder answers on the lock socket with its pid, which is how a refused daemon names the holder even
// in the instant before the holder has written its pid file; the pid file (<data>/run/daemon.pid) is
// informational only.
import {readFileSync, rmSync} from 'node:fs'
import {SamsaError} from '../../errors.js'
import {lockNames, type DaemonPaths} from '../../protocol/control/data-dir-layout.js'
import {SocketLock, parsePid} from '../../protocol/control/socket-lock.js'
import {writeFileDurably} from '../../storage/checkpoint.js'
import {preparePrivateDir} from './private-dir.js'

function readPidFile(path: string): number | null {
  try {
    return parsePid(readFileSync(path, 'utf8'))
  } catch {
    return null
  }
}

export class DataDirLock {
  private released = false

  private constructor(
    private readonly lock: SocketLock,
    private readonly paths: DaemonPaths,
  ) {}

  // Takes the lock of the (existing) data directory or throws DAEMON_RUNNING naming the holder's pid.
  // Then writes the pid file.
  static async acquire(paths: DaemonPaths): Promise<DataDirLock> {
    let name: string
    let lock: SocketLock | null
    try {
      name = lockNames(paths.dataDir).daemon
      lock = await SocketLock.tryAcquire(name, paths.socket) // a client on another socket learns this one
    } catch (err) {
      throw new SamsaError('STORAGE_ERROR', `cannot take the lock for data directory ${paths.dataDir}: ${(err as Error).message}`, {cause: err})
    }
    if (!lock) {
      const pid = (await SocketLock.holder(name)).pid ?? readPidFile(paths.pidFile)
      const who = pid === null ? 'another daemon (pid unknown)' : `daemon pid ${pid}`
      throw new SamsaError('DAEMON_RUNNING', `data directory ${paths.dataDir} is in use by ${who}`)
    }
    const held = new DataDirLock(lock, paths)
    try {
      preparePrivateDir(paths.runDir)
      writeFileDurably(paths.pidFile, `${process.pid}\n`)
    } catch (err) {
      await held.release()
      throw err
    }
    return held
  }

  // Removes the pid file (if it is still ours) and releases the lock.
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (readPidFile(this.paths.pidFile) === process.pid) rmSync(this.paths.pidFile, {force: true})
    await this.lock.release()
  }
}
