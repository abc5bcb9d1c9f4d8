// A growable byte buffer that collects one fetched batch's output, so `samsa consume` makes one write()
// per batch instead of one per record (a write per record costs a syscall or a stream queue entry each).
// take() hands the filled bytes out and starts a fresh buffer: the stream owns what it was given until it
// has flushed it, and its memory is used again only once the caller says so (reuse(), from the write's
// callback).
//
// The output and `stage`, the place the consumer decompresses each batch into (forEachRecord's scratch),
// are two regions of one ArrayBuffer: [output | stage]. A value copied out of the stage is then one
// copyWithin inside that ArrayBuffer — a memmove with no object made — where a copy between two buffers
// needs a view of the source per value (subarray + set: ~57 ns and a ~60-byte object for the next
// minor GC, against ~22 ns for copyWithin, per ~100-byte value on Node 20). Whatever else range() is
// given (an uncompressed batch is read where it was fetched) takes the subarray + set path.

import type {Lz4Output} from '../../format/lz4-frame.js'

const STAGE_BYTES = 64 * 1024 // one default-sized batch decompressed; grows to the largest seen
const STAGE_KEEP = 4 * 1024 * 1024 // a huge batch's size is not kept for the next regions
const OUTPUT_KEEP = 16 * 1024 * 1024

export class OutputBuffer {
  private buf: Buffer
  private whole: Uint8Array // the ArrayBuffer buf starts at offset 0 of (copyWithin's target)
  private stageBuf: Buffer | null = null // the stage as laid out beside buf, and where in whole it starts
  private stageAt = 0
  private spare: ArrayBuffer | null = null // an earlier output's memory, given back by reuse() once flushed
  private pos = 0
  private readonly initial: number
  private readonly staged: boolean
  private viewOf: Buffer | null = null // range()'s last source and a plain view of it (dropped by take())
  private view: Uint8Array = new Uint8Array(0)
  /**
   * With {stage: true}: decompress batches here (Consumer's decompressInto), and values copied out of it
   * cost no allocation. Without, it stays empty.
   */
  readonly stage: Lz4Output = {buf: Buffer.alloc(0), length: 0}

  constructor(initialBytes = 64 * 1024, options: {stage?: boolean} = {}) {
    this.initial = initialBytes
    this.staged = options.stage ?? false
    this.buf = this.whole = Buffer.alloc(0)
    this.regions(initialBytes)
  }

  get length(): number {
    return this.pos
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const size = Math.max(this.pos + n, this.buf.length * 2)
    if (!this.staged) {
      const grown = Buffer.allocUnsafe(size)
      this.buf.copy(grown, 0, 0, this.pos)
      this.buf = grown
      return
    }
    // new regions, the output copied over: the batch being walked goes on from the old stage (the
    // subarray + set path), the next one is decompressed beside the output again
    const out = this.buf
    this.regions(size)
    out.copy(this.buf, 0, 0, this.pos)
  }

  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** src[start, end), without a Buffer view per call. */
  range(src: Buffer, start: number, end: number): void {
    const n = end - start
    if (this.pos + n > this.buf.length) this.ensure(n)
    // the stage, still beside buf: a move within their ArrayBuffer (compared by identity: reading
    // src.buffer costs more than the copy)
    if (src === this.stageBuf) {
      const from = this.stageAt + start
      this.whole.copyWithin(this.pos, from, from + n)
      this.pos += n
      return
    }
    // One plain Uint8Array over src, made once per source (every value of a fetched batch shares it), and
    // its subarray + set(): for ~100-byte values on Node 20 this measured ~45 ns against ~65 ns for a new
    // Uint8Array(src.buffer, …) view per value and ~75 ns for Buffer#copy or a Buffer subarray.
    if (src !== this.viewOf) {
      this.viewOf = src
      this.view = new Uint8Array(src.buffer, src.byteOffset, src.length)
    }
    this.buf.set(this.view.subarray(start, end), this.pos)
    this.pos += n
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1)
    this.buf[this.pos++] = b
  }

  /** Text known to be ASCII (numbers, ISO times): latin1 is a straight byte copy, cheaper than UTF-8. */
  ascii(s: string): void {
    this.ensure(s.length)
    this.pos += this.buf.write(s, this.pos, 'latin1')
  }

  utf8(s: string): void {
    this.ensure(s.length * 3)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  /**
   * The bytes written since the last take(), or null if none; the next write starts a new buffer (and
   * the stage moves beside it). Call only between batches: the stage's contents are not carried over.
   */
  take(): Buffer | null {
    if (this.pos === 0) return null
    const out = this.buf.subarray(0, this.pos)
    // as large as the last output (a poll of 4 partitions is ~8 MB of values): no growing next time
    this.regions(Math.max(this.initial, Math.min(this.buf.length, OUTPUT_KEEP)))
    this.pos = 0
    this.viewOf = null // do not pin a fetched response between batches
    this.view = new Uint8Array(0)
    return out
  }

  /**
   * The stream has flushed `chunk`, a take() of this buffer: its memory may hold a later output. Memory
   * used again is already mapped and cached, where a fresh multi-megabyte buffer per poll costs a page
   * fault per 4 KiB on first touch (~25 k per million consumed values).
   */
  reuse(chunk: Buffer): void {
    const memory = chunk.buffer
    if (this.staged && chunk.byteOffset === 0 && memory !== this.whole.buffer && memory.byteLength > (this.spare?.byteLength ?? 0)) {
      this.spare = memory as ArrayBuffer
    }
  }

  // One ArrayBuffer: the output's outBytes, then the stage (as large as the largest batch it has held)
  private regions(outBytes: number): void {
    const held = this.stage.buf.length
    const stageBytes = !this.staged ? 0 : held > STAGE_KEEP ? STAGE_BYTES : Math.max(STAGE_BYTES, held)
    let both: Buffer
    if (this.spare !== null && this.spare.byteLength >= outBytes + stageBytes) {
      both = Buffer.from(this.spare)
      outBytes = both.length - stageBytes
      this.spare = null
    } else {
      both = this.staged ? Buffer.allocUnsafeSlow(outBytes + stageBytes) : Buffer.allocUnsafe(outBytes)
    }
    this.buf = both.subarray(0, outBytes)
    this.whole = new Uint8Array(both.buffer, both.byteOffset, both.length)
    this.stage.buf = both.subarray(outBytes)
    this.stage.length = 0
    this.stageBuf = this.staged ? this.stage.buf : null
    this.stageAt = outBytes
  }
}
