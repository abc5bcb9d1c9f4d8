// The Kafka protocol's primitive types, read from and written to byte buffers (all big-endian):
//
//   BOOLEAN 1 byte (0 false, anything else true, as Kafka's Java reads it)   INT8/16/32 two's complement
//   INT64   8 bytes, held in a JS number: |n| ≤ 2^53 or the read fails (offsets, ids and timestamps fit;
//           the same rule as src/format/batch-header.ts, whose readInt64 this reuses)
//   UNSIGNED_VARINT  7 bits a byte, low group first (src/format/varint.ts) — lengths in flexible versions
//
// Strings, bytes and arrays are composed from these in schema.ts.
//
// Invariants: a Reader never reads past `end`: every read states how many bytes it needs and fails with a
// KafkaCodecError naming the shortfall before touching the buffer, so a truncated frame is a clear error
// and a hostile length can never make us allocate more than the bytes actually received. A Reader also
// counts the array elements it hands out against `maxItems`: a legal 100 MiB frame of 8-byte partition
// entries would otherwise become 13 million JS objects (a GiB of heap) before any handler saw it. Byte fields are
// returned as views into the frame (no copy). A Writer collects output as a list of chunks: payloads of
// ZERO_COPY_MIN_BYTES or more (record batches in Fetch responses) are passed through by reference rather
// than copied, so the socket can writev() stored batch bytes as they are.
// Pure: no I/O. Used by schema.ts, header.ts and frame.ts.

import {SamsaError, type ErrorCode} from '../../errors.js'
import {readInt64, writeInt64} from '../../format/batch-header.js'
import {readUnsignedVarint, writeUnsignedVarint} from '../../format/varint.js'

/**
 * A decode or encode failure, with the path of the field where it happened ("topicData[0].partitionData[1]
 * .records"). Decoding failures are INVALID_REQUEST (the listener logs and closes the connection: Kafka's
 * answer to a malformed request); encoding failures are INVALID_INPUT (a value the wire cannot carry).
 */
export class KafkaCodecError extends SamsaError {
  path = ''

  constructor(
    code: ErrorCode,
    readonly reason: string,
  ) {
    super(code, reason)
    this.name = 'KafkaCodecError'
  }

  /** Prefixes a field name or an [index] to the path; called while the error travels up the schema. */
  within(segment: string): this {
    this.path = this.path === '' ? segment : this.path.startsWith('[') ? segment + this.path : `${segment}.${this.path}`
    this.message = `${this.path}: ${this.reason}`
    return this
  }

  /** Puts a context such as "Produce v3 request" in front of the message. */
  describe(context: string): this {
    this.message = `${context}: ${this.path === '' ? this.reason : this.message}`
    return this
  }
}

export function decodeError(reason: string): KafkaCodecError {
  return new KafkaCodecError('INVALID_REQUEST', reason)
}

/** Turns any error thrown while encoding (e.g. Node's RangeError for an int16 of 70000) into a KafkaCodecError. */
export function asEncodeError(err: unknown): KafkaCodecError {
  if (err instanceof KafkaCodecError) return err
  return new KafkaCodecError('INVALID_INPUT', err instanceof Error ? err.message : String(err))
}

/** A bounded read position over buf[pos, end). It is a Cursor, so src/format/varint.ts can advance it. */
export class Reader {
  pos: number
  private itemsLeft: number

  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly end = buf.length,
    readonly maxItems = Infinity,
  ) {
    this.pos = pos
    this.itemsLeft = maxItems
  }

  /** Counts `count` array elements about to be decoded against maxItems (see the header). */
  takeItems(count: number): void {
    this.itemsLeft -= count
    if (this.itemsLeft < 0) throw decodeError(`the message holds more than ${this.maxItems} array elements in all`)
  }

  get remaining(): number {
    return this.end - this.pos
  }

  /** Throws unless n more bytes are present; `what` names the value being read. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw decodeError(`${what} needs ${n} bytes but only ${this.end - this.pos} remain (truncated at byte ${this.end})`)
    }
  }

  int8(): number {
    this.need(1, 'int8')
    return this.buf.readInt8(this.pos++)
  }

  boolean(): boolean {
    this.need(1, 'boolean')
    return this.buf[this.pos++] !== 0
  }

  int16(): number {
    this.need(2, 'int16')
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }

  int32(): number {
    this.need(4, 'int32')
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }

  int64(): number {
    this.need(8, 'int64')
    let v: number
    try {
      v = readInt64(this.buf, this.pos)
    } catch (err) {
      throw decodeError((err as Error).message)
    }
    this.pos += 8
    return v
  }

  uvarint(): number {
    try {
      return readUnsignedVarint(this.buf, this, this.end)
    } catch (err) {
      throw decodeError((err as Error).message)
    }
  }

  /** The next n bytes as a view into the frame (no copy). */
  bytes(n: number, what: string): Buffer {
    this.need(n, what)
    const view = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return view
  }

  utf8(n: number, what: string): string {
    this.need(n, what)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }
}

/** Payloads at least this large are referenced, not copied (see the header). */
export const ZERO_COPY_MIN_BYTES = 4096

/** An output buffer that grows by adding chunks; finish() hands back the chunks in order. */
export class Writer {
  private buf: Buffer
  private pos = 0
  private start = 0 // buf[start, pos) is written but not yet handed out as a chunk
  private readonly chunks: Buffer[] = []
  private flushedBytes = 0

  constructor(initialSize = 512) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.pos - this.start
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos))
      this.flushedBytes += this.pos - this.start
    }
    this.start = this.pos
  }

  private ensure(n: number): void {
    if (this.buf.length - this.pos >= n) return
    // hand out what is written and continue in a fresh buffer: nothing written is ever copied twice
    this.flush()
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2))
    this.pos = 0
    this.start = 0
  }

  int8(v: number): void {
    this.ensure(1)
    this.pos = this.buf.writeInt8(v, this.pos)
  }

  boolean(v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  int16(v: number): void {
    this.ensure(2)
    this.pos = this.buf.writeInt16BE(v, this.pos)
  }

  int32(v: number): void {
    this.ensure(4)
    this.pos = this.buf.writeInt32BE(v, this.pos)
  }

  int64(v: number): void {
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 53) throw new KafkaCodecError('INVALID_INPUT', `int64 ${v} is not an integer within ±2^53`)
    this.ensure(8)
    writeInt64(this.buf, this.pos, v)
    this.pos += 8
  }

  uvarint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new KafkaCodecError('INVALID_INPUT', `unsigned varint ${v} is out of range`)
    this.ensure(5)
    this.pos = writeUnsignedVarint(this.buf, this.pos, v)
  }

  bytes(b: Uint8Array): void {
    if (b.length >= ZERO_COPY_MIN_BYTES) {
      this.flush()
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length))
      this.flushedBytes += b.length
      return
    }
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** Writes s as UTF-8; the caller has computed byteLength (it wrote the length prefix from it). */
  utf8(s: string, byteLength: number): void {
    this.ensure(byteLength)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  /** Overwrites an int32 written earlier at absolute offset `at` (a frame's size prefix). */
  patchInt32(at: number, v: number): void {
    const first = this.chunks[0] ?? this.buf.subarray(0, this.pos)
    if (at + 4 > first.length) throw new KafkaCodecError('INVALID_INPUT', 'patchInt32 outside the first chunk')
    first.writeInt32BE(v, at)
  }

  /** The output, in order. The Writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flush()
    return this.chunks
  }
}
