// Kafka's framing: every request and response is `int32 size` (big-endian, not counting itself) followed
// by `size` bytes. TCP is a stream, so a chunk may hold several frames or part of one (both kcat and
// kafkajs pipeline requests).
//
// Bounds: the size is checked BEFORE anything is allocated: a negative size or one above `maxFrameBytes`
// (Kafka's socket.request.max.bytes, 100 MiB by default) is a FrameSizeError, after which the stream
// cannot be resynchronised and the listener closes the connection. What is buffered is the chunks pushed
// and not yet taken, plus at most one frame being assembled at its exact, checked size.
// Pure: no sockets; one KafkaFrameReader per connection, on the thread that owns the socket.

import {SamsaError} from '../../errors.js'
import type {Writer} from './primitives.js'

export const FRAME_SIZE_BYTES = 4
/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024

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

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** True while bytes of an incomplete frame are held (for a partial-frame timeout). */
  get partial(): boolean {
    return this.pending !== null || this.buffered > 0
  }

  /** The next complete payload, or null until more bytes arrive. Throws FrameSizeError on a bad prefix. */
  next(): Buffer | null {
    if (this.pending) return this.fill()
    if (this.buffered < FRAME_SIZE_BYTES) return null
    const size = this.peekSize()
    checkFrameSize(size, this.maxFrameBytes)
    this.skip(FRAME_SIZE_BYTES)
    const first = this.chunks[0]
    // common case: the whole frame is inside the current chunk: hand out a view, copy nothing
    if (size === 0 || (first && first.length - this.head >= size)) {
      const view = first ? first.subarray(this.head, this.head + size) : Buffer.alloc(0)
      this.skip(size)
      return view
    }
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
