// Engine-test helpers on top of test/support (temp dirs, daemon processes, cleanup): a bare
// control-protocol client that talks frames to a daemon directly (not the client library), one shared
// daemon per test file, record batches to send, and a process's memory.
import {readFileSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {afterAll, beforeAll} from 'vitest'
import {FrameDecoder, encodeFrame, type Frame} from '../../src/protocol/control/frame.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {Compression} from '../../src/format/batch-header.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir, type DaemonProcess, type SpawnOptions} from '../support/index.js'

// One daemon (and one connection to it) for a whole test file: started in beforeAll, handed to `ready`,
// stopped and cleaned up in afterAll. Call at the top level of a test file.
export function sharedDaemon(
  ready: (daemon: DaemonProcess, client: TestClient) => void | Promise<void>,
  options: SpawnOptions = {},
): void {
  let daemon: DaemonProcess | undefined
  let client: TestClient | undefined
  beforeAll(async () => {
    requireBuild()
    daemon = await spawnDaemon(tempDir(), options)
    client = await TestClient.connect(daemon.socket)
    await ready(daemon, client)
  })
  afterAll(async () => {
    client?.close()
    if (daemon) await stopDaemon(daemon)
    await cleanup()
  })
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

export interface Response {
  apiKey: number
  correlationId: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: Buffer
}

// A bare control-protocol client: frames over a socket, pipelined, responses matched by correlation id.
export class TestClient {
  private readonly decoder = new FrameDecoder()
  private readonly waiting = new Map<number, (r: Response) => void>()
  private nextId = 1
  readonly frames: Frame[] = [] // responses nobody waited for
  closed = false
  readonly closedPromise: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) {
        const r = {apiKey: f.apiKey, correlationId: f.correlationId, body: f.body, raw: Buffer.from(f.raw)}
        const w = this.waiting.get(f.correlationId)
        if (w) {
          this.waiting.delete(f.correlationId)
          w(r)
        } else this.frames.push(f)
      }
    })
    socket.on('error', () => {})
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true
        resolve()
      }),
    )
  }

  static connect(path: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({path})
      s.once('connect', () => resolve(new TestClient(s)))
      s.once('error', reject)
    })
  }

  // Sends a request and waits for its response (rejects if the connection closes first).
  request(apiKey: number, body: unknown, raw?: Uint8Array, timeoutMs = 15_000): Promise<Response> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to api ${apiKey} within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.set(id, (r) => {
        clearTimeout(timer)
        resolve(r)
      })
      void this.closedPromise.then(() => {
        clearTimeout(timer)
        if (this.waiting.delete(id)) reject(new Error('connection closed'))
      })
      this.socket.write(encodeFrame(apiKey, 0, id, body, raw))
    })
  }

  // Sends without waiting (acks=0, pipelining tests). Returns the correlation id.
  send(apiKey: number, body: unknown, raw?: Uint8Array): number {
    const id = this.nextId++
    this.socket.write(encodeFrame(apiKey, 0, id, body, raw))
    return id
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  close(): void {
    this.socket.destroy()
  }
}

export function records(n: number, prefix = 'v', size = 0): {key: Buffer; value: Buffer; timestamp: number; headers: []}[] {
  const now = Date.now()
  return Array.from({length: n}, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(size > 0 ? `${prefix}${i}-`.padEnd(size, 'x') : `${prefix}${i}`),
    timestamp: now + i,
    headers: [] as [],
  }))
}

export function lz4Batch(n: number, prefix = 'v', size = 0): Buffer {
  return encodeRecordBatch(records(n, prefix, size), {compression: Compression.Lz4})
}
