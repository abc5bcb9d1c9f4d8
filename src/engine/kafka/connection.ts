// One Kafka client's TCP connection: frames in (protocol/kafka's KafkaFrameReader), requests to the dispatch
// (dispatch.ts), responses out in request order, with every resource bounded like a control connection's
// (README Guarantees, rule 7). Main thread.
//
// Ordering: Kafka answers one request at a time per connection, in order, and both clients rely on the
// order for safety. Here requests START in arrival order and their responses are WRITTEN in arrival
// order; while one runs, the next may start only if both are produces (pipelined produces: appended in
// arrival order per partition, one worker, one ordered channel) or both are reads (fetch, metadata, list
// offsets, offset fetch). A barrier (topic changes, commits) runs alone, and a produce never overlaps a
// read, so what a client sees is what it would see from Kafka's one-at-a-time processing. A long-poll
// Fetch therefore holds back the answers behind it, as in Kafka (kafkajs fetches on a connection of its
// own; librdkafka's group traffic has its own too).
//
// Flow control: the connection stops taking requests (leaves bytes in the reader and pauses the socket)
// while maxInFlight requests are unanswered, while its output is backed up (write() returned false, until
// 'drain'), or while the bytes its unanswered requests hold and may produce (the request frames, a fetch's
// response bound) exceed outputBudgetBytes. A client that stops reading holds at most about
// outputBudgetBytes of the daemon's memory, plus one frame.
// Bad input closes the connection, as Kafka does: a size prefix that is negative or above maxFrameBytes
// (the stream cannot be resynchronised), a request that does not decode (truncated, lying counts, more
// than DEFAULT_MAX_REQUEST_ITEMS array elements), an unknown API key or an unsupported version — except
// ApiVersions, which gets UNSUPPORTED_VERSION in the v0 format and keeps the connection. Each is one log
// line naming the peer. A failed acks=0 produce closes it too (abort), the only way its producer can learn.
//
// Slow frames: a frame must be complete within partialFrameTimeoutMs of the moment the daemon began
// reading it, however steadily its bytes trickle in; frames above 64 KiB hold a reservation in the
// daemon-wide PendingFrameBudget while they are assembled (both as in control/connection.ts).
import type {Socket} from 'node:net'
import {decodeRequest, expectsResponse, KafkaFrameReader, type KafkaRequest} from '../../protocol/kafka/index.js'
import type {BudgetTicket, PendingFrameBudget} from '../broker/pending-frame-budget.js'
import type {KafkaDispatch, Ordering} from './dispatch.js'
import type {KafkaRequestContext} from './handler.js'

export interface KafkaConnectionLimits {
  maxFrameBytes: number // Kafka's socket.request.max.bytes
  maxInFlight: number
  outputBudgetBytes: number
  partialFrameTimeoutMs: number // a frame's whole receive time, from the moment the daemon begins reading it
}

// 100 MiB is Kafka's own frame limit; a client's requests are ~1 MiB (its max.request.size / message.max
// .bytes), so 30 s to receive one is generous even for a remote client on a slow link.
export const DEFAULT_KAFKA_CONNECTION_LIMITS: KafkaConnectionLimits = {
  maxFrameBytes: 100 * 1024 * 1024,
  maxInFlight: 64,
  outputBudgetBytes: 16 * 1024 * 1024,
  partialFrameTimeoutMs: 30_000,
}

const ABORT_FLUSH_MS = 1000

// A started request that gets a response; chunks is set once it is encoded.
interface Slot {
  chunks: Buffer[] | null
  cost: number
}

export class KafkaConnection implements KafkaRequestContext {
  readonly peer: string
  private readonly reader: KafkaFrameReader
  private readonly queue: Slot[] = [] // responses not yet written, in request order
  private silent = 0 // running acks=0 produces (no slot)
  private running = 0 // handlers not yet settled
  private runningOrder: Ordering | null = null
  private held: {request: KafkaRequest; size: number} | null = null // decoded, waiting for the running ones
  private reserved = 0
  private peerEnded = false
  private stopping = false
  private aborted = false
  private starved = false
  private paused = false
  private frameTimer: NodeJS.Timeout | null = null
  private timedFrame = -1
  private ticket: BudgetTicket | null = null
  private readonly closeHooks = new Set<() => void>()
  private idleResolvers: (() => void)[] = []
  closed = false

  constructor(
    private readonly socket: Socket,
    private readonly dispatch: KafkaDispatch,
    private readonly limits: KafkaConnectionLimits,
    private readonly log: (line: string) => void,
    private readonly budget: PendingFrameBudget,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`
    socket.setNoDelay(true) // responses are written whole; Nagle would only add latency to small ones
    this.reader = new KafkaFrameReader(limits.maxFrameBytes, {claim: (bytes) => this.claimFrameMemory(bytes), release: () => this.releaseFrameMemory()})
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk)
      this.pump()
    })
    socket.on('drain', () => this.pump())
    socket.on('end', () => {
      this.peerEnded = true
      this.pump()
    })
    socket.on('error', () => this.closeNow())
    socket.on('close', () => this.closeNow())
  }

  private get inFlight(): number {
    return this.queue.length + this.silent + (this.held ? 1 : 0)
  }

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

  stopReading(): void {
    this.stopping = true
    this.socket.pause()
    this.clearFrameTimer()
    this.maybeEnd()
  }

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
    this.log(`closing the Kafka connection from ${this.peer}: ${reason}`)
    this.socket.pause()
    this.clearFrameTimer()
    this.held = null
    void this.finish(ABORT_FLUSH_MS)
  }

  private canTake(): boolean {
    if (this.closed || this.stopping || this.aborted) return false
    if (this.ticket !== null && !this.ticket.granted) return false
    if (this.inFlight >= this.limits.maxInFlight) return false
    if (this.socket.writableNeedDrain) return false
    return this.inFlight === 0 || this.reserved + this.socket.writableLength < this.limits.outputBudgetBytes
  }

  private canStart(order: Ordering): boolean {
    return this.running === 0 || (order === this.runningOrder && order !== 'barrier')
  }

  private pump(): void {
    let starved = false
    if (this.held && this.canStart(this.dispatch.ordering(this.held.request)) && !this.aborted && !this.closed) {
      const {request, size} = this.held
      this.held = null
      this.start(request, size)
    }
    while (this.held === null && this.canTake()) {
      let payload: Buffer | null
      try {
        payload = this.reader.next()
      } catch (err) {
        this.log(`closing the Kafka connection from ${this.peer}: ${(err as Error).message}`)
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
      if (starved && this.reader.partial) {
        this.reader.dropPartial()
        this.releaseFrameMemory()
      }
      this.clearFrameTimer()
      this.maybeEnd()
      return
    }
    const blocked = this.held !== null || !this.canTake()
    if (blocked && !this.paused && !this.stopping) {
      this.paused = true
      this.socket.pause()
    } else if (!blocked && this.paused) {
      this.paused = false
      this.socket.resume()
    }
    this.watchFrame(starved)
  }

  // One complete frame: decoded, then started (or held until the running requests allow it).
  private take(payload: Buffer): void {
    let request
    try {
      request = decodeRequest(payload)
    } catch (err) {
      return this.abort((err as Error).message)
    }
    if (request.kind === 'unsupported' || !this.dispatch.supports(request)) {
      const reply = request.kind === 'unsupported' ? this.dispatch.unsupportedReply(request) : null
      const reason = request.kind === 'unsupported' ? request.reason : `${request.api} is not offered by this broker`
      if (!reply) return this.abort(reason)
      this.queue.push({chunks: reply, cost: 0})
      return this.flush()
    }
    if (!this.canStart(this.dispatch.ordering(request))) {
      this.held = {request, size: payload.length}
      return
    }
    this.start(request, payload.length)
  }

  private start(request: KafkaRequest, size: number): void {
    // the request's bytes stay referenced until it is answered (a produce's batches are views into them)
    const cost = size + this.dispatch.reserveBytes(request)
    const slot: Slot | null = expectsResponse(request) ? {chunks: null, cost} : null
    if (slot) this.queue.push(slot)
    else this.silent++
    this.reserved += cost
    this.running++
    this.runningOrder = this.dispatch.ordering(request)
    this.dispatch.handle(request, this).then(
      (chunks) => {
        if (slot) slot.chunks = chunks
      },
      (err: Error) => {
        if (slot) slot.chunks = []
        this.abort(`${request.api} v${request.header.apiVersion} failed: ${err.message}`)
      },
    ).finally(() => {
      this.running--
      if (!slot) {
        this.silent--
        this.reserved -= cost
      }
      this.flush()
      this.pump()
    })
  }

  // Writes every answered response at the head of the queue, in request order.
  private flush(): void {
    while (this.queue.length > 0 && this.queue[0]!.chunks !== null) {
      const slot = this.queue.shift()!
      this.reserved -= slot.cost
      this.write(slot.chunks!)
    }
    if (this.inFlight === 0) {
      for (const resolve of this.idleResolvers.splice(0)) resolve()
    }
    this.maybeEnd()
  }

  private write(chunks: Buffer[]): void {
    if (this.closed || this.aborted || this.socket.writableEnded || chunks.length === 0) return
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!)
      return
    }
    this.socket.cork()
    for (const c of chunks) this.socket.write(c)
    this.socket.uncork()
  }

  private maybeEnd(): void {
    const done = this.stopping || (this.peerEnded && this.starved && this.held === null)
    if (done && this.inFlight === 0 && !this.closed && !this.socket.writableEnded) this.socket.end()
  }

  // The frame deadline, as in control/connection.ts: armed when a frame is found incomplete while the
  // connection reads, kept while that same frame stays incomplete, dropped once it is complete; a frame
  // waiting for budget has not begun.
  private watchFrame(starved: boolean): void {
    if (this.frameTimer && this.timedFrame !== this.reader.framesRead) this.clearFrameTimer()
    const waitingForMemory = this.ticket !== null && !this.ticket.granted
    if (starved && this.reader.partial && !waitingForMemory && !this.frameTimer) this.armFrameTimer()
  }

  private armFrameTimer(): void {
    const ms = this.limits.partialFrameTimeoutMs
    this.timedFrame = this.reader.framesRead
    this.frameTimer = setTimeout(() => {
      this.log(`closing the Kafka connection from ${this.peer}: a frame was not complete ${ms} ms after the daemon began reading it (${this.reader.progress})`)
      this.destroy()
    }, ms)
    this.frameTimer.unref()
  }

  private clearFrameTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer)
    this.frameTimer = null
  }

  private claimFrameMemory(bytes: number): boolean {
    this.ticket ??= this.budget.request(bytes, () => {
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
    this.held = null
    this.clearFrameTimer()
    this.releaseFrameMemory()
    for (const fn of [...this.closeHooks]) fn()
    this.closeHooks.clear()
    for (const resolve of this.idleResolvers.splice(0)) resolve()
  }
}
