// One connection to a samsa daemon over its Unix control socket (frames: protocol/control/frame.ts).
//
// Requests are pipelined: each gets the next correlation id and a pending entry in a Map; responses may
// come back in any order and settle the entry with the same id. A response body {error} becomes a
// SamsaError with that code. acks=0 produce goes through send(): written, never awaited (the daemon sends
// no response frame for it).
//
// A Connection is one socket's life: once the socket closes, every in-flight request is rejected with
// DAEMON_UNAVAILABLE and the Connection stays closed. Reconnecting is the owner's job (local-client.ts),
// because only the caller knows whether resending is safe (a fetch is; a produce only with a producer id).
import {connect as netConnect, type Socket} from 'node:net'
import {SamsaError} from '../../errors.js'
import {API_VERSION, type WireError} from '../../protocol/control/messages.js'
import {DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame, type Frame} from '../../protocol/control/frame.js'
import {fromWireError} from '../../wire-error.js'

export interface Response<T = unknown> {
  body: T
  raw: Buffer
}

export interface RequestOptions {
  // Reject with TIMEOUT when no response arrived in time; a late response is then dropped.
  timeoutMs?: number
}

interface Pending {
  resolve: (response: Response) => void
  reject: (err: Error) => void
  apiKey: number
  timer?: NodeJS.Timeout
}

export interface ConnectionOptions {
  maxFrameBytes?: number
  // How long one connect attempt may take before it counts as failed.
  connectTimeoutMs?: number
}

export interface BackoffOptions {
  initialMs?: number // first wait after a failed attempt (default 50 ms), doubled each time
  maxMs?: number // longest single wait (default 1 s)
  totalMs?: number // give up after this long in all (default 5 s)
  // Which connect failures are worth another attempt. Default: isRetriableConnectError.
  retriable?: (err: NodeJS.ErrnoException) => boolean
}

// ENOENT: no socket file (no daemon, or one still starting). ECONNREFUSED: a socket file nobody listens on
// (a daemon that died, or one restarting). EAGAIN: Linux's answer when a Unix socket's listen backlog is full.
export function isRetriableConnectError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EAGAIN' || code === 'ECONNRESET' || code === 'ETIMEDOUT'
}

// True when the error means "no daemon listens there" (as opposed to a busy one): the cue to auto-start.
export function isNoDaemonError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ECONNREFUSED'
}

function lostConnection(cause?: unknown): SamsaError {
  return new SamsaError('DAEMON_UNAVAILABLE', 'the connection to the samsa daemon was lost', {cause})
}

export class Connection {
  readonly socketPath: string
  private readonly socket: Socket
  private readonly decoder: FrameDecoder
  private readonly pending = new Map<number, Pending>()
  private nextCorrelationId = 1
  private closedError: SamsaError | null = null
  private readonly closeListeners: ((err: SamsaError) => void)[] = []

  // One attempt to connect; rejects with the socket error (its .code tells ENOENT, ECONNREFUSED, …).
  static open(socketPath: string, options: ConnectionOptions = {}): Promise<Connection> {
    const timeoutMs = options.connectTimeoutMs ?? 2000
    return new Promise((resolve, reject) => {
      const socket = netConnect(socketPath)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(Object.assign(new Error(`connect to ${socketPath} timed out after ${timeoutMs} ms`), {code: 'ETIMEDOUT'}))
      }, timeoutMs)
      const onError = (err: Error): void => {
        clearTimeout(timer)
        socket.destroy()
        reject(err)
      }
      socket.once('error', onError)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(new Connection(socketPath, socket, options))
      })
    })
  }

  // Connect, retrying retriable failures with exponential backoff until totalMs has passed.
  static async openWithBackoff(
    socketPath: string,
    backoff: BackoffOptions = {},
    options: ConnectionOptions = {},
  ): Promise<Connection> {
    const initialMs = backoff.initialMs ?? 50
    const maxMs = backoff.maxMs ?? 1000
    const totalMs = backoff.totalMs ?? 5000
    const retriable = backoff.retriable ?? isRetriableConnectError
    const deadline = Date.now() + totalMs
    let wait = initialMs
    for (;;) {
      try {
        return await Connection.open(socketPath, options)
      } catch (err) {
        const left = deadline - Date.now()
        if (!retriable(err as NodeJS.ErrnoException) || left <= 0) throw err
        await sleep(Math.min(wait, left))
        wait = Math.min(wait * 2, maxMs)
      }
    }
  }

  private constructor(socketPath: string, socket: Socket, options: ConnectionOptions) {
    this.socketPath = socketPath
    this.socket = socket
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES)
    socket.setNoDelay?.(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (err) => this.fail(lostConnection(err)))
    socket.on('close', () => this.fail(lostConnection()))
  }

  get isOpen(): boolean {
    return this.closedError === null
  }

  get inFlight(): number {
    return this.pending.size
  }

  // Called once, when the socket closes for any reason (including close()).
  onClose(listener: (err: SamsaError) => void): void {
    if (this.closedError) listener(this.closedError)
    else this.closeListeners.push(listener)
  }

  request<T = unknown>(apiKey: number, body: unknown, raw?: Uint8Array, options: RequestOptions = {}): Promise<Response<T>> {
    if (this.closedError) return Promise.reject(this.closedError)
    const correlationId = this.takeCorrelationId()
    return new Promise<Response<T>>((resolve, reject) => {
      const entry: Pending = {resolve: resolve as (r: Response) => void, reject, apiKey}
      if (options.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(correlationId)
          reject(new SamsaError('TIMEOUT', `the samsa daemon did not answer within ${options.timeoutMs} ms`))
        }, options.timeoutMs)
      }
      this.pending.set(correlationId, entry)
      this.socket.write(encodeFrame(apiKey, API_VERSION, correlationId, body, raw))
    })
  }

  // Fire and forget (acks=0 produce). Resolves once the frame is handed to the kernel, or at once when the
  // socket buffer has room, so a tight loop of sends still respects backpressure.
  send(apiKey: number, body: unknown, raw?: Uint8Array): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError)
    const ok = this.socket.write(encodeFrame(apiKey, API_VERSION, this.takeCorrelationId(), body, raw))
    if (ok) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.socket.off('close', onClose)
        resolve()
      }
      const onClose = (): void => {
        this.socket.off('drain', onDrain)
        reject(this.closedError ?? lostConnection())
      }
      this.socket.once('drain', onDrain)
      this.socket.once('close', onClose)
    })
  }

  // Ends the connection; in-flight requests are rejected with DAEMON_UNAVAILABLE.
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.end()
      // A daemon that never answers the FIN must not hold us: destroy after a short grace.
      setTimeout(() => this.socket.destroy(), 200).unref()
    })
  }

  destroy(): void {
    this.socket.destroy()
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId
    // u32 on the wire; wrap before 2^32, skipping 0 so that 0 never names a live request.
    this.nextCorrelationId = id >= 0xffffffff ? 1 : id + 1
    return id
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[]
    try {
      frames = this.decoder.push(chunk)
    } catch (err) {
      // A stream we cannot parse is unrecoverable: every later byte would be misread.
      this.fail(new SamsaError('INTERNAL', `bad frame from the samsa daemon: ${(err as Error).message}`))
      this.socket.destroy()
      return
    }
    for (const frame of frames) {
      const entry = this.pending.get(frame.correlationId)
      if (!entry) continue // timed out already, or an unsolicited frame: nothing waits for it
      this.pending.delete(frame.correlationId)
      if (entry.timer) clearTimeout(entry.timer)
      const body = frame.body as {error?: WireError} | null
      if (body && typeof body === 'object' && body.error && typeof body.error === 'object') {
        entry.reject(fromWireError(body.error))
      } else {
        entry.resolve({body, raw: frame.raw})
      }
    }
  }

  private fail(err: SamsaError): void {
    if (this.closedError) return
    this.closedError = err
    for (const entry of this.pending.values()) {
      if (entry.timer) clearTimeout(entry.timer)
      entry.reject(err)
    }
    this.pending.clear()
    for (const listener of this.closeListeners.splice(0)) listener(err)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
