// What one segment serves to readers: Kafka's fetch read (LogSegment.read) that hands out only batches
// whose frame and CRC-32C check out, and the timestamp lookup (findOffsetByTimestamp). Both step over
// damage: damage can appear on disk after recovery vouched for the bytes, and it must never hide the
// intact batches before or after it (README Guarantees, rule 4).
//
// Bytes served are the .log's bytes as they are (disk format = wire format, layout in log-segment.ts).
// Invariants: a batch is served only if it passed its frame and CRC check in this process — checked here
// once, then remembered in the segment's `verifiedTo` (batches below it are not re-checked: appended
// batches were validated on produce), so a fetch of fresh data costs what it did without the check. The
// check is shallow (no decompression): the consumer decodes the records anyway.
// Owner: the partition's worker thread, called by PartitionLog's read path (log-read.ts).

import {BATCH_LENGTH_POS, LOG_OVERHEAD, readInt64} from '../format/batch-header.js'
import {decodeRecordBatch} from '../format/record-batch.js'
import {validateBatch, type ValidateOptions} from '../format/validate-batch.js'
import {BatchScanner, findNextValidBatch, isProblem, type ScannedBatch, type ScanProblem} from './batch-scanner.js'
import {corruptLog, LOOKUP_WINDOW, type LogSegment} from './log-segment.js'

/** Limits on what readSegment may serve (see there). */
export interface ReadBounds {
  notBefore?: number
  limit?: number
  endOffset?: number
  scratch?: Buffer
}

/** A batch a read cannot serve: where, why, and the next intact batch after it in this file (or null). */
export interface SegmentDamage {
  position: number
  problem: string
  resume: ScannedBatch | null
}

const SHALLOW: ValidateOptions = {deep: false, maxDecompressedBytes: 0}

/**
 * Kafka's fetch read: intact whole batches from the one holding `target` — the first always, then more
 * while they fit in maxBytes — stopping before the first batch that fails its frame or CRC check, so
 * what lies below a bad batch is still served. Bounds: the scan starts no earlier than `notBefore`, no
 * byte at or past `limit` is served, nor a batch based at or past `endOffset`.
 * Returns null when no batch here holds target or anything after it; a SegmentDamage when the batch
 * holding target is itself bad. A target at or past the next intact batch after the damage reads on
 * from there (the reader chose to skip it).
 * The Buffer owns its memory (never pooled), so a worker may transfer its ArrayBuffer — unless `scratch`
 * was given and was large enough: then it is a view of it.
 */
export function readSegment(seg: LogSegment, target: number, maxBytes: number, bounds: ReadBounds = {}): Buffer | SegmentDamage | null {
  const limit = Math.min(bounds.limit ?? seg.size, seg.size)
  const endOffset = bounds.endOffset ?? Infinity
  let from = Math.max(bounds.notBefore ?? 0, target <= seg.baseOffset ? 0 : seg.offsetIndex.lookup(target).position)
  for (;;) {
    const found = seg.seek(target, from, limit)
    if (found === null || (!isProblem(found) && found.baseOffset >= endOffset)) return null
    const read = isProblem(found) ? found : readIntact(seg, found, maxBytes, limit, endOffset, bounds.scratch)
    if (Buffer.isBuffer(read)) return read
    const at = findNextValidBatch(seg.logFile(), read.position + 1, limit)
    const resume = at >= 0 ? seg.batchAt(at) : null
    if (resume === null || resume.baseOffset > target) return {position: read.position, problem: read.problem, resume}
    from = at
  }
}

/** Batches from `first` on that pass their frame and CRC checks; the first one's problem if it fails. */
function readIntact(seg: LogSegment, first: ScannedBatch, maxBytes: number, limit: number, endOffset: number, scratch?: Buffer): Buffer | ScanProblem {
  const want = Math.min(limit - first.position, Math.max(maxBytes, first.size))
  // a caller's scratch saves a fresh allocation (page faults on new memory cost more than the read)
  const buf = scratch !== undefined && scratch.length >= want ? scratch : Buffer.allocUnsafeSlow(want)
  const n = seg.logFile().read(buf, 0, want, first.position)
  if (n < first.size) throw corruptLog(seg.logPath, first.position, `read ${n} bytes, not one whole batch`)
  const verified = seg.verifiedTo - first.position // buf[0, verified) needs no check
  let end = 0
  while (end + LOG_OVERHEAD <= n) {
    const size = buf.readInt32BE(end + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (end > 0 && end + size > n) break // a partial batch at the end: the next fetch's
    // frame and CRC only (no decompression): the bytes are served as stored, the consumer decodes them
    const problem = end + size <= verified ? null : validateBatch(buf, end, n, SHALLOW)
    if (problem !== null) {
      if (end === 0) return {position: first.position, problem}
      break
    }
    if (end > 0 && readInt64(buf, end) >= endOffset) break
    end += size
  }
  if (verified >= 0) seg.verifiedTo = Math.max(seg.verifiedTo, first.position + end)
  return end === buf.length ? buf : buf.subarray(0, end)
}

/**
 * The first record with timestamp ≥ t in this segment at or after `startingOffset` (Kafka's ListOffsets):
 * time index → offset index → forward scan for the first batch with maxTimestamp ≥ t → first such record.
 */
export function findOffsetByTimestamp(seg: LogSegment, t: number, startingOffset: number): {offset: number; timestamp: number} | null {
  const fromOffset = Math.max(seg.timeIndex.lookup(t).offset, startingOffset)
  const start = fromOffset <= seg.baseOffset ? 0 : seg.offsetIndex.lookup(fromOffset).position
  const scanner = new BatchScanner(seg.logFile(), start, seg.size, LOOKUP_WINDOW)
  for (;;) {
    const b = scanner.peek()
    if (b === null) return null
    if (isProblem(b)) {
      // step over damage: the fetch that follows this lookup reports it, if the reader gets that far
      const at = findNextValidBatch(seg.logFile(), b.position + 1, seg.size)
      if (at < 0) return null
      scanner.position = at
      continue
    }
    if (b.maxTimestamp >= t && b.lastOffset >= startingOffset) {
      const body = scanner.body()
      return firstRecordAtOrAfter(body.buf.subarray(body.at, body.at + b.size), t, startingOffset) ?? {offset: b.baseOffset, timestamp: b.maxTimestamp}
    }
    scanner.advance()
  }
}

/** First record with timestamp ≥ t (and offset ≥ minOffset) in one batch, or null if it cannot decode. */
function firstRecordAtOrAfter(batch: Buffer, t: number, minOffset: number): {offset: number; timestamp: number} | null {
  try {
    const {records} = decodeRecordBatch(batch, {verifyCrc: false})
    for (const r of records) {
      if (r.timestamp >= t && r.offset >= minOffset) return {offset: r.offset, timestamp: r.timestamp}
    }
  } catch {
    // an undecodable batch still answers with its base offset (Kafka's acceptable approximation)
  }
  return null
}
