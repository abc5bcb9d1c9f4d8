// Splitting a byte stream into length-prefixed frames, for both wire protocols: the control protocol's
// (FrameReader, protocol/control/frame.ts) and Kafka's (KafkaFrameReader, protocol/kafka/frame.ts). Both put
// a 4-byte big-endian length before each frame, not counting itself. They differ only in how the prefix
// is read and bounded (control: u32, at least its header; Kafka: int32, negative is an error, 0 allowed)
// and in the error a bad one throws: what a LengthPrefix supplies.
//
// Bounds: the length is checked BEFORE anything is allocated; after a bad one the stream cannot be
// resynchronised, so the owner closes the connection. What is buffered is the chunks pushed and not yet
// taken, plus at most one frame being assembled at its exact, checked size — and, above
// UNCOUNTED_FRAME_BYTES, only once a FrameMemory (the daemon's pending-frame budget) granted that size, so
// many connections each stalled inside a big frame cannot together pin more than the daemon allows.
// Invariant: chunks[0], when there is one, has unread bytes (head < its length).
// Pure: no sockets; one splitter per connection, on the thread that owns the socket.

export const FRAME_PREFIX_BYTES = 4

// Frames up to this size are assembled without a claim on FrameMemory: at most 1024 connections × 64 KiB
// = 64 MiB per listener, and small requests (Hello, fetch, commit, small produces) never wait behind big
// half-received ones.
export const UNCOUNTED_FRAME_BYTES = 64 * 1024

// Where the buffer of a frame that spans chunks is reserved. claim() false: not now, the owner calls next()
// again later (the prefix stays unread meanwhile); release() follows every granted claim once that frame
// is complete.
export interface FrameMemory {
  claim(bytes: number): boolean
  release(bytes: number): void
}

// A protocol's reading of the prefix.
export interface LengthPrefix {
  readonly name: string // what the protocol calls it, for progress lines: "length", "size"
  // The frame length that the prefix's 4 bytes, read as a big-endian u32, declare; throws the protocol's
  // error when it is out of bounds.
  lengthOf(u32: number, maxFrameBytes: number): number
}

// Pull-based: next() hands out one payload (a frame without its prefix) at a time, so the daemon's
// connection can stop at its in-flight limit with the remainder still buffered (then pause the socket), and
// answer a bad payload while the stream stays in step. A payload inside one chunk is a view into it (no
// copy); one that spans chunks is assembled in a buffer of exactly its size. framesRead counts the payloads
// handed out, so the daemon can tell one frame's deadline from the next.
export class FrameSplitter {
  private readonly chunks: Buffer[] = []
  private head = 0 // read position in chunks[0]
  private buffered = 0 // unread bytes across chunks
  private pending: Buffer | null = null // a frame being assembled across chunks
  private pendingFilled = 0
  framesRead = 0 // payloads handed out by next()

  constructor(
    private readonly prefix: LengthPrefix,
    private readonly maxFrameBytes: number,
    private readonly memory: FrameMemory | null,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  // True while bytes of an incomplete frame are held (the daemon's frame deadline watches this).
  get partial(): boolean {
    return this.pending !== null || this.buffered > 0
  }

  // For log lines: how far the frame being assembled has come.
  get progress(): string {
    if (this.pending) return `${this.pendingFilled} of ${this.pending.length} bytes`
    return `${this.buffered} bytes, its ${this.prefix.name} not yet read`
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

  // The next complete payload, or null until more bytes arrive (or while its memory is refused). Throws
  // the LengthPrefix's error for a prefix out of bounds.
  next(): Buffer | null {
    if (this.pending) return this.fill()
    if (this.buffered < FRAME_PREFIX_BYTES) return null
    const length = this.prefix.lengthOf(this.peekPrefix(), this.maxFrameBytes)
    const first = this.chunks[0]!
    // Common case: the whole frame is inside the current chunk: hand out a view, copy nothing.
    if (first.length - this.head >= FRAME_PREFIX_BYTES + length) {
      const start = this.head + FRAME_PREFIX_BYTES
      this.skip(FRAME_PREFIX_BYTES + length)
      this.framesRead++
      return first.subarray(start, start + length)
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

  // The prefix as a big-endian u32, not consumed; it may straddle chunks.
  private peekPrefix(): number {
    const first = this.chunks[0]!
    if (first.length - this.head >= FRAME_PREFIX_BYTES) return first.readUInt32BE(this.head)
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
  }
}
