// The read path of a partition's log (Kafka's UnifiedLog.read and fetchOffsetByTimestamp): find the
// segment holding an offset, serve whole batches from it (segment-read.ts checks each one's frame and
// CRC), and keep a quarantined log's damage from being served.
//
// Bytes: what is returned is file bytes as they are (disk format = wire format), whole batches only.
// Invariants: reads serve only batches that pass their frame and CRC checks. A read stops before a bad
// batch; a read of the bad batch (or of the damage a quarantine found) throws CorruptBatchError with the
// next offset that reads, so a reader can skip it on purpose. A quarantined log's end is the end of the
// valid data after the damage (log-recovery.ts), its damage never served. Reads work on an offline log
// (below logEndOffset), not on a closed one.
// Owner: the partition's worker thread, through PartitionLog.read / offsetForTimestamp.

import {SamsaError} from '../errors.js'
import {CorruptBatchError} from './corrupt-batch-error.js'
import type {LocalLog} from './local-log.js'
import type {ReadResult} from './partition-log-types.js'
import {findOffsetByTimestamp, readSegment} from './segment-read.js'

const EMPTY = Buffer.alloc(0)

/**
 * Whole batches from the one holding `offset`: the first always whole, even beyond maxBytes (KIP-74);
 * then more while they fit in maxBytes, from one segment. offset = logEndOffset → empty. When the batch
 * holding `offset` fails its checks (or lies in damage recovery quarantined), CorruptBatchError names it
 * and where reading can continue. `bytes` owns its memory (transferable), unless `scratch` is given and
 * large enough: then `bytes` is a view of scratch, valid until the caller reuses it.
 */
export function read(log: LocalLog, offset: number, maxBytes: number, scratch?: Buffer): ReadResult {
  if (log.closed) throw new SamsaError('PARTITION_OFFLINE', log.whyOffline()!)
  const leo = log.logEndOffset
  const lso = log.logStartOffset
  const q = log.recovery.quarantined
  if (q !== null && offset >= leo && offset >= lso) throw new SamsaError('PARTITION_OFFLINE', log.whyOffline()!)
  if (offset < lso || offset > leo) {
    throw new SamsaError('OFFSET_OUT_OF_RANGE', `offset ${offset} is out of range: the log holds offsets ${lso} to ${leo - 1} (log end ${leo})`)
  }
  if (offset === leo) return {bytes: EMPTY, highWatermark: leo, logStartOffset: lso}
  const below = q !== null && offset < q.offset
  if (q !== null && !below && (q.resume === null || offset < q.resume.offset)) {
    throw new CorruptBatchError(offset, q.resume?.offset ?? leo, q.file, q.position, q.problem, true)
  }
  const segs = log.segments
  for (let i = segs.floorIndex(offset); i < segs.length; i++) {
    const seg = segs.at(i)
    // a quarantined log: never serve bytes from the damage on to a read below it, nor scan through it
    const inDamaged = q !== null && seg.logPath === (below ? q.file : q.resume?.file)
    const bounds = inDamaged ? (below ? {limit: q.position} : {notBefore: q.resume!.position}) : {}
    const r = readSegment(seg, offset, maxBytes, {...bounds, endOffset: leo, scratch})
    if (Buffer.isBuffer(r)) return {bytes: r, highWatermark: leo, logStartOffset: lso}
    if (r !== null) {
      const next = r.resume?.baseOffset ?? (i + 1 < segs.length ? segs.at(i + 1).baseOffset : leo)
      throw new CorruptBatchError(offset, Math.min(next, leo), seg.logPath, r.position, r.problem, false)
    }
    if (below && seg.logPath === q.file) break
    // else: offset lies past this segment's last batch (a gap): try the next
  }
  return {bytes: EMPTY, highWatermark: leo, logStartOffset: lso}
}

/** Kafka ListOffsets: the first record with timestamp ≥ t at or after logStartOffset, or null. */
export function offsetForTimestamp(log: LocalLog, timestamp: number): {offset: number; timestamp: number} | null {
  if (log.closed) throw new SamsaError('PARTITION_OFFLINE', log.whyOffline()!)
  const segs = log.segments
  for (let i = segs.floorIndex(log.logStartOffset); i < segs.length; i++) {
    const seg = segs.at(i)
    if (seg.size === 0 || seg.largestTimestamp < timestamp) continue
    const found = findOffsetByTimestamp(seg, timestamp, log.logStartOffset)
    if (found !== null && found.offset < log.logEndOffset) return found
  }
  return null
}
