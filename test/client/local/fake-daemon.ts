// A stand-in daemon for client unit tests: speaks the control framing on a Unix socket in a temp dir and
// answers with whatever the test's handler returns. Real-daemon tests live in test/integration.
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {FrameDecoder, encodeFrame, type Frame} from '../../../src/protocol/control/frame.js'
import {ApiKey} from '../../../src/protocol/control/messages.js'

export interface Reply {
  body: unknown
  raw?: Buffer
  delayMs?: number
}

// null: send nothing (acks=0, or to leave a request hanging)
export type Handler = (frame: Frame, socket: Socket) => Reply | null | Promise<Reply | null>

export class FakeDaemon {
  readonly dir: string
  readonly socketPath: string
  readonly received: Frame[] = []
  readonly sockets = new Set<Socket>()
  private server: Server | null = null
  handler: Handler

  constructor(handler: Handler = defaultHandler) {
    this.dir = mkdtempSync(join(tmpdir(), 'samsa-fake-'))
    this.socketPath = join(this.dir, 'samsa.sock')
    this.handler = handler
  }

  listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server = createServer((socket) => {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => {})
        const decoder = new FrameDecoder()
        socket.on('data', async (chunk) => {
          for (const frame of decoder.push(chunk)) {
            // copy: the frame may be a view into a chunk that Node reuses
            this.received.push({...frame, raw: Buffer.from(frame.raw)})
            const reply = await this.handler(frame, socket)
            if (!reply) continue
            const send = (): void => {
              if (!socket.destroyed) socket.write(encodeFrame(frame.apiKey, 0, frame.correlationId, reply.body, reply.raw))
            }
            if (reply.delayMs) setTimeout(send, reply.delayMs)
            else send()
          }
        })
      })
      this.server.listen(this.socketPath, () => resolve())
    })
  }

  // Drops every client connection, as a daemon killed with -9 would.
  dropClients(): void {
    for (const s of this.sockets) s.destroy()
  }

  async stop(): Promise<void> {
    this.dropClients()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = null
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.dir, {recursive: true, force: true})
  }
}

export const defaultHandler: Handler = (frame) => {
  if (frame.apiKey === ApiKey.Hello) {
    return {body: {daemonVersion: 'fake', pid: process.pid, dataDir: '/fake', apis: []}}
  }
  return {body: {echo: frame.body, rawLength: frame.raw.length}}
}
