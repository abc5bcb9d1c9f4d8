// The append path of a partition's log (Kafka's UnifiedLog.append for one replica): assign offsets,
// roll between batches where segment.bytes / segment.ms (or max.compaction.lag.ms when shorter on a
// compacted topic: maxSegmentMs) / the relative-offset limit ask for it, write, index, and flush when
// flush.messages says so.
//
// Bytes: the caller's buffer is whole RecordBatch v2 frames (layout: format/batch-header.ts), validated
// by the caller; append rewrites each baseOffset (bytes 0–7, outside the CRC) and, for LogAppendTime,
// the timestamp and CRC (batch-stamping.ts), then writes the bytes as they are.
// Idempotent producers: their batches are checked first (producer-state.ts); a retry of batches already
// appended writes nothing and answers with their offsets (a retry whose first batches alone were appended
// — a crash between two runs — writes the rest and answers both ranges), and the state learns each new
// batch once written, run by run, so the snapshot a roll takes holds every batch before it.
// Invariants: offsets [logEndOffset, logEndOffset + Σ(lastOffsetDelta + 1)) are assigned in order; one
// write syscall per run of batches that fits the active segment; a segment outgrows segment.bytes only
// when it holds a single larger batch; all or nothing — a failed write consumes no offset of the call and
// leaves the files cut back to where the call began, and the partition goes offline until reopened.
// Owner: the partition's worker thread, through PartitionLog.appendBatches.

import {BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD, readInt64} from '../format/batch-header.js'
import {frameBatches, stampBatches} from './batch-stamping.js'
import type {LocalLog} from './local-log.js'
import {maxSegmentMs} from './log-config.js'
import type {AppendResult} from './partition-log-types.js'

/** Kafka rolls before offset - baseOffset overflows a signed 32-bit relative offset. */
const MAX_RELATIVE_OFFSET = 0x7fffffff

/**
 * Appends concatenated batches: one write syscall per run of batches that fits the active segment,
 * rolling between batches when the next would cross segment.bytes (Kafka's shouldRoll, per batch). When
 * a write (or the flush flush.messages asks for) fails, what this call wrote before it is taken back —
 * segments it rolled to are deleted, the one it began in is cut back — and no offset is consumed.
 */
export function appendBatches(log: LocalLog, request: Buffer): AppendResult {
  log.ensureWritable()
  frameBatches(request)
  const plan = log.producers.check(request) // before anything is written: a sequence error appends nothing
  if (plan.duplicate !== null) {
    // Kafka answers a duplicate with its first offsets; its LogAppendTime is not kept (-1)
    return {baseOffset: plan.duplicate.firstOffset, lastOffset: plan.duplicate.lastOffset, logAppendTime: -1, logStartOffset: log.logStartOffset, duplicate: true}
  }
  const {retried} = plan // the first batches were appended before a crash cut the request: not again
  const buf = retried === undefined ? request : request.subarray(retried.bytes)
  const now = log.now()
  const baseOffset = log.logEndOffset
  const logAppendTime = log.config['message.timestamp.type'] === 'LogAppendTime' ? now : -1
  const next = stampBatches(buf, baseOffset, logAppendTime)
  const started = {segments: log.segments.length, size: log.active.size}
  try {
    let run = 0 // start of the batches not yet written
    let runFirst = 0 // index of its first batch
    let batch = 0
    for (let p = 0; p < buf.length; batch++) {
      const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
      const lastOffset = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA_POS)
      if (shouldRoll(log, log.active.size + p - run, size, lastOffset, now)) {
        if (p > run) {
          const runBase = log.logEndOffset
          writeRun(log, buf, run, p, now, logAppendTime)
          // the roll snapshots the producer state as of the log end: it must hold the batches just
          // written, or a crash before the next run leaves them in the log but not in the snapshot that
          // recovery trusts, and the producer's retry is appended twice
          log.producers.apply(plan, runBase, now, runFirst, batch)
        }
        log.rollAt()
        run = p
        runFirst = batch
      }
      p += size
    }
    const runBase = log.logEndOffset
    writeRun(log, buf, run, buf.length, now, logAppendTime)
    // before a flush, which may snapshot the state at the new log end; a failure after a state update
    // takes the partition offline, and its reopen rebuilds the state from disk
    log.producers.apply(plan, runBase, now, runFirst, batch)
    if (log.logEndOffset - log.recoveryPoint >= log.config['flush.messages']) log.flushActive()
  } catch (err) {
    takeBack(log, started.segments, started.size, baseOffset) // not acknowledged: no offset consumed
    throw err
  }
  const result: AppendResult = {baseOffset, lastOffset: next - 1, logAppendTime, logStartOffset: log.logStartOffset}
  if (retried !== undefined) result.retried = {baseOffset: retried.firstOffset, lastOffset: retried.lastOffset, bytes: retried.bytes}
  return result
}

/** Whether a batch of `size` bytes ending at `lastOffset` goes to a new segment, the active one holding `used` bytes. */
function shouldRoll(log: LocalLog, used: number, size: number, lastOffset: number, now: number): boolean {
  const seg = log.active
  if (used === 0) return false
  if (used + size > log.config['segment.bytes']) return true
  if (seg.rollingBasedTimestamp !== null && now - seg.rollingBasedTimestamp >= maxSegmentMs(log.config)) return true
  return lastOffset - seg.baseOffset > MAX_RELATIVE_OFFSET
}

/** Writes the stamped batches buf[start, end) to the active segment (one syscall) and indexes them. */
function writeRun(log: LocalLog, buf: Buffer, start: number, end: number, now: number, logAppendTime: number): void {
  const seg = log.active
  let next: number
  try {
    next = seg.append(buf, start, end, logAppendTime)
  } catch (err) {
    throw log.goOffline(err)
  }
  seg.rollingBasedTimestamp ??= now
  log.logEndOffset = next
}

/**
 * After a failed append (the log is offline by then): deletes the segments it rolled to, newest first,
 * then cuts the segment it began in back to `size`. Best effort: if a deletion fails, the batches
 * before it stay (and count), so the log never gets a hole; recovery re-checks it all on the next open.
 */
function takeBack(log: LocalLog, segments: number, size: number, baseOffset: number): void {
  while (log.segments.length > segments) {
    try {
      log.active.deleteFiles()
    } catch (err) {
      log.log(`could not delete ${log.active.logPath} after a failed append (${String(err)}); recovery will check it`)
      return
    }
    log.segments.removeNewest()
  }
  const seg = log.active
  seg.size = size
  seg.cutBackAfterFailure()
  log.logEndOffset = baseOffset
  log.recoveryPoint = Math.min(log.recoveryPoint, baseOffset)
}
