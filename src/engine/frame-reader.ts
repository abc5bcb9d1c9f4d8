// A pull-based splitter of the control socket's byte stream into frame payloads (frame.ts layout: u32
// length prefix, then the payload). Main thread, one per connection.
//
// Why not FrameDecoder.push(): that hands back every frame of a chunk at once, and a payload that fails to
// decode loses the rest of the chunk. Pulling one payload at a time lets the connection stop at its
// in-flight limit with the remainder still buffered (then pause the socket), and answer a bad payload with
// an error while keeping the stream in step. Bounds: the length is checked against maxFrameBytes before
// anything is allocated; what is buffered is at most the chunks received before the socket was paused,
// plus one frame being assembled (allocated at its exact, checked size). A frame larger than
// UNCOUNTED_FRAME_BYTES that must be assembled is first claimed from the FrameMemory (the daemon-wide
// budget, pending-frame-budget.ts); until the claim succeeds its prefix stays unread and next() says null.
// framesRead counts the payloads handed out, so the connection can tell one frame's clock from the next.
import {SamsaError} from '../errors.js'
import {FRAME_HEADER_BYTES, FRAME_PREFIX_BYTES} from '../protocol/control/frame.js'

// Frames up to this size are assembled without a claim: at most MAX_CONNECTIONS × 64 KiB = 64 MiB, and
// small requests (Hello, fetch, commit, small produces) never wait behind big half-received ones.
export const UNCOUNTED_FRAME_BYTES = 64 * 1024

// Where a frame's assembly buffer is reserved. claim() false: not now; the owner calls next() again later.
export interface FrameMemory {
  claim(bytes: number): boolean
  release(bytes: number): void
}

export class FrameReader {
  private readonly chunks: Buffer[] = []
  private head = 0 // read position in chunks[0]
  private buffered = 0 // unread bytes across chunks
  private pending: Buffer | null = null // a frame being assembled across chunks
  private pendingFilled = 0
  framesRead = 0 // payloads handed out by next()

  constructor(
    private readonly maxFrameBytes: number,
    private readonly memory: FrameMemory | null = null,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  // True while bytes of an incomplete frame are held (the frame deadline watches this).
  get partial(): boolean {
    return this.pending !== null || this.buffered > 0
  }

  // For log lines: how far the frame being assembled has come.
  get progress(): string {
    if (this.pending) return `${this.pendingFilled} of ${this.pending.length} bytes`
    return `${this.buffered} bytes, its length not yet read`
  }

  // Forgets the incomplete frame and whatever is buffered (its sender half-closed: it cannot complete).
  // The caller gives back the frame's memory claim.
  dropPartial(): void {
    this.chunks.length = 0
    this.head = 0
    this.buffered = 0
    this.pending = null
    this.pendingFilled = 0
  }

  // The next complete payload (without its prefix), or null until more bytes arrive. Throws
  // INVALID_REQUEST for a length prefix out of bounds: the stream cannot be resynchronised after that.
  next(): Buffer | null {
    if (this.pending) return this.fill()
    if (this.buffered < FRAME_PREFIX_BYTES) return null
    const length = this.readPrefix()
    if (length > this.maxFrameBytes) {
      throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit`)
    }
    if (length < FRAME_HEADER_BYTES) {
      throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`)
    }
    const first = this.chunks[0]!
    // Common case: the whole frame is inside the current chunk: hand out a view, copy nothing.
    if (first.length - this.head >= FRAME_PREFIX_BYTES + length) {
      this.skip(FRAME_PREFIX_BYTES)
      const view = first.subarray(this.head, this.head + length)
      this.skip(length)
      this.framesRead++
      return view
    }
    if (length > UNCOUNTED_FRAME_BYTES && this.memory && !this.memory.claim(length)) return null
    this.skip(FRAME_PREFIX_BYTES)
    this.pending = Buffer.allocUnsafe(length)
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

  private readPrefix(): number {
    const first = this.chunks[0]!
    if (first.length - this.head >= FRAME_PREFIX_BYTES) return first.readUInt32BE(this.head)
    // the prefix straddles chunks: gather its 4 bytes without consuming them
    let value = 0
    let got = 0
    for (let i = 0; got < FRAME_PREFIX_BYTES; i++) {
      const chunk = this.chunks[i]!
      for (let j = i === 0 ? this.head : 0; j < chunk.length && got < FRAME_PREFIX_BYTES; j++, got++) {
        value = value * 256 + chunk[j]!
      }
    }
    return value
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
    if (this.chunks.length > 0 && this.head === this.chunks[0]!.length) {
      this.chunks.shift()
      this.head = 0
    }
  }
}
