// Walks the batches of a segment file front to back through a reusable read window, checking only what
// is needed to find batch boundaries safely (the frame): at least 12 bytes left, batchLength ≥ 49 and
// within the file, magic 2, exact int64 offsets. CRC and record checks are the caller's (validateBatch).
//
// Reading: one window (default 1 MiB) refilled at the current batch; a batch larger than the window is
// read into its own buffer only when the body is asked for, and only after its length was checked
// against the bytes left in the file — a header claiming 2 GiB in a 4 KiB file allocates nothing.
// Invariants: `position` is always a batch boundary already walked; next() never moves past a problem.
// Owner: the thread that owns the file (loader, segment lookups, the offline verifier).

import {
  BASE_SEQUENCE_POS,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD,
  MAGIC_POS,
  MAGIC_V2,
  MAX_TIMESTAMP_POS,
  PRODUCER_EPOCH_POS,
  PRODUCER_ID_POS,
  RECORDS_COUNT_POS,
} from '../format/batch-header.js'
import {validateBatch} from '../format/validate-batch.js'
import type {StorageFile} from './file-io.js'

export interface ScannedBatch {
  /** Byte position of the batch in the file. */
  position: number
  /** Whole batch size (batchLength + 12). */
  size: number
  baseOffset: number
  lastOffset: number
  maxTimestamp: number
  recordsCount: number
  /** The idempotent producer's fields (producer-state.ts); producerId −1 for a plain producer. */
  producerId: number
  producerEpoch: number
  baseSequence: number
}

export interface ScanProblem {
  position: number
  problem: string
}

const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - LOG_OVERHEAD
const TWO_32 = 2 ** 32

export class BatchScanner {
  /** Next batch boundary to read. */
  position: number
  private window: Buffer
  private windowStart = 0
  private windowLength = 0
  private bodyBuf: Buffer | null = null
  private bodyAt = 0
  private readonly batch: ScannedBatch = {
    position: 0, size: 0, baseOffset: 0, lastOffset: 0, maxTimestamp: 0, recordsCount: 0, producerId: -1, producerEpoch: -1, baseSequence: -1,
  }

  constructor(
    private readonly file: StorageFile,
    start: number,
    /** File size (or the end of the region to walk). */
    readonly end: number,
    /** A window size, or a buffer to reuse as the window (e.g. one per thread for lookups). */
    window: number | Buffer = 1024 * 1024,
  ) {
    this.position = start
    this.window =
      typeof window === 'number'
        ? Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE, Math.min(window, Math.max(end - start, BATCH_HEADER_SIZE))))
        : window
  }

  /**
   * The batch at `position` (the same object each call, valid until the next), or a problem with its
   * frame, or null at exactly the end. Does not advance: call advance() to step over the batch.
   */
  peek(): ScannedBatch | ScanProblem | null {
    const pos = this.position
    const left = this.end - pos
    if (left <= 0) return null
    if (left < BATCH_HEADER_SIZE) return {position: pos, problem: `${left} bytes at the end do not hold a ${BATCH_HEADER_SIZE}-byte batch header`}
    const w = this.ensure(pos, BATCH_HEADER_SIZE)
    const batchLength = this.window.readInt32BE(w + BATCH_LENGTH_POS)
    if (batchLength < MIN_BATCH_LENGTH) return {position: pos, problem: `batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`}
    if (batchLength > left - LOG_OVERHEAD) {
      return {position: pos, problem: `batch length ${batchLength} runs past end of file (${left} bytes left)`}
    }
    const magic = this.window.readInt8(w + MAGIC_POS)
    if (magic !== MAGIC_V2) return {position: pos, problem: `magic ${magic} is not ${MAGIC_V2}`}
    const baseOffset = readLong(this.window, w)
    const maxTimestamp = readLong(this.window, w + MAX_TIMESTAMP_POS)
    const lastOffsetDelta = this.window.readInt32BE(w + LAST_OFFSET_DELTA_POS)
    if (baseOffset === null || baseOffset < 0) return {position: pos, problem: 'base offset is negative or beyond 2^53'}
    if (maxTimestamp === null) return {position: pos, problem: 'maxTimestamp is beyond ±2^53'}
    if (lastOffsetDelta < 0) return {position: pos, problem: `lastOffsetDelta ${lastOffsetDelta} is negative`}
    const b = this.batch
    b.position = pos
    b.size = batchLength + LOG_OVERHEAD
    b.baseOffset = baseOffset
    b.lastOffset = baseOffset + lastOffsetDelta
    b.maxTimestamp = maxTimestamp
    b.recordsCount = this.window.readInt32BE(w + RECORDS_COUNT_POS)
    b.producerId = readLong(this.window, w + PRODUCER_ID_POS) ?? -1
    b.producerEpoch = this.window.readInt16BE(w + PRODUCER_EPOCH_POS)
    b.baseSequence = this.window.readInt32BE(w + BASE_SEQUENCE_POS)
    return b
  }

  /** The whole current batch's bytes: {buf, at}, the batch being buf[at, at + size). Call after peek(). */
  body(): {buf: Buffer; at: number} {
    const b = this.batch
    if (b.size <= this.window.length) {
      const at = this.ensure(b.position, b.size)
      return {buf: this.window, at}
    }
    // larger than the window: its own buffer (the size was checked against the file by peek)
    if (this.bodyBuf === null || this.bodyBuf.length < b.size || this.bodyAt !== b.position) {
      this.bodyBuf = Buffer.allocUnsafe(b.size)
      const n = this.file.read(this.bodyBuf, 0, b.size, b.position)
      if (n !== b.size) throw new Error(`${this.file.path}: read ${n} of ${b.size} bytes at ${b.position}`)
      this.bodyAt = b.position
    }
    return {buf: this.bodyBuf, at: 0}
  }

  /** Steps over the batch last returned by peek(). */
  advance(): void {
    this.position = this.batch.position + this.batch.size
    if (this.bodyBuf !== null && this.bodyBuf.length > this.window.length * 4) this.bodyBuf = null
  }

  /** Window index of file position pos with at least `need` bytes (need ≤ window size) loaded. */
  private ensure(pos: number, need: number): number {
    if (pos >= this.windowStart && pos + need <= this.windowStart + this.windowLength) return pos - this.windowStart
    const want = Math.min(this.window.length, this.end - pos)
    const n = this.file.read(this.window, 0, want, pos)
    if (n < Math.min(need, want)) throw new Error(`${this.file.path}: read ${n} of ${want} bytes at ${pos} (file shrank?)`)
    this.windowStart = pos
    this.windowLength = n
    return 0
  }
}

/** A big-endian int64 as a number, or null beyond ±2^53. */
export function readLong(buf: Buffer, pos: number): number | null {
  const high = buf.readInt32BE(pos)
  if (high > 0x1fffff || high < -0x200000) return null
  return high * TWO_32 + buf.readUInt32BE(pos + 4)
}

export function isProblem(x: ScannedBatch | ScanProblem | null): x is ScanProblem {
  return x !== null && 'problem' in x
}

const RESYNC_CHUNK = 1024 * 1024

/**
 * The position of the first intact batch (sane frame, magic 2, CRC-32C valid) starting in [from, end),
 * or -1: how recovery tells a torn tail (nothing valid after) from corruption in the middle, and how the
 * verifier resynchronises after garbage. Candidates are found with indexOf on the magic byte (fast over
 * zero-filled tails); a claimed length is checked against `end` before anything is read for it.
 * `onlyAtStart`: consider position `from` only.
 */
export function findNextValidBatch(file: StorageFile, from: number, end: number, onlyAtStart = false): number {
  const chunk = Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE, Math.min(RESYNC_CHUNK, end - from)))
  let chunkStart = from
  while (chunkStart + BATCH_HEADER_SIZE <= end) {
    const n = file.read(chunk, 0, Math.min(chunk.length, end - chunkStart), chunkStart)
    if (n < BATCH_HEADER_SIZE) return -1
    const lastCandidate = n - BATCH_HEADER_SIZE // a candidate's header must lie inside this chunk
    let i = MAGIC_POS
    for (;;) {
      const at = chunk.indexOf(MAGIC_V2, i)
      if (at < 0 || at - MAGIC_POS > lastCandidate) break
      const p = at - MAGIC_POS
      i = at + 1
      if (onlyAtStart && p > 0) return -1
      const size = chunk.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
      if (size < BATCH_HEADER_SIZE || chunkStart + p + size > end) continue
      const bytes = p + size <= n ? chunk.subarray(p, p + size) : readExact(file, chunkStart + p, size)
      if (validateBatch(bytes, 0, bytes.length, {deep: false, maxDecompressedBytes: 0}) === null) return chunkStart + p
    }
    if (onlyAtStart || chunkStart + n >= end) return -1
    chunkStart += lastCandidate + 1
  }
  return -1
}

function readExact(file: StorageFile, position: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size)
  const n = file.read(buf, 0, size, position)
  return n === size ? buf : buf.subarray(0, n)
}
