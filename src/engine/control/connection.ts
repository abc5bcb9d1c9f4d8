// One client connection on the control socket: frames in, requests to the dispatch (dispatch.ts),
// responses out, with every resource bounded (README Guarantees, rule 7). Main thread.
// Frames are split, decoded and encoded by the one control codec, protocol/control/frame.ts.
//
// Ordering: requests START in arrival order; data requests (produce, fetch, list offsets) then run
// concurrently and their responses may come back OUT OF ORDER, each carrying its request's correlation id
// (a long-poll fetch must not hold up a produce behind it). Two produces to one partition on one
// connection are still appended in arrival order (one worker, one ordered message channel). Topic
// changes, DeleteRecords, OffsetCommit and Shutdown are barriers (the broker's operation traits,
// broker/operations.ts): nothing after them starts before they complete.
//
// Flow control: the connection stops taking requests (leaves bytes in the reader and pauses the socket)
// while maxInFlight requests are running, while its output is backed up (write() returned false, until
// 'drain'), or while the bytes its running requests may produce exceed outputBudgetBytes. A client that
// stops reading therefore holds at most about outputBudgetBytes of the daemon's memory.
// Bad input: an oversized or undersized length prefix closes the connection (the stream cannot be
// resynchronised); a frame that cannot be decoded but whose header is readable gets an error response.
// A failed acks=0 produce closes it too (abort), the only way its producer can learn of the failure.
//
// Slow frames: a frame must be complete within partialFrameTimeoutMs of the moment the daemon began
// reading it (took its first bytes, or was granted memory for it), however steadily its bytes trickle
// in; otherwise the connection is closed. The clock does not run while the connection is not reading
// because of its own limits (in flight, output backed up) before the frame began; once begun, it runs
// on. Half-received frames larger than 64 KiB hold a reservation in the daemon-wide PendingFrameBudget
// (maxPendingFrameBytes) while they are assembled; a frame that does not fit waits for one to finish.
// Together: no client can pin more than a frame's buffer for longer than the deadline, and all of them
// together no more than the budget (plus 64 KiB per connection for small frames and socket chunks).
import type {Socket} from 'node:net'
import {SamsaError} from '../../errors.js'
import {FrameReader, decodeFramePayload, encodeFrameHead, readFrameHeader, type Frame} from '../../protocol/control/frame.js'
import {API_VERSION} from '../../protocol/control/messages.js'
import {toWireError} from '../../wire-error.js'
import type {ControlDispatch} from './dispatch.js'
import type {BudgetTicket, PendingFrameBudget} from '../broker/pending-frame-budget.js'
import type {Reply, RequestContext} from './request-context.js'

export interface ConnectionLimits {
  maxFrameBytes: number
  maxJsonBytes: number
  maxInFlight: number
  outputBudgetBytes: number
  partialFrameTimeoutMs: number // a frame's whole receive time, from the moment the daemon begins reading it
  maxPendingFrameBytes: number // daemon-wide: what all half-received frames may pin together
}

// Why these bounds: a client builds a frame in memory and writes it at once, so even a 64 MiB frame
// crosses a Unix socket in well under a second on a busy machine; 10 s leaves a wide margin for a loaded
// daemon while capping how long one connection can hold a frame buffer. 256 MiB is four maximum-size
// frames: honest clients have few big frames half-received at any moment, and each only briefly.
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxFrameBytes: 64 * 1024 * 1024,
  maxJsonBytes: 4 * 1024 * 1024,
  maxInFlight: 64,
  outputBudgetBytes: 16 * 1024 * 1024,
  partialFrameTimeoutMs: 10_000,
  maxPendingFrameBytes: 256 * 1024 * 1024,
}

// How long an aborted connection may take to flush the replies already written before it is destroyed.
const ABORT_FLUSH_MS = 1000

export class ControlConnection implements RequestContext {
  private readonly reader: FrameReader
  private inFlight = 0
  private reserved = 0 // response bytes the running requests may still produce
  private barrier = false
  private peerEnded = false // the client half-closed: what it sent is still answered, nothing more comes
  private stopping = false // the daemon is stopping: start nothing new
  private aborted = false // abort(): start nothing new, close as soon as what was written is flushed
  private starved = false // the last pump found no complete frame in the reader
  private paused = false
  private frameTimer: NodeJS.Timeout | null = null // the deadline of the frame being received
  private timedFrame = -1 // reader.framesRead when frameTimer was armed: which frame it times
  private ticket: BudgetTicket | null = null // this connection's claim on the frame budget (one frame at a time)
  private readonly closeHooks = new Set<() => void>()
  private idleResolvers: (() => void)[] = []
  closed = false

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: ControlDispatch,
    private readonly limits: ConnectionLimits,
    private readonly log: (line: string) => void,
    private readonly budget: PendingFrameBudget,
  ) {
    this.reader = new FrameReader(limits.maxFrameBytes, {claim: (bytes) => this.claimFrameMemory(bytes), release: () => this.releaseFrameMemory()})
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk)
      this.pump()
    })
    socket.on('drain', () => this.pump())
    socket.on('end', () => {
      this.peerEnded = true
      this.pump()
    })
    socket.on('error', () => this.closeNow()) // ECONNRESET / EPIPE from a client that left: nothing to do
    socket.on('close', () => this.closeNow())
  }

  get idle(): boolean {
    return this.inFlight === 0
  }

  // Resolves once no request is running (used by a graceful stop).
  whenIdle(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve()
    return new Promise((resolve) => this.idleResolvers.push(resolve))
  }

  onClose(fn: () => void): () => void {
    if (this.closed) {
      fn()
      return () => {}
    }
    this.closeHooks.add(fn)
    return () => this.closeHooks.delete(fn)
  }

  // Stop reading new requests (graceful stop); running ones still answer.
  stopReading(): void {
    this.stopping = true
    this.socket.pause()
    this.clearFrameTimer()
    this.maybeEnd()
  }

  // Ends our side once every written response is flushed (or after timeoutMs), then closes.
  finish(timeoutMs: number): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.destroy()
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      if (this.socket.writableFinished) return done()
      this.socket.once('finish', done)
      this.socket.once('close', done)
      if (!this.socket.writableEnded) this.socket.end()
    })
  }

  destroy(): void {
    this.socket.destroy()
    this.closeNow()
  }

  abort(reason: string): void {
    if (this.closed || this.aborted) return
    this.aborted = true
    this.log(`closing a control connection: ${reason}`)
    this.socket.pause()
    this.clearFrameTimer()
    void this.finish(ABORT_FLUSH_MS)
  }

  private canTake(): boolean {
    if (this.closed || this.barrier || this.stopping || this.aborted) return false
    if (this.ticket !== null && !this.ticket.granted) return false // the next frame waits for budget
    if (this.inFlight >= this.limits.maxInFlight) return false
    if (this.socket.writableNeedDrain) return false
    return this.inFlight === 0 || this.reserved + this.socket.writableLength < this.limits.outputBudgetBytes
  }

  private pump(): void {
    let starved = false
    while (this.canTake()) {
      let payload: Buffer | null
      try {
        payload = this.reader.next()
      } catch (err) {
        this.log(`closing a control connection: ${(err as Error).message}`)
        this.destroy()
        return
      }
      if (!payload) {
        starved = true
        break
      }
      this.begin(payload)
    }
    this.starved = starved
    if (this.closed) return
    if (this.peerEnded) {
      // a partial frame left at the client's end can never complete: let go of it now
      if (starved && this.reader.partial) {
        this.reader.dropPartial()
        this.releaseFrameMemory()
      }
      this.clearFrameTimer()
      this.maybeEnd()
      return
    }
    const blocked = !this.canTake()
    // Backpressure: with requests waiting in the reader, stop the kernel from handing us more bytes.
    if (blocked && !this.paused && !this.stopping) {
      this.paused = true
      this.socket.pause()
    } else if (!blocked && this.paused) {
      this.paused = false
      this.socket.resume()
    }
    this.watchFrame(starved)
  }

  // The frame deadline (see the header): armed when a frame is found incomplete while the connection
  // reads, kept while that same frame stays incomplete (whatever arrives, whether or not we are blocked),
  // dropped once it is complete. A frame waiting for budget has not begun: its wait is not its fault.
  private watchFrame(starved: boolean): void {
    if (this.frameTimer && this.timedFrame !== this.reader.framesRead) this.clearFrameTimer()
    const waitingForMemory = this.ticket !== null && !this.ticket.granted
    if (starved && this.reader.partial && !waitingForMemory && !this.frameTimer) this.armFrameTimer()
  }

  // Starts one request: decoded here, run by the dispatch, answered when it settles.
  private begin(payload: Buffer): void {
    const header = readFrameHeader(payload)
    if (!header) return this.destroy() // the reader checked the length: cannot happen, and nothing to answer
    let frame: Frame
    try {
      // JSON expands several-fold once parsed: bound it apart from the raw record bytes
      if (header.jsonLength > this.limits.maxJsonBytes) {
        throw new SamsaError('INVALID_REQUEST', `request JSON of ${header.jsonLength} bytes exceeds the ${this.limits.maxJsonBytes}-byte limit`)
      }
      frame = decodeFramePayload(payload)
    } catch (err) {
      // The frame's bounds were fine, so the stream is still in step: answer it by its correlation id.
      this.write(header.apiKey, header.correlationId, {body: {error: toWireError(err)}})
      return
    }
    const cost = frame.raw.length + this.dispatcher.reserveBytes(frame)
    const isBarrier = this.dispatcher.isBarrier(frame)
    this.inFlight++
    this.reserved += cost
    if (isBarrier) this.barrier = true
    this.dispatcher.handle(frame, this).then((reply) => {
      this.inFlight--
      this.reserved -= cost
      if (isBarrier) this.barrier = false
      if (reply && !this.closed) this.write(frame.apiKey, frame.correlationId, reply)
      if (this.inFlight === 0) {
        for (const resolve of this.idleResolvers.splice(0)) resolve()
      }
      this.maybeEnd()
      this.pump()
    })
  }

  private write(apiKey: number, correlationId: number, reply: Reply): void {
    if (this.closed || this.socket.writableEnded) return
    const raw = reply.raw ?? []
    let rawLength = 0
    for (const r of raw) rawLength += r.length
    const head = encodeFrameHead(apiKey, API_VERSION, correlationId, reply.body, rawLength)
    if (raw.length === 0) {
      this.socket.write(head)
      return
    }
    this.socket.cork()
    this.socket.write(head)
    for (const r of raw) this.socket.write(r)
    this.socket.uncork()
  }

  // A client that half-closed its side still gets the answers to everything it sent; then we close ours.
  private maybeEnd(): void {
    const done = this.stopping || (this.peerEnded && this.starved)
    if (done && this.inFlight === 0 && !this.closed && !this.socket.writableEnded) {
      this.socket.end()
    }
  }

  private armFrameTimer(): void {
    const ms = this.limits.partialFrameTimeoutMs
    this.timedFrame = this.reader.framesRead
    this.frameTimer = setTimeout(() => {
      this.log(`closing a control connection: a frame was not complete ${ms} ms after the daemon began reading it (${this.reader.progress})`)
      this.destroy()
    }, ms)
    this.frameTimer.unref()
  }

  private clearFrameTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer)
    this.frameTimer = null
  }

  // FrameMemory for the reader: one ticket at a time, held from the claim until the frame is complete.
  private claimFrameMemory(bytes: number): boolean {
    this.ticket ??= this.budget.request(bytes, () => {
      // granted while waiting: the frame now pins memory, so its clock starts; read on
      if (this.closed) return
      if (!this.frameTimer) this.armFrameTimer()
      setImmediate(() => this.pump())
    })
    return this.ticket.granted
  }

  private releaseFrameMemory(): void {
    if (this.ticket) this.budget.cancel(this.ticket)
    this.ticket = null
  }

  private closeNow(): void {
    if (this.closed) return
    this.closed = true
    this.clearFrameTimer()
    this.releaseFrameMemory()
    for (const fn of [...this.closeHooks]) fn()
    this.closeHooks.clear()
    for (const resolve of this.idleResolvers.splice(0)) resolve()
  }
}
