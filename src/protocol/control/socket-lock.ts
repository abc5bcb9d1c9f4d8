// A lock the kernel releases when its holder dies, kill -9 included (README Guarantees, rule 8): a listening
// Linux abstract Unix socket (a name starting with NUL, no file behind it). Binding it is atomic — a second
// bind gets EADDRINUSE, from any process — and the name is gone with the holder's last descriptor, so a lock
// is never stale and a recycled pid can never appear to hold one. The holder answers every connection with
// its pid and a newline: that is how a refused process names the holder.
//
// The daemon holds its data directory's lock with it (engine/lifecycle/data-dir-lock.ts); the local client
// holds the spawn lock with it and asks the data-directory lock who holds it (client/local/autostart.ts). Both sides
// speak this one-line exchange, so it lives with the rest of the control protocol. Main thread.
import {connect, createServer, type Server, type Socket} from 'node:net'

export const ASK_TIMEOUT_MS = 1000

export interface LockHolder {
  held: boolean // false: nobody listens on the name (connect refused)
  pid: number | null // the holder's answer; null when it did not answer in time (stopped, or busy)
}

export class SocketLock {
  private released = false

  private constructor(
    private readonly server: Server,
    private readonly askers: Set<Socket>,
  ) {}

  // The lock, or null when another process holds it. Other bind errors are thrown as they are.
  static tryAcquire(name: string): Promise<SocketLock | null> {
    const askers = new Set<Socket>()
    const server = createServer((conn) => {
      askers.add(conn)
      conn.on('close', () => askers.delete(conn))
      conn.on('error', () => {})
      conn.end(`${process.pid}\n`)
    })
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)))
      server.listen({path: name, exclusive: true}, () => {
        server.on('error', () => {})
        server.unref() // a lock must not keep the process alive on its own
        resolve(new SocketLock(server, askers))
      })
    })
  }

  // Who holds the lock named `name`, asked over the lock socket itself.
  static holder(name: string, timeoutMs = ASK_TIMEOUT_MS): Promise<LockHolder> {
    return new Promise((resolve) => {
      let text = ''
      let connected = false
      const socket = connect({path: name})
      const finish = (pid: number | null): void => {
        clearTimeout(timer)
        socket.destroy()
        resolve({held: connected, pid})
      }
      const timer = setTimeout(() => finish(null), timeoutMs)
      socket.setEncoding('utf8')
      socket.on('connect', () => (connected = true))
      socket.on('data', (d: string) => {
        text += d
        if (text.includes('\n') || text.length > 32) finish(parsePid(text))
      })
      socket.on('end', () => finish(parsePid(text)))
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // EAGAIN: a full backlog — someone listens, too busy to answer
        connected ||= err.code === 'EAGAIN'
        finish(null)
      })
    })
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const conn of this.askers) conn.destroy() // an asker that never reads must not hold the release up
    await closed
  }
}

export function parsePid(text: string): number | null {
  const m = /^(\d{1,10})\n?/.exec(text.trim() + '\n')
  const pid = m ? Number(m[1]) : NaN
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null
}
