// Kafka's framing: every request and response is `int32 size` (big-endian, not counting itself) followed
// by `size` bytes. TCP is a stream, so a chunk may hold several frames or part of one (both kcat and
// kafkajs pipeline requests).
//
// Bounds: the size is checked BEFORE anything is allocated: a negative size or one above `maxFrameBytes`
// (Kafka's socket.request.max.bytes, 100 MiB by default) is a FrameSizeError, after which the stream
// cannot be resynchronised and the listener closes the connection. What is buffered is the chunks pushed
// and not yet taken, plus at most one frame being assembled at its exact, checked size — and, above
// UNCOUNTED_FRAME_BYTES, only once a FrameMemory (the daemon's pending-frame budget) granted that size, so
// many connections each stalled inside a 100 MiB frame cannot together pin more than the daemon allows.
// Pure: no sockets; one KafkaFrameReader per connection, on the thread that owns the socket.

import {SamsaError} from '../../errors.js'
import type {Writer} from './primitives.js'

export const FRAME_SIZE_BYTES = 4
/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024
/** Frames up to this size are assembled without a claim on FrameMemory (requests are small but Produce). */
export const UNCOUNTED_FRAME_BYTES = 64 * 1024

/**
 * Where the buffer of a frame that spans chunks is reserved. claim() false: not now, the owner calls
 * next() again later (the size prefix stays unread meanwhile); release() follows every granted claim
 * once that frame is complete.
 */
export interface FrameMemory {
  claim(bytes: number): boolean
  release(bytes: number): void
}

/** The size prefix is out of bounds: close the connection (Kafka does). */
export class FrameSizeError extends SamsaError {
  constructor(
    readonly size: number,
    readonly maxFrameBytes: number,
  ) {
    super(
      'INVALID_REQUEST',
      size < 0 ? `frame size ${size} is negative` : `frame of ${size} bytes exceeds the ${maxFrameBytes}-byte limit (socket.request.max.bytes)`,
    )
    this.name = 'FrameSizeError'
  }
}

/** Throws FrameSizeError unless 0 ≤ size ≤ maxFrameBytes. */
export function checkFrameSize(size: number, maxFrameBytes: number): void {
  if (size < 0 || size > maxFrameBytes) throw new FrameSizeError(size, maxFrameBytes)
}

/**
 * Splits a connection's byte stream into frame payloads (without the size prefix), pulled one at a time so
 * the listener can stop at its in-flight limit with the rest still buffered, and answer in order.
 */
export class KafkaFrameReader {
  private readonly chunks: Buffer[] = []
  private head = 0 // read position in chunks[0]
  private buffered = 0 // unread bytes across chunks
  private pending: Buffer | null = null // a frame being assembled across chunks
  private pendingFilled = 0
  /** Payloads handed out by next(), so a listener can tell one frame's deadline from the next. */
  framesRead = 0

  constructor(
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    private readonly memory: FrameMemory | null = null,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** True while bytes of an incomplete frame are held (for a partial-frame timeout). */
  get partial(): boolean {
    return this.pending !== null || this.buffered > 0
  }

  /** For log lines: how far the frame being assembled has come. */
  get progress(): string {
    if (this.pending) return `${this.pendingFilled} of ${this.pending.length} bytes`
    return `${this.buffered} bytes, its size not yet read`
  }

  /**
   * Forgets the incomplete frame and whatever is buffered (its sender half-closed: it cannot complete).
   * The caller gives back the frame's memory claim.
   */
  dropPartial(): void {
    this.chunks.length = 0
    this.head = 0
    this.buffered = 0
    this.pending = null
    this.pendingFilled = 0
  }

  /** The next complete payload, or null until more bytes arrive. Throws FrameSizeError on a bad prefix. */
  next(): Buffer | null {
    if (this.pending) return this.fill()
    if (this.buffered < FRAME_SIZE_BYTES) return null
    const size = this.peekSize()
    checkFrameSize(size, this.maxFrameBytes)
    const first = this.chunks[0]!
    // common case: the whole frame is inside the current chunk: hand out a view, copy nothing
    if (first.length - this.head >= FRAME_SIZE_BYTES + size) {
      this.skip(FRAME_SIZE_BYTES)
      const view = size === 0 ? Buffer.alloc(0) : this.chunks[0]!.subarray(this.head, this.head + size)
      this.skip(size)
      this.framesRead++
      return view
    }
    if (size > UNCOUNTED_FRAME_BYTES && this.memory && !this.memory.claim(size)) return null
    this.skip(FRAME_SIZE_BYTES)
    this.pending = Buffer.allocUnsafe(size)
    this.pendingFilled = 0
    return this.fill()
  }

  private fill(): Buffer | null {
    const pending = this.pending!
    while (this.pendingFilled < pending.length && this.chunks.length > 0) {
      const chunk = this.chunks[0]!
      const take = Math.min(pending.length - this.pendingFilled, chunk.length - this.head)
      chunk.copy(pending, this.pendingFilled, this.head, this.head + take)
      this.pendingFilled += take
      this.skip(take)
    }
    if (this.pendingFilled < pending.length) return null
    this.pending = null
    this.framesRead++
    if (pending.length > UNCOUNTED_FRAME_BYTES) this.memory?.release(pending.length)
    return pending
  }

  // reads the int32 size without consuming it; it may straddle chunks
  private peekSize(): number {
    const first = this.chunks[0]!
    if (first.length - this.head >= FRAME_SIZE_BYTES) return first.readInt32BE(this.head)
    const four = Buffer.allocUnsafe(FRAME_SIZE_BYTES)
    let got = 0
    for (let i = 0; got < FRAME_SIZE_BYTES; i++) {
      const chunk = this.chunks[i]!
      for (let j = i === 0 ? this.head : 0; j < chunk.length && got < FRAME_SIZE_BYTES; j++) four[got++] = chunk[j]!
    }
    return four.readInt32BE(0)
  }

  private skip(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const chunk = this.chunks[0]!
      const left = chunk.length - this.head
      if (n < left) {
        this.head += n
        return
      }
      n -= left
      this.chunks.shift()
      this.head = 0
    }
  }
}

/** Starts a frame in `w`: a size placeholder that endFrame() fills in. */
export function beginFrame(w: Writer): void {
  w.int32(0)
}

/** Fills in the size of a frame begun at the start of `w` and returns its chunks. */
export function endFrame(w: Writer): Buffer[] {
  w.patchInt32(0, w.length - FRAME_SIZE_BYTES)
  return w.finish()
}
