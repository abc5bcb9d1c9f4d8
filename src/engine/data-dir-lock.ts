// One daemon per data directory (RELIABILITY.md rule 7). Main thread.
//
// The lock is a listening Linux abstract Unix socket named after the data directory (paths.ts lockName):
// binding it is atomic, a second bind gets EADDRINUSE, and the kernel releases it when the process dies —
// kill -9 included — so no stale lock ever needs cleaning. The holder answers every connection to the
// lock socket with its pid, which is how a refused daemon names the holder even in the instant before the
// holder has written its pid file; the pid file (<data>/run/daemon.pid) is informational only.
import {readFileSync, rmSync} from 'node:fs'
import {connect, createServer, type Server} from 'node:net'
import {SamsaError} from '../errors.js'
import type {DaemonPaths} from '../protocol/control/paths.js'
import {writeFileDurably} from '../storage/checkpoint.js'
import {preparePrivateDir} from './private-dir.js'

const ASK_TIMEOUT_MS = 1000

// Asks the lock holder for its pid over the lock socket; null when it does not answer in time.
function askHolder(lockName: string): Promise<number | null> {
  return new Promise((resolve) => {
    let text = ''
    const socket = connect({path: lockName})
    const finish = (pid: number | null): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(pid)
    }
    const timer = setTimeout(() => finish(null), ASK_TIMEOUT_MS)
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      text += d
      if (text.includes('\n') || text.length > 32) finish(parsePid(text))
    })
    socket.on('end', () => finish(parsePid(text)))
    socket.on('error', () => finish(null))
  })
}

function parsePid(text: string): number | null {
  const m = /^(\d{1,10})\n?/.exec(text.trim() + '\n')
  const pid = m ? Number(m[1]) : NaN
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null
}

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
    private readonly server: Server,
    private readonly paths: DaemonPaths,
  ) {}

  // Takes the lock or throws DAEMON_RUNNING naming the holder's pid. Then writes the pid file.
  static async acquire(paths: DaemonPaths): Promise<DataDirLock> {
    const server = createServer((conn) => {
      conn.on('error', () => {})
      conn.end(`${process.pid}\n`)
    })
    const acquired = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)))
      server.listen({path: paths.lockName, exclusive: true}, () => resolve(true))
    }).catch((err: Error) => {
      throw new SamsaError('STORAGE_ERROR', `cannot take the lock for data directory ${paths.dataDir}: ${err.message}`, {cause: err})
    })
    if (!acquired) {
      const pid = (await askHolder(paths.lockName)) ?? readPidFile(paths.pidFile)
      const who = pid === null ? 'another daemon (pid unknown)' : `daemon pid ${pid}`
      throw new SamsaError('DAEMON_RUNNING', `data directory ${paths.dataDir} is in use by ${who}`)
    }
    server.on('error', () => {})
    server.unref() // the lock must not keep the process alive on its own
    const lock = new DataDirLock(server, paths)
    try {
      preparePrivateDir(paths.runDir)
      writeFileDurably(paths.pidFile, `${process.pid}\n`)
    } catch (err) {
      await lock.release()
      throw err
    }
    return lock
  }

  // Removes the pid file (if it is still ours) and releases the lock.
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (readPidFile(this.paths.pidFile) === process.pid) rmSync(this.paths.pidFile, {force: true})
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
