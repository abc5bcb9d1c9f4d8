// What a front end's connection does whatever protocol it speaks (main thread): frames in through the
// protocol's FrameSplitter (protocol/frame-splitter.ts), taken one at a time while the connection's limits
// allow, with every resource bounded (README Guarantees, rule 7). The front ends' connections
// (control/connection.ts, kafka/connection.ts) extend it with what differs: how a frame is decoded and
// started (take), what counts as unanswered (inFlight), whether their ordering lets them take another
// frame now (takesMore, startHeld), and how responses are written.
//
// Flow control: the connection stops taking frames (leaves bytes in the reader and pauses the socket)
// while maxInFlight requests are unanswered, while its output is backed up (write() returned false, until
// 'drain'), or while the bytes its unanswered requests hold and may produce (`reserved`, which the front
// end keeps: request frames, response bounds) exceed outputBudgetBytes. A client that stops reading
// therefore holds at most about outputBudgetBytes of the daemon's memory, plus one frame.
// Bad input: a length prefix out of bounds closes the connection at once (the stream cannot be
// resynchronised), one log line.
//
// Slow frames: a frame must be complete within partialFrameTimeoutMs of the moment the daemon began
// reading it (took its first bytes, or was granted memory for it), however steadily its bytes trickle
// in; otherwise the connection is closed. The clock does not run while the connection is not reading
// because of its own limits (in flight, output backed up) before the frame began; once begun, it runs
// on. Half-received frames larger than 64 KiB hold a reservation in the daemon-wide PendingFrameBudget
// (maxPendingFrameBytes) while they are assembled; a frame that does not fit waits for one to finish.
// Together: no client can pin more than a frame's buffer for longer than the deadline, and all of them
// together no more than the budget (plus 64 KiB per connection for small frames and socket chunks).
//
// Ends: a client that half-closes still gets the answers to everything it sent, then our side ends (a
// partial frame left at its end is dropped); stopReading() (graceful stop) takes nothing more and ends once
// the running requests answered; abort() takes nothing more and closes once what was written is flushed.
import type {Socket} from 'node:net'
import type {FrameMemory, FrameSplitter} from '../../protocol/frame-splitter.js'
import type {BudgetTicket, PendingFrameBudget} from './pending-frame-budget.js'

export interface TransportLimits {
  maxFrameBytes: number
  maxInFlight: number
  outputBudgetBytes: number
  partialFrameTimeoutMs: number // a frame's whole receive time, from the moment the daemon begins reading it
}

export interface BoundedConnectionOptions {
  name: string // in log lines: "closing <name>: <reason>"
  limits: TransportLimits
  budget: PendingFrameBudget // daemon-wide, shared by every connection of both front ends
  log: (line: string) => void
  reader: (maxFrameBytes: number, memory: FrameMemory) => FrameSplitter // the protocol's splitter
}

// How long an aborted connection may take to flush the replies already written before it is destroyed.
const ABORT_FLUSH_MS = 1000

export abstract class BoundedConnection {
  protected reserved = 0 // bytes the unanswered requests hold and may still produce, kept by the front end
  protected aborted = false // abort(): start nothing new, close as soon as what was written is flushed
  closed = false
  private readonly name: string
  private readonly limits: TransportLimits
  private readonly budget: PendingFrameBudget
  private readonly log: (line: string) => void
  private readonly reader: FrameSplitter
  private peerEnded = false // the client half-closed: what it sent is still answered, nothing more comes
  private stopping = false // the daemon is stopping: start nothing new
  private starved = false // the last pump found no complete frame in the reader
  private paused = false
  private frameTimer: NodeJS.Timeout | null = null // the deadline of the frame being received
  private timedFrame = -1 // reader.framesRead when frameTimer was armed: which frame it times
  private ticket: BudgetTicket | null = null // this connection's claim on the frame budget (one frame at a time)
  private readonly closeHooks = new Set<() => void>()
  private idleResolvers: (() => void)[] = []

  // Requests taken and not yet answered: what maxInFlight bounds and whenIdle waits for.
  protected abstract readonly inFlight: number

  // One complete frame's payload (a view into the reader's chunk, or its own buffer): decode it and start
  // its request, or hold it.
  protected abstract take(payload: Buffer): void

  // Whether the front end's ordering lets it take another frame now (false while a barrier runs, or while
  // a decoded request is held).
  protected takesMore(): boolean {
    return true
  }

  // Called at the start of every pump: a front end holding a decoded request starts it here once it may.
  protected startHeld(): void {}

  // The connection is being aborted or has closed: a held request will never start.
  protected dropHeld(): void {}

  constructor(
    protected readonly socket: Socket,
    options: BoundedConnectionOptions,
  ) {
    this.name = options.name
    this.limits = options.limits
    this.budget = options.budget
    this.log = options.log
    this.reader = options.reader(options.limits.maxFrameBytes, {
      claim: (bytes) => this.claimFrameMemory(bytes),
      release: () => this.releaseFrameMemory(),
    })
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

  // Resolves once no request is unanswered (used by a graceful stop).
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
    this.log(`closing ${this.name}: ${reason}`)
    this.socket.pause()
    this.clearFrameTimer()
    this.dropHeld()
    void this.finish(ABORT_FLUSH_MS)
  }

  // Takes frames while the limits allow, then pauses or resumes the socket and watches the frame deadline.
  // Called on every event that may change what is allowed: bytes in, drain, a request answered.
  protected pump(): void {
    this.startHeld()
    let starved = false
    while (this.canTake()) {
      let payload: Buffer | null
      try {
        payload = this.reader.next()
      } catch (err) {
        this.log(`closing ${this.name}: ${(err as Error).message}`)
        this.destroy()
        return
      }
      if (!payload) {
        starved = true
        break
      }
      this.take(payload)
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

  // A response was written (or a request settled without one): wakes a graceful stop once nothing is
  // unanswered, and ends our side if the client half-closed.
  protected settled(): void {
    if (this.inFlight === 0) {
      for (const resolve of this.idleResolvers.splice(0)) resolve()
    }
    this.maybeEnd()
  }

  private canTake(): boolean {
    if (this.closed || this.stopping || this.aborted || !this.takesMore()) return false
    if (this.ticket !== null && !this.ticket.granted) return false // the next frame waits for budget
    if (this.inFlight >= this.limits.maxInFlight) return false
    if (this.socket.writableNeedDrain) return false
    return this.inFlight === 0 || this.reserved + this.socket.writableLength < this.limits.outputBudgetBytes
  }

  // A client that half-closed its side still gets the answers to everything it sent; then we close ours.
  private maybeEnd(): void {
    const done = this.stopping || (this.peerEnded && this.starved)
    if (done && this.inFlight === 0 && !this.closed && !this.socket.writableEnded) this.socket.end()
  }

  // The frame deadline (see the header): armed when a frame is found incomplete while the connection
  // reads, kept while that same frame stays incomplete (whatever arrives, whether or not we are blocked),
  // dropped once it is complete. A frame waiting for budget has not begun: its wait is not its fault.
  private watchFrame(starved: boolean): void {
    if (this.frameTimer && this.timedFrame !== this.reader.framesRead) this.clearFrameTimer()
    const waitingForMemory = this.ticket !== null && !this.ticket.granted
    if (starved && this.reader.partial && !waitingForMemory && !this.frameTimer) this.armFrameTimer()
  }

  private armFrameTimer(): void {
    const ms = this.limits.partialFrameTimeoutMs
    this.timedFrame = this.reader.framesRead
    this.frameTimer = setTimeout(() => {
      this.log(`closing ${this.name}: a frame was not complete ${ms} ms after the daemon began reading it (${this.reader.progress})`)
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
    this.dropHeld()
    this.clearFrameTimer()
    this.releaseFrameMemory()
    for (const fn of [...this.closeHooks]) fn()
    this.closeHooks.clear()
    for (const resolve of this.idleResolvers.splice(0)) resolve()
  }
}
