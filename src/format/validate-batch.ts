// Validation of RecordBatch v2 bytes without throwing: each check answers with a short human description
// of the FIRST problem found, or null when the batch is sound.
//   shallow: header present, batchLength within the data, magic 2, exact int64 fields, CRC, known codec,
//            recordsCount ≤ lastOffsetDelta + 1, expected base offset;
//   producer: Kafka's produce-side rules — at least one record, lastOffsetDelta = recordsCount − 1, no
//            control bit, and (deep) offset deltas exactly 0..n−1;
//   deep:    decompress (size-capped) and walk every record (see record-reader.ts for what is checked),
//            offset deltas strictly increasing and ≤ lastOffsetDelta;
//   requireKeys (deep): every record has a key — what a compacted topic demands of a produce (Kafka
//            refuses a keyless record there with INVALID_RECORD, and so the whole batch: nothing of it is
//            appended). That problem alone is not damage: validateBatchProblem tells it apart.
// The descriptions are those of the shared reader's SamsaErrors, so `samsa log verify`, produce errors
// and recovery logs all say the same thing about the same bytes.
// Used by the engine on produce, by storage recovery, and by `samsa log verify`.

import {isSamsaError} from '../errors.js'
import {CONTROL_MASK, type BatchHeader, batchSizeOf, compressionOf, lastOffsetOf} from './batch-header.js'
import type {Lz4Output} from './lz4-frame.js'
import {openBatch, type RecordsSection, recordsSection, RecordView, walkRecords} from './record-reader.js'

export interface ValidateOptions {
  /** Decompress and walk every record. */
  deep: boolean
  /** Cap on a compressed records section once decompressed (only used when deep). */
  maxDecompressedBytes: number
  /** When given, the batch's baseOffset must equal it. */
  expectedBaseOffset?: number
  /** Apply Kafka's producer-side rules. */
  producer?: boolean
  /** Every record must have a key (a produce to a compacted topic); only checked when deep. */
  requireKeys?: boolean
}

/** What is wrong with a batch: `corrupt` (bad bytes), or `keyless` (sound, but a compacted topic needs keys). */
export interface BatchProblem {
  kind: 'corrupt' | 'keyless'
  message: string
}

class Invalid extends Error {}
class Keyless extends Error {}

/** Checks the batch at buf[pos, …) within end; returns null when valid, else the first problem. */
export function validateBatch(buf: Buffer, pos: number, end: number, options: ValidateOptions): string | null {
  return validateBatchProblem(buf, pos, end, options)?.message ?? null
}

/** validateBatch, telling a keyless record (requireKeys) apart from damage, so each gets its own error code. */
export function validateBatchProblem(buf: Buffer, pos: number, end: number, options: ValidateOptions): BatchProblem | null {
  try {
    checkBatch(buf, pos, Math.min(end, buf.length), options)
    return null
  } catch (err) {
    if (err instanceof Keyless) return {kind: 'keyless', message: err.message}
    if (err instanceof Invalid || isSamsaError(err)) return {kind: 'corrupt', message: err.message}
    throw err
  }
}

function fail(reason: string): never {
  throw new Invalid(reason)
}

// one decompression scratch per thread: validation runs one batch at a time and keeps no views
const scratch: Lz4Output = {buf: Buffer.alloc(0), length: 0}

function checkBatch(buf: Buffer, pos: number, end: number, options: ValidateOptions): BatchHeader {
  const h = openBatch(buf, pos, end, true)
  if (options.expectedBaseOffset !== undefined && h.baseOffset !== options.expectedBaseOffset) {
    fail(`base offset ${h.baseOffset}, expected ${options.expectedBaseOffset}`)
  }
  const codec = compressionOf(h.attributes)
  if (codec > 4) fail(`compression codec ${codec} is not a known codec`)
  if (h.recordsCount > h.lastOffsetDelta + 1) fail(`recordsCount ${h.recordsCount} but lastOffsetDelta ${h.lastOffsetDelta}`)
  if (options.producer) {
    if (h.recordsCount < 1) fail('recordsCount 0: a produced batch needs at least one record')
    if (h.lastOffsetDelta !== h.recordsCount - 1) fail(`recordsCount ${h.recordsCount} but lastOffsetDelta ${h.lastOffsetDelta}`)
    if (h.attributes & CONTROL_MASK) fail('control batches cannot be produced')
  }
  if (!options.deep) return h

  const section: RecordsSection = {buf, start: 0, end: 0}
  recordsSection(buf, pos, h, options.maxDecompressedBytes, scratch, section)
  let previous = -1
  let index = 0
  const producer = options.producer === true
  let keyless = -1
  walkRecords(section, h, new RecordView(), (r) => {
    const delta = r.offsetDelta
    if (producer && delta !== index) fail(`record ${index} has offset delta ${delta}, expected ${index}`)
    if (delta <= previous) fail(`record ${index} has offset delta ${delta}, not above the previous ${previous}`)
    if (delta > h.lastOffsetDelta) fail(`record ${index} has offset delta ${delta}, beyond lastOffsetDelta ${h.lastOffsetDelta}`)
    if (keyless < 0 && r.keyStart < 0) keyless = index
    previous = delta
    index++
  })
  // don't pin a large decompressed section for the rest of the process
  if (scratch.buf.length > 4 * 1024 * 1024) scratch.buf = Buffer.alloc(0)
  // after the walk: damage anywhere in the batch is reported as damage, not as a missing key
  if (options.requireKeys && keyless >= 0) {
    throw new Keyless(`record ${keyless} has no key: a compacted topic (cleanup.policy=compact) keeps the latest record per key, so every record needs one`)
  }
  return h
}

export interface ScanResult {
  /** Valid batches found from pos. */
  batches: number
  /** Position just after the last valid batch (= pos when none): where a torn log is truncated to. */
  validEnd: number
  /** lastOffset + 1 of the last valid batch, or -1 when there was none. */
  nextOffset: number
  /** The first problem at validEnd, or null when the data ended exactly at a batch boundary. */
  problem: string | null
}

/**
 * Walks consecutive batches in buf[pos, end), validating each, and stops at the first problem
 * (a torn tail, a bad CRC, offsets that go backwards). What log recovery and `samsa log verify` need.
 */
export function scanBatches(buf: Buffer, pos: number, end: number, options: {deep?: boolean; maxDecompressedBytes?: number} = {}): ScanResult {
  const validate: ValidateOptions = {deep: options.deep ?? false, maxDecompressedBytes: options.maxDecompressedBytes ?? 64 * 1024 * 1024}
  end = Math.min(end, buf.length)
  let batches = 0
  let nextOffset = -1
  let p = pos
  while (p < end) {
    let h: BatchHeader
    try {
      h = checkBatch(buf, p, end, validate)
      if (nextOffset >= 0 && h.baseOffset < nextOffset) {
        fail(`base offset ${h.baseOffset} is below the previous batch's next offset ${nextOffset}`)
      }
    } catch (err) {
      if (err instanceof Invalid || isSamsaError(err)) return {batches, validEnd: p, nextOffset, problem: err.message}
      throw err
    }
    batches++
    nextOffset = lastOffsetOf(h) + 1
    p += batchSizeOf(h)
  }
  return {batches, validEnd: p, nextOffset, problem: null}
}
