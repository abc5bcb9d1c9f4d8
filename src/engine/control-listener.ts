// The control socket's server (main thread): prepares the private socket directory, replaces a stale
// socket file (only ever called while holding the data-dir lock, so the file cannot be a live daemon's),
// listens, and hands each connection to a ControlConnection.
//
// Permissions: the directory holding the socket is 0700 (created so, and chmod-ed back if it was not) and
// the socket itself 0600: only the owner can connect (DESIGN.md). For a --socket path chosen by the user,
// only the socket's own mode is set; the directory is the user's choice.
import {chmodSync, lstatSync, mkdirSync, unlinkSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {dirname} from 'node:path'
import {SamsaError} from '../errors.js'
import {ControlConnection, type ConnectionLimits} from './control-connection.js'
import {PendingFrameBudget} from './pending-frame-budget.js'
import {preparePrivateDir} from './private-dir.js'
import type {Router} from './router.js'

export const MAX_CONNECTIONS = 1024

export interface ListenOptions {
  socketPath: string
  privateDir: string | null // the directory to create 0700 (run/ or the fallback), null for --socket
  router: Router
  limits: ConnectionLimits
  log: (line: string) => void
}

function removeStaleSocket(path: string, log: (line: string) => void): void {
  let st
  try {
    st = lstatSync(path)
  } catch {
    return
  }
  if (!st.isSocket()) throw new SamsaError('STORAGE_ERROR', `${path} exists and is not a socket; refusing to replace it`)
  unlinkSync(path)
  log(`removed stale control socket ${path} (left by a daemon that did not stop cleanly)`)
}

export class ControlListener {
  private readonly connections = new Set<ControlConnection>()

  private constructor(
    private readonly server: Server,
    readonly socketPath: string,
  ) {}

  static async listen(options: ListenOptions): Promise<ControlListener> {
    const {socketPath, log} = options
    if (options.privateDir) preparePrivateDir(options.privateDir)
    else mkdirSync(dirname(socketPath), {recursive: true, mode: 0o700})
    removeStaleSocket(socketPath, log)
    const server = createServer({allowHalfOpen: true, pauseOnConnect: false})
    server.maxConnections = MAX_CONNECTIONS
    const listener = new ControlListener(server, socketPath)
    const frameBudget = new PendingFrameBudget(options.limits.maxPendingFrameBytes) // shared by every connection
    server.on('connection', (socket) => {
      const conn = new ControlConnection(socket, options.router, options.limits, log, frameBudget)
      listener.connections.add(conn)
      socket.on('close', () => listener.connections.delete(conn))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({path: socketPath, exclusive: true}, () => {
        server.off('error', reject)
        resolve()
      })
    }).catch((err: NodeJS.ErrnoException) => {
      throw new SamsaError('STORAGE_ERROR', `cannot listen on ${socketPath}: ${err.message}`, {cause: err})
    })
    server.on('error', (err) => log(`control socket error: ${err.message}`))
    chmodSync(socketPath, 0o600)
    return listener
  }

  get connectionCount(): number {
    return this.connections.size
  }

  // Graceful: stop accepting, stop reading new requests, let running ones answer (up to graceMs), then
  // close every connection and remove the socket file.
  async close(graceMs: number, beforeWait?: () => void): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const c of this.connections) c.stopReading()
    beforeWait?.()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all([...this.connections].map((c) => c.whenIdle())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ])
    clearTimeout(timer)
    await Promise.all([...this.connections].map((c) => c.finish(2000)))
    await closed
    try {
      unlinkSync(this.socketPath)
    } catch {
      // already gone (server.close removes it on most platforms)
    }
  }
}
