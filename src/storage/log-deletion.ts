// Removing data from a partition's log at either end: from the head by retention (which segments:
// log-retention.ts) and by DeleteRecords (Kafka's deleteOldSegments, deleteRecordsOnLocalLog), from the
// tail by truncateTo (Kafka's truncateTo; also the operator's way out of a quarantine).
//
// Files: whole segments go (.log, .index, .timeindex unlinked, then the directory fsynced); a truncated
// segment is cut at a batch boundary and fdatasynced (log-segment.ts cutAt).
// Invariants: log-start-offset.checkpoint is written durably before any segment below it is deleted, so
// a crash half way reopens in the after state (the loader finishes the deletion); the head moves only
// in whole closed segments; the log start never moves beyond what survives a power loss; a batch is never
// split; truncation lowers the cleaner's checkpoint to the new log end (what is written again is dirty);
// any I/O failure takes the partition offline; after truncateTo the idempotent producers' state is that
// of what is left (rebuilt: producer-snapshot.ts).
// Owner: the partition's worker thread, through PartitionLog.

import {SamsaError} from '../errors.js'
import type {LocalLog} from './local-log.js'
import {selectRetention} from './log-retention.js'
import {loadProducerState} from './producer-snapshot.js'

/** Deletes whole closed segments past retention.ms / retention.bytes, oldest first. */
export function applyRetention(log: LocalLog, now: number): {deletedSegments: number; deletedBytes: number} {
  if (!log.online || !log.config['cleanup.policy'].includes('delete')) return {deletedSegments: 0, deletedBytes: 0}
  let plan = selectRetention(log.segments.all, log.config, now)
  if (plan.rollFirst) {
    log.rollAt() // every record has expired: close the active segment so it can go too (as Kafka does)
    plan = selectRetention(log.segments.all, log.config, now)
  }
  if (plan.count === 0) return {deletedSegments: 0, deletedBytes: 0}
  const newStart = Math.max(log.logStartOffset, log.segments.at(plan.count).baseOffset)
  return deleteOldestSegments(log, plan.count, newStart)
}

/** Advances logStartOffset to `offset` (durably) and deletes segments wholly below it. */
export function deleteRecordsBefore(log: LocalLog, offset: number): number {
  log.ensureWritable()
  if (!Number.isSafeInteger(offset) || offset > log.logEndOffset || offset < 0) {
    throw new SamsaError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: the log ends at ${log.logEndOffset}`)
  }
  if (offset <= log.logStartOffset) return log.logStartOffset
  log.flushActive() // the new log start must never be beyond what survives a power loss
  const segs = log.segments
  let count = 0
  while (count < segs.length - 1 && segs.at(count + 1).baseOffset <= offset) count++
  deleteOldestSegments(log, count, offset)
  return log.logStartOffset
}

function deleteOldestSegments(log: LocalLog, count: number, newStart: number): {deletedSegments: number; deletedBytes: number} {
  try {
    if (newStart !== log.logStartOffset) log.writeLogStartOffset(newStart)
    log.logStartOffset = newStart
    let bytes = 0
    for (const seg of log.segments.removeOldest(count)) {
      bytes += seg.size
      seg.deleteFiles()
    }
    if (count > 0) log.io.fsyncDir(log.dir)
    return {deletedSegments: count, deletedBytes: bytes}
  } catch (err) {
    throw log.goOffline(err)
  }
}

/**
 * Removes every batch holding an offset ≥ `offset` (a batch is never split: the log may end below
 * `offset`). On a quarantined log this is the operator's way out: it also drops the corrupt part
 * and brings the log back online.
 */
export function truncateTo(log: LocalLog, offset: number): void {
  if (log.closed || log.failure !== null) throw new SamsaError('PARTITION_OFFLINE', log.whyOffline()!)
  if (!Number.isSafeInteger(offset) || offset < 0) throw new SamsaError('INVALID_INPUT', `cannot truncate to offset ${offset}`)
  const segs = log.segments
  try {
    if (log.recovery.quarantined !== null) {
      dropQuarantined(log)
      if (offset >= log.logEndOffset) return rebuildProducerState(log) // a quarantined log had none
    }
    if (offset >= log.logEndOffset) return
    if (offset < log.logStartOffset) {
      for (const s of segs.removeOldest(segs.length)) s.deleteFiles()
      segs.push(log.newSegment(offset))
      log.logEndOffset = log.logStartOffset = offset
      log.writeLogStartOffset(offset)
    } else {
      while (segs.length > 1 && log.active.baseOffset >= offset) segs.removeNewest().deleteFiles()
      const r = log.active.truncateTo(offset)
      // a compacted log's gap: the first batch removed may start above `offset`; the log ends at `offset`
      if (r.nextOffset >= 0) log.logEndOffset = Math.min(r.nextOffset, offset)
      else if (log.active.size === 0) log.logEndOffset = log.active.baseOffset
      if (log.logStartOffset > log.logEndOffset) {
        log.logStartOffset = log.logEndOffset
        log.writeLogStartOffset(log.logStartOffset)
      }
    }
    log.io.fsyncDir(log.dir)
    rebuildProducerState(log)
    log.recoveryPoint = Math.min(log.recoveryPoint, log.logEndOffset)
    log.checkpointedRecoveryPoint = -1
    log.writeRecoveryPoint()
    // Kafka's maybeTruncateCheckpoint: offsets written again after this are dirty, never "already clean"
    const firstDirty = log.cleaner.firstDirtyOffset
    if (firstDirty !== null && firstDirty > log.logEndOffset) log.writeCleanerCheckpoint(log.logEndOffset, null)
  } catch (err) {
    throw log.goOffline(err)
  }
}

/**
 * The producer state of what is left: from the newest snapshot below the new log end (those above it are
 * removed), else from the log's first offset — truncation is rare, so a whole scan of headers is fine.
 */
function rebuildProducerState(log: LocalLog): void {
  const {dir, io, logEndOffset, producerIdExpirationMs: expirationMs} = log
  const r = loadProducerState({dir, io, segments: log.segments.all, logEndOffset, emptyAt: null, now: log.now(), expirationMs, say: log.log})
  log.producers = r.state
  log.producerSnapshots = r.snapshots
}

/** Cuts the quarantined segment at the bad batch and deletes every later segment. */
function dropQuarantined(log: LocalLog): void {
  const q = log.recovery.quarantined!
  const segs = log.segments
  const i = segs.indexOfFile(q.file)
  if (i >= 0) {
    for (const s of segs.removeAfter(i)) s.deleteFiles()
    segs.at(i).cutAt(q.position, q.offset)
  }
  log.logEndOffset = q.offset
  log.recoveryPoint = Math.min(log.recoveryPoint, log.logEndOffset)
  log.log(`dropped the quarantined data from ${q.file} byte ${q.position} on; log end ${log.logEndOffset}`)
  log.recovery.quarantined = null
}
