// A lock the kernel releases when its holder dies, kill -9 included (README Guarantees, rule 8): a listening
// Linux abstract Unix socket (a name starting with NUL, no file behind it). Binding it is atomic — a second
// bind gets EADDRINUSE, from any process — and the name is gone with the holder's last descriptor, so a lock
// is never stale and a recycled pid can never appear to hold one. The holder answers every connection with
// its pid and a newline — `<pid>\n`, or `<pid> <note>\n` where the holder has something to say (the daemon:
// its control socket): that is how a refused process names the holder, and how a client that finds no
// daemon on its socket learns where the daemon of that data directory listens instead.
//
// The daemon holds its data directory's lock with it (engine/lifecycle/data-dir-lock.ts); the local client
// holds the spawn lock with it and asks the data-directory lock who holds it (client/local/autostart.ts). Both sides
// speak this one-line exchange, so it lives with the rest of the control protocol. Main thread.
import {connect, createServer, type Server, type Socket} from 'node:net'

export const ASK_TIMEOUT_MS = 1000

export interface LockHolder {
  held: boolean // false: nobody listens on the name (connect refused)
  pid: number | null // the holder's answer; null when it did not answer in time (stopped, or busy)
  note: string | null // what it said after its pid (the daemon: its control socket)
}

const MAX_ANSWER = 4200 // a pid, a space and a socket path (at most 108 bytes, more for a note of a longer one)

export class SocketLock {
  private released = false

  private constructor(
    private readonly server: Server,
    private readonly askers: Set<Socket>,
  ) {}

  // The lock, or null when another process holds it. Other bind errors are thrown as they are.
  // note: one line the holder adds to its answer.
  static tryAcquire(name: string, note?: string): Promise<SocketLock | null> {
    const askers = new Set<Socket>()
    const answer = note === undefined || /[\n\r]/.test(note) ? `${process.pid}\n` : `${process.pid} ${note}\n`
    const server = createServer((conn) => {
      askers.add(conn)
      conn.on('close', () => askers.delete(conn))
      conn.on('error', () => {})
      conn.end(answer)
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
      let done = false
      const finish = (answer: string): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        socket.destroy()
        const line = answer.split('\n')[0]
        const space = line.indexOf(' ')
        resolve({held: connected, pid: parsePid(line), note: space > 0 && parsePid(line) !== null ? line.slice(space + 1) : null})
      }
      const timer = setTimeout(() => finish(''), timeoutMs)
      socket.setEncoding('utf8')
      socket.on('connect', () => (connected = true))
      socket.on('data', (d: string) => {
        text += d
        if (text.includes('\n') || text.length > MAX_ANSWER) finish(text)
      })
      socket.on('end', () => finish(text))
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // EAGAIN: a full backlog — someone listens, too busy to answer
        connected ||= err.code === 'EAGAIN'
        finish('')
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
