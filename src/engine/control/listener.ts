// The control socket's server (main thread): listens — replacing a stale socket file, never a live one —
// and hands each connection to a ControlConnection, all of them sharing one dispatch and the daemon's one
// PendingFrameBudget (shared with the Kafka listener: lifecycle/ makes it). The directory holding the
// socket is prepared by the daemon before (lifecycle/).
//
// Stale means nobody answers on it (connect refused: its daemon died without removing it). Holding the
// data-dir lock is not proof enough: --socket / $SAMSA_SOCKET may name another data directory's socket,
// and a daemon whose socket was unlinked under it would lose its clients for good. So a socket someone
// answers on is refused (exit 3), whoever it belongs to.
//
// Permissions: the socket is 0600: only the owner can connect (DESIGN.md); its directory is 0700 (the
// daemon's doing), or the user's choice for a --socket path.
import {chmodSync, lstatSync, unlinkSync} from 'node:fs'
import {connect, createServer, type Server} from 'node:net'
import {SamsaError} from '../../errors.js'
import {ControlConnection, type ConnectionLimits} from './connection.js'
import type {ControlDispatch} from './dispatch.js'
import {ConnectionSet} from '../transport/connection-set.js'
import type {PendingFrameBudget} from '../transport/pending-frame-budget.js'

export const MAX_CONNECTIONS = 1024

export interface ListenOptions {
  socketPath: string
  dispatch: ControlDispatch
  limits: ConnectionLimits
  frameBudget: PendingFrameBudget // daemon-wide: what all half-received frames may pin together
  log: (line: string) => void
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({path, exclusive: true}, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

// Whether a daemon answers on the socket file at path: 'stale' when connect is refused, 'gone' when the
// file vanished meanwhile; anything else (a connection, EAGAIN from a full backlog) means it is in use.
function probe(path: string): Promise<'live' | 'stale' | 'gone'> {
  return new Promise((resolve, reject) => {
    const socket = connect({path})
    socket.once('connect', () => {
      socket.destroy()
      resolve('live')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve('stale')
      else if (err.code === 'ENOENT') resolve('gone')
      else if (err.code === 'EAGAIN') resolve('live')
      else reject(new SamsaError('STORAGE_ERROR', `cannot check control socket ${path}: ${err.message}`, {cause: err}))
    })
  })
}

// Listens on path; EADDRINUSE means a file is there: replace it only when it is a socket nobody answers on.
async function bindControlSocket(server: Server, path: string, log: (line: string) => void): Promise<void> {
  try {
    return await listenOn(server, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
  }
  const st = lstatSync(path, {throwIfNoEntry: false})
  if (st && !st.isSocket()) {
    throw new SamsaError('STORAGE_ERROR', `${path} exists and is not a socket; refusing to replace it`)
  }
  const state = await probe(path)
  if (state === 'live') throw new SamsaError('DAEMON_RUNNING', `control socket ${path} is in use by a running daemon; refusing to replace it`)
  if (state === 'stale') {
    unlinkSync(path)
    log(`removed stale control socket ${path} (left by a daemon that did not stop cleanly)`)
  }
  await listenOn(server, path)
}

export class ControlListener {
  private readonly connections = new ConnectionSet()

  private constructor(
    private readonly server: Server,
    readonly socketPath: string,
  ) {}

  static async listen(options: ListenOptions): Promise<ControlListener> {
    const {socketPath, log} = options
    const server = createServer({allowHalfOpen: true, pauseOnConnect: false})
    server.maxConnections = MAX_CONNECTIONS
    const listener = new ControlListener(server, socketPath)
    const {frameBudget} = options
    server.on('connection', (socket) => {
      listener.connections.add(socket, new ControlConnection(socket, options.dispatch, options.limits, log, frameBudget))
    })
    await bindControlSocket(server, socketPath, log).catch((err: Error) => {
      throw err instanceof SamsaError ? err : new SamsaError('STORAGE_ERROR', `cannot listen on ${socketPath}: ${err.message}`, {cause: err})
    })
    server.on('error', (err) => log(`control socket error: ${err.message}`))
    chmodSync(socketPath, 0o600)
    return listener
  }

  get connectionCount(): number {
    return this.connections.size
  }

  // Graceful (transport/connection-set.ts): stop accepting, stop reading new requests, let running ones
  // answer (up to graceMs), then close every connection and remove the socket file.
  async close(graceMs: number, beforeWait?: () => void): Promise<void> {
    await this.connections.stop(this.server, graceMs, beforeWait)
    try {
      unlinkSync(this.socketPath)
    } catch {
      // already gone (server.close removes it on most platforms)
    }
  }
}
