// A listener's open connections and its graceful stop, the same for both front ends' listeners
// (control/listener.ts, kafka/listener.ts). Main thread.
//
// A connection is in the set from its accept until its socket closes. Stopping: the server stops
// accepting, every connection stops reading new requests, running ones answer (up to graceMs), then every
// connection ends once what it wrote is flushed (or is destroyed after 2 s), and the server has closed.
import type {Server, Socket} from 'node:net'
import type {BoundedConnection} from './bounded-connection.js'

const FINISH_MS = 2000 // for a connection's written answers to be flushed, once its requests are done

export class ConnectionSet {
  private readonly connections = new Set<BoundedConnection>()

  add(socket: Socket, connection: BoundedConnection): void {
    this.connections.add(connection)
    socket.on('close', () => this.connections.delete(connection))
  }

  get size(): number {
    return this.connections.size
  }

  // beforeWait runs once reading has stopped, before the wait for the running requests.
  async stop(server: Server, graceMs: number, beforeWait?: () => void): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const c of this.connections) c.stopReading()
    beforeWait?.()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all([...this.connections].map((c) => c.whenIdle())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ])
    clearTimeout(timer)
    await Promise.all([...this.connections].map((c) => c.finish(FINISH_MS)))
    await closed
  }
}
