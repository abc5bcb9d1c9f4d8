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
// Limits, the frame deadline and the frame-memory claim are the transport's (transport/bounded-connection.ts,
// shared with the Kafka front end): a client that stops reading holds at most about outputBudgetBytes of
// the daemon's memory, and a frame must be complete within partialFrameTimeoutMs of the moment the daemon
// began reading it. What is the control protocol's is here: the cost a request holds against the output
// budget (its frame plus the response bytes it may produce), the barriers, and the frame codec.
// Bad input: an oversized or undersized length prefix closes the connection (the stream cannot be
// resynchronised); a frame that cannot be decoded but whose header is readable gets an error response.
// A failed acks=0 produce closes it too (abort), the only way its producer can learn of the failure.
import type {Socket} from 'node:net'
import {SamsaError} from '../../errors.js'
import {FrameReader, decodeFramePayload, encodeFrameHead, readFrameHeader, type Frame} from '../../protocol/control/frame.js'
import {API_VERSION} from '../../protocol/control/messages.js'
import {toWireError} from '../../wire-error.js'
import {BoundedConnection, type TransportLimits} from '../transport/bounded-connection.js'
import type {PendingFrameBudget} from '../transport/pending-frame-budget.js'
import type {ControlDispatch} from './dispatch.js'
import type {Reply, RequestContext} from './request-context.js'

export interface ConnectionLimits extends TransportLimits {
  maxJsonBytes: number
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

export class ControlConnection extends BoundedConnection implements RequestContext {
  protected inFlight = 0
  private barrier = false
  private readonly maxJsonBytes: number

  constructor(
    socket: Socket,
    private readonly dispatcher: ControlDispatch,
    limits: ConnectionLimits,
    log: (line: string) => void,
    budget: PendingFrameBudget,
  ) {
    super(socket, {name: 'a control connection', limits, budget, log, reader: (max, memory) => new FrameReader(max, memory)})
    this.maxJsonBytes = limits.maxJsonBytes
  }

  protected override takesMore(): boolean {
    return !this.barrier
  }

  // Starts one request: decoded here, run by the dispatch, answered when it settles.
  protected take(payload: Buffer): void {
    const header = readFrameHeader(payload)
    if (!header) return this.destroy() // the reader checked the length: cannot happen, and nothing to answer
    let frame: Frame
    try {
      // JSON expands several-fold once parsed: bound it apart from the raw record bytes
      if (header.jsonLength > this.maxJsonBytes) {
        throw new SamsaError('INVALID_REQUEST', `request JSON of ${header.jsonLength} bytes exceeds the ${this.maxJsonBytes}-byte limit`)
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
      this.settled()
      this.pump()
    })
  }

  // One socket write for the head; fetched batch views follow it as they are, never copied.
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
}
