// Reading the records of one RecordBatch v2: the checks every reader shares, and the fast path.
//
// A batch is read in three steps, each throwing SamsaError CORRUPT_MESSAGE with a one-line reason that
// validate-batch.ts passes through verbatim:
//   1. openBatch: the 61-byte header is present, batchLength fits the bytes present, magic is 2, int64
//      fields are exact, the CRC (bytes 21..end) matches, recordsCount is non-negative;
//   2. recordsSection: the records bytes, decompressed if needed (none, LZ4, gzip) under a size cap;
//   3. walkRecords: every record's length, varints, key/value/header lengths are checked against the
//      record's own end, the record's length must equal what its fields used, and the section must hold
//      exactly recordsCount records. recordsCount is checked against the section size (a record is at
//      least 7 bytes) before anything is allocated per record.
// forEachRecord hands out one reused RecordView per batch: key and value are offsets into a buffer, and
// Buffers are only created if asked for, because two subarray views per record cost more than the parse.
// Used by record-batch.ts (decodeRecordBatch), validate-batch.ts, the client and the CLI consumer.

import {gunzipSync} from 'node:zlib'
import {SamsaError} from '../errors.js'
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_POS,
  type BatchHeader,
  Compression,
  compressionName,
  compressionOf,
  computeBatchCrc,
  LOG_OVERHEAD,
  MAGIC_POS,
  MAGIC_V2,
  readBatchHeader,
  TIMESTAMP_TYPE_MASK,
} from './batch-header.js'
import {decompressFrameInto, type Lz4Output} from './lz4-frame.js'
import type {DecodedRecord, RecordHeader} from './record.js'
import {type Cursor, readVarint, readVarlong} from './varint.js'

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
// length, attributes, timestampDelta, offsetDelta, keyLength, valueLength, headerCount: one byte each
const MIN_RECORD_SIZE = 7

export interface ReadOptions {
  /** Where the batch starts in buf. Default 0. */
  pos?: number
  /** Cap on a compressed records section once decompressed. Default 64 MiB. */
  maxDecompressedBytes?: number
  /** Default true. */
  verifyCrc?: boolean
  /**
   * Where a compressed records section is decompressed (reused, grown when too small) instead of the
   * shared scratch: a caller that copies values out of it can keep it beside its output (OutputBuffer.stage).
   * The caller must not read another batch into it while a visit is running.
   */
  scratch?: Lz4Output
}

function corrupt(reason: string): never {
  throw new SamsaError('CORRUPT_MESSAGE', reason)
}

const hex8 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`

/** Step 1: checks the batch frame at pos (bounded by end) and returns its header. */
export function openBatch(buf: Buffer, pos: number, end: number, verifyCrc: boolean): BatchHeader {
  const left = end - pos
  if (left < BATCH_HEADER_SIZE) corrupt(`only ${left} bytes left, a batch header needs ${BATCH_HEADER_SIZE}`)
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_POS)
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) corrupt(`batch length ${batchLength} is below the minimum ${BATCH_HEADER_SIZE - LOG_OVERHEAD}`)
  if (batchLength > left - LOG_OVERHEAD) corrupt(`batch length ${batchLength} runs past end of data (${left} bytes left)`)
  const magic = buf.readInt8(pos + MAGIC_POS)
  if (magic !== MAGIC_V2) corrupt(`magic ${magic} is not ${MAGIC_V2}`)
  const header = readBatchHeader(buf, pos)
  if (verifyCrc) {
    const computed = computeBatchCrc(buf, pos, batchLength + LOG_OVERHEAD)
    if (computed !== header.crc) corrupt(`CRC mismatch: stored ${hex8(header.crc)}, computed ${hex8(computed)}`)
  }
  if (header.recordsCount < 0) corrupt(`recordsCount ${header.recordsCount} is negative`)
  if (header.lastOffsetDelta < 0) corrupt(`lastOffsetDelta ${header.lastOffsetDelta} is negative`)
  return header
}

/** Where a batch's (decompressed) records live: buf[start, end). */
export interface RecordsSection {
  buf: Buffer
  start: number
  end: number
}

/**
 * Step 2: locates the records of the batch at pos, decompressing into scratch (reused and grown when
 * given) so the steady-state reader allocates nothing per batch.
 */
export function recordsSection(buf: Buffer, pos: number, header: BatchHeader, maxDecompressedBytes: number, scratch: Lz4Output, out: RecordsSection): void {
  const start = pos + BATCH_HEADER_SIZE
  const end = pos + header.batchLength + LOG_OVERHEAD
  const codec = compressionOf(header.attributes)
  switch (codec) {
    case Compression.None:
      out.buf = buf
      out.start = start
      out.end = end
      break
    case Compression.Lz4:
      decompressFrameInto(buf, start, end, maxDecompressedBytes, scratch)
      out.buf = scratch.buf
      out.start = 0
      out.end = scratch.length
      break
    case Compression.Gzip:
      out.buf = gunzip(buf.subarray(start, end), maxDecompressedBytes)
      out.start = 0
      out.end = out.buf.length
      break
    case Compression.Snappy:
    case Compression.Zstd:
      corrupt(`${compressionName(codec)} compression is not supported`)
    // eslint-disable-next-line no-fallthrough
    default:
      corrupt(`compression codec ${codec as number} is not a known codec`)
  }
  const bytes = out.end - out.start
  if (header.recordsCount > bytes / MIN_RECORD_SIZE) {
    corrupt(`recordsCount ${header.recordsCount} but the records section has only ${bytes} bytes`)
  }
}

function gunzip(data: Buffer, max: number): Buffer {
  try {
    return gunzipSync(data, {maxOutputLength: Math.max(1, max)})
  } catch (err) {
    const code = (err as {code?: string}).code
    if (code === 'ERR_BUFFER_TOO_LARGE') corrupt(`gzip records decompress past the ${max}-byte limit`)
    corrupt(`gzip records are corrupt: ${(err as Error).message}`)
  }
}

/**
 * One record of a batch being read. The same object is reused for every record of a batch: read what you
 * need inside the callback. keyStart/valueStart are -1 for a null key/value; bytes live in `buffer`.
 */
export class RecordView {
  buffer: Buffer = EMPTY
  /** The whole record, its length varint included: buffer[recordStart, recordEnd) (what a cleaner copies). */
  recordStart = 0
  recordEnd = 0
  offset = 0
  offsetDelta = 0
  timestamp = 0
  keyStart = -1
  keyEnd = -1
  valueStart = -1
  valueEnd = -1
  headerCount = 0
  headersStart = 0

  /** The key as a view into buffer (copy it to keep it past the callback), or null. */
  get key(): Buffer | null {
    return this.keyStart < 0 ? null : this.buffer.subarray(this.keyStart, this.keyEnd)
  }

  /** The value as a view into buffer (copy it to keep it past the callback), or null. */
  get value(): Buffer | null {
    return this.valueStart < 0 ? null : this.buffer.subarray(this.valueStart, this.valueEnd)
  }

  /** The value decoded as text without creating a Buffer, or null. */
  valueString(encoding: BufferEncoding = 'utf8'): string | null {
    return this.valueStart < 0 ? null : this.buffer.toString(encoding, this.valueStart, this.valueEnd)
  }

  /** The headers (values are views into buffer). A frozen shared empty array when there are none. */
  get headers(): RecordHeader[] {
    if (this.headerCount === 0) return NO_HEADERS
    const cursor: Cursor = {pos: this.headersStart}
    const headers: RecordHeader[] = new Array(this.headerCount)
    const b = this.buffer
    const end = b.length // already validated by walkRecords: lengths are known to fit
    for (let i = 0; i < this.headerCount; i++) {
      const keyLength = readVarint(b, cursor, end)
      const key = b.toString('utf8', cursor.pos, cursor.pos + keyLength)
      cursor.pos += keyLength
      const valueLength = readVarint(b, cursor, end)
      const value = valueLength < 0 ? null : b.subarray(cursor.pos, cursor.pos + valueLength)
      if (valueLength > 0) cursor.pos += valueLength
      headers[i] = {key, value}
    }
    return headers
  }
}

const EMPTY = Buffer.alloc(0)
const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[]

/**
 * Step 3: parses `header.recordsCount` records from section, calling visit with the reused view.
 * Every length is checked against the record's own end; the section must hold exactly that many.
 */
export function walkRecords(section: RecordsSection, header: BatchHeader, view: RecordView, visit: (r: RecordView) => void): void {
  const b = section.buf
  const end = section.end
  const count = header.recordsCount
  const logAppendTime = (header.attributes & TIMESTAMP_TYPE_MASK) !== 0
  const c: Cursor = {pos: section.start}
  view.buffer = b
  let p = section.start
  for (let i = 0; i < count; i++) {
    if (p >= end) corrupt(`records section holds ${i} records, header says ${count}`)
    c.pos = p
    const length = readVarint(b, c, end)
    const recordStart = c.pos
    if (length < MIN_RECORD_SIZE - 1) corrupt(`record ${i} has length ${length}, below the minimum ${MIN_RECORD_SIZE - 1}`)
    const recordEnd = recordStart + length
    if (recordEnd > end) corrupt(`record ${i} length ${length} runs past the records section (${end - recordStart} bytes left)`)
    c.pos = recordStart + 1 // attributes: unused in v2
    const timestampDelta = readVarlong(b, c, recordEnd)
    const offsetDelta = readVarint(b, c, recordEnd)
    const keyLength = readVarint(b, c, recordEnd)
    if (keyLength < -1 || keyLength > recordEnd - c.pos) corrupt(`record ${i} key length ${keyLength} does not fit its record`)
    if (keyLength < 0) {
      view.keyStart = view.keyEnd = -1
    } else {
      view.keyStart = c.pos
      view.keyEnd = c.pos += keyLength
    }
    const valueLength = readVarint(b, c, recordEnd)
    if (valueLength < -1 || valueLength > recordEnd - c.pos) corrupt(`record ${i} value length ${valueLength} does not fit its record`)
    if (valueLength < 0) {
      view.valueStart = view.valueEnd = -1
    } else {
      view.valueStart = c.pos
      view.valueEnd = c.pos += valueLength
    }
    const headerCount = readVarint(b, c, recordEnd)
    // a header is at least 2 bytes (empty key, null value): bound the count before walking it
    if (headerCount < 0 || headerCount > (recordEnd - c.pos) / 2) corrupt(`record ${i} header count ${headerCount} does not fit its record`)
    view.headersStart = c.pos
    for (let h = 0; h < headerCount; h++) {
      const hk = readVarint(b, c, recordEnd)
      if (hk < 0 || hk > recordEnd - c.pos) corrupt(`record ${i} header key length ${hk} does not fit its record`)
      c.pos += hk
      const hv = readVarint(b, c, recordEnd)
      if (hv < -1 || hv > recordEnd - c.pos) corrupt(`record ${i} header value length ${hv} does not fit its record`)
      if (hv > 0) c.pos += hv
    }
    if (c.pos !== recordEnd) corrupt(`record ${i} length ${length} but its fields use ${c.pos - recordStart} bytes`)
    view.headerCount = headerCount
    view.recordStart = p
    view.recordEnd = recordEnd
    view.offsetDelta = offsetDelta
    view.offset = header.baseOffset + offsetDelta
    view.timestamp = logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta
    visit(view)
    p = recordEnd
  }
  if (p !== end) corrupt(`records section has ${end - p} bytes after its ${count} records`)
}

// One shared scratch for decompression: readers run one batch at a time on a thread. A callback that
// reads another batch re-entrantly gets a fresh scratch instead (the busy flag), so views stay valid.
const shared: Lz4Output = {buf: EMPTY, length: 0}
let sharedBusy = false
const SHARED_SCRATCH_KEEP = 4 * 1024 * 1024

/**
 * Calls visit for every record of the batch at options.pos (default 0) and returns its header; the
 * batch occupies batchSizeOf(header) bytes. The view and its buffer are only valid during the callback.
 */
export function forEachRecord(buf: Buffer, visit: (r: RecordView) => void, options: ReadOptions = {}): BatchHeader {
  const pos = options.pos ?? 0
  const header = openBatch(buf, pos, buf.length, options.verifyCrc ?? true)
  const useShared = options.scratch === undefined && !sharedBusy
  const scratch = options.scratch ?? (useShared ? shared : {buf: EMPTY, length: 0})
  const section: RecordsSection = {buf: EMPTY, start: 0, end: 0}
  if (useShared) sharedBusy = true
  try {
    recordsSection(buf, pos, header, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES, scratch, section)
    walkRecords(section, header, new RecordView(), visit)
  } finally {
    if (useShared) {
      sharedBusy = false
      // one huge batch should not pin its decompressed size for the life of the process
      if (shared.buf.length > SHARED_SCRATCH_KEEP) shared.buf = EMPTY
    }
  }
  return header
}

/** decodeRecordBatch's engine: records as plain objects whose bytes are views into buf or a fresh buffer. */
export function decodeBatchRecords(buf: Buffer, maxDecompressedBytes: number, verifyCrc: boolean): {header: BatchHeader; records: DecodedRecord[]} {
  const header = openBatch(buf, 0, buf.length, verifyCrc)
  // a fresh scratch: decoded records keep views into it after we return
  const section: RecordsSection = {buf: EMPTY, start: 0, end: 0}
  recordsSection(buf, 0, header, maxDecompressedBytes, {buf: EMPTY, length: 0}, section)
  const records: DecodedRecord[] = new Array(header.recordsCount)
  let i = 0
  walkRecords(section, header, new RecordView(), (r) => {
    records[i++] = {offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headerCount === 0 ? [] : r.headers}
  })
  return {header, records}
}
