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
// Flow control, the frame deadline and the frame-memory claim are the transport's, as for a control
// connection (transport/bounded-connection.ts): while maxInFlight requests are unanswered, while output is
// backed up, or while the bytes its unanswered requests hold and may produce (the request frames, a
// fetch's response bound) exceed outputBudgetBytes, nothing more is read. A client that stops reading
// holds at most about outputBudgetBytes of the daemon's memory, plus one frame.
// Bad input closes the connection, as Kafka does: a size prefix that is negative or above maxFrameBytes
// (the stream cannot be resynchronised), a request that does not decode (truncated, lying counts, more
// than DEFAULT_MAX_REQUEST_ITEMS array elements), an unknown API key or an unsupported version — except
// ApiVersions, which gets UNSUPPORTED_VERSION in the v0 format and keeps the connection. Each is one log
// line naming the peer. A failed acks=0 produce closes it too (abort), the only way its producer can learn.
//
// SASL (sasl.ts): on a listener with users, each request is checked against the connection's SaslSession
// as it starts — SASL steps run alone, so what follows one is checked against its outcome — and one the
// session does not expect closes the connection. After a SaslHandshake v0 the next frames are bare SASL
// tokens, answered with bare size-prefixed tokens, until the session is done. Until then no frame may be
// larger than SASL_MAX_RECEIVE_BYTES.
import type {Socket} from 'node:net'
import {decodeRequest, expectsResponse, KafkaFrameReader, type KafkaRequest} from '../../protocol/kafka/index.js'
import {BoundedConnection, type TransportLimits} from '../transport/bounded-connection.js'
import type {PendingFrameBudget} from '../transport/pending-frame-budget.js'
import type {KafkaDispatch, Ordering} from './dispatch.js'
import {CloseAfterReply, type KafkaRequestContext} from './handler.js'
import {SaslFailure} from './sasl-mechanisms.js'
import type {SaslSession} from './sasl-session.js'

// maxFrameBytes is Kafka's socket.request.max.bytes.
export type KafkaConnectionLimits = TransportLimits

// 100 MiB is Kafka's own frame limit; a client's requests are ~1 MiB (its max.request.size / message.max
// .bytes), so 30 s to receive one is generous even for a remote client on a slow link.
export const DEFAULT_KAFKA_CONNECTION_LIMITS: KafkaConnectionLimits = {
  maxFrameBytes: 100 * 1024 * 1024,
  maxInFlight: 64,
  outputBudgetBytes: 16 * 1024 * 1024,
  partialFrameTimeoutMs: 30_000,
}

// Kafka's sasl.server.max.receive.size default: the largest frame a client may send before it has
// authenticated (ApiVersions and SASL tokens are small), so a stranger cannot make the daemon hold 100 MiB.
export const SASL_MAX_RECEIVE_BYTES = 512 * 1024

// A started request that gets a response; chunks is set once it is encoded.
interface Slot {
  chunks: Buffer[] | null
  cost: number
  closeAfter?: string // the connection's last answer: close once written (the log line's reason)
}

export class KafkaConnection extends BoundedConnection implements KafkaRequestContext {
  readonly peer: string
  private readonly queue: Slot[] = [] // responses not yet written, in request order
  private silent = 0 // running acks=0 produces (no slot)
  private running = 0 // handlers not yet settled
  private runningOrder: Ordering | null = null
  private held: {request: KafkaRequest; size: number} | null = null // decoded, waiting for the running ones

  constructor(
    socket: Socket,
    private readonly dispatch: KafkaDispatch,
    limits: KafkaConnectionLimits,
    log: (line: string) => void,
    budget: PendingFrameBudget,
    readonly sasl: SaslSession | null = null,
  ) {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`
    const beforeAuthentication = () => (sasl && !sasl.authenticated ? {bytes: SASL_MAX_RECEIVE_BYTES, setting: 'sasl.server.max.receive.size, before SASL authentication'} : null)
    super(socket, {name: `the Kafka connection from ${peer}`, limits, budget, log, reader: (max, memory) => new KafkaFrameReader(max, memory, beforeAuthentication)})
    this.peer = peer
    socket.setNoDelay(true) // responses are written whole; Nagle would only add latency to small ones
  }

  protected get inFlight(): number {
    return this.queue.length + this.silent + (this.held ? 1 : 0)
  }

  protected override takesMore(): boolean {
    return this.held === null
  }

  protected override startHeld(): void {
    if (this.held && this.canStart(this.dispatch.ordering(this.held.request)) && !this.aborted && !this.closed) {
      const {request, size} = this.held
      this.held = null
      this.start(request, size)
    }
  }

  protected override dropHeld(): void {
    this.held = null
  }

  private canStart(order: Ordering): boolean {
    return this.running === 0 || (order === this.runningOrder && order !== 'barrier')
  }

  // One complete frame: decoded, then started (or held until the running requests allow it).
  protected take(payload: Buffer): void {
    if (this.sasl?.expectsRawToken) return this.startRawToken(payload)
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
    const refusal = this.sasl?.refusal(request.api)
    if (refusal) return this.abort(refusal)
    // the request's bytes stay referenced until it is answered (a produce's batches are views into them)
    const cost = size + this.dispatch.reserveBytes(request)
    const slot: Slot | null = expectsResponse(request) ? {chunks: null, cost} : null
    this.run(this.dispatch.handle(request, this), slot, cost, this.dispatch.ordering(request), `${request.api} v${request.header.apiVersion}`)
  }

  // A bare SASL token (after a v0 handshake): the answer is a bare token too; a failure can only close.
  private startRawToken(payload: Buffer): void {
    const sasl = this.sasl!
    const answer = sasl.step(Buffer.from(payload)).then(
      (reply) => {
        const size = Buffer.alloc(4)
        size.writeInt32BE(reply.length)
        return [size, reply]
      },
      (err: Error) => {
        throw err instanceof SaslFailure ? new Error(`SASL authentication failed: ${err.detail}`) : err
      },
    )
    this.run(answer, {chunks: null, cost: payload.length}, payload.length, 'barrier', 'a bare SASL token')
  }

  private run(work: Promise<Buffer[]>, slot: Slot | null, cost: number, order: Ordering, what: string): void {
    if (slot) this.queue.push(slot)
    else this.silent++
    this.reserved += cost
    this.running++
    this.runningOrder = order
    work.then(
      (chunks) => {
        if (slot) slot.chunks = chunks
      },
      (err: Error) => {
        if (slot && err instanceof CloseAfterReply) {
          slot.chunks = err.chunks
          slot.closeAfter = err.message
          return
        }
        if (slot) slot.chunks = []
        this.abort(`${what} failed: ${err.message}`)
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
      if (slot.closeAfter !== undefined) this.abort(slot.closeAfter)
    }
    this.settled()
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
}
