// Which part of a log the cleaner may compact, and whether it should now (Kafka's LogToClean,
// LogCleanerManager.cleanableOffsets and maxCompactionDelay), as pure decisions over the segment list.
//
// Sections, by whole segments (a segment's end is the next segment's base offset):
//   [log start, firstDirtyOffset)                 clean: compacted by an earlier pass
//   [firstDirtyOffset, firstUncleanableOffset)    dirty and cleanable
//   [firstUncleanableOffset, log end)             not cleanable yet: the active segment always, and from
//                                                 the first dirty segment holding a record newer than
//                                                 min.compaction.lag.ms (its largest timestamp)
// firstDirtyOffset is cleaner-offset.checkpoint, reset to the log start when it is missing, unreadable,
// below the log start (retention moved it) or beyond the log end. A segment counts as dirty when it holds
// any offset ≥ firstDirtyOffset. Dirty ratio = cleanable dirty bytes / (clean + cleanable dirty bytes).
// A log is cleanable when cleanup.policy has compact, it has cleanable dirty bytes, and either the ratio
// is > min.cleanable.dirty.ratio (strictly, as Kafka's grabFilthiestCompactedLog: ratio 1 means "only when
// asked or lagged", even for a never-cleaned log) or a dirty segment's first batch is older than max.compaction.lag.ms.
// Grouping (Kafka's groupSegmentsBySize): consecutive segments whose sizes add up to ≤ segment.bytes and
// whose offsets fit 32-bit relative offsets from the group's base become one cleaned segment.
// Owner: the partition's worker thread (reads segment headers; writes nothing).

import type {LocalLog} from './local-log.js'
import {NEVER} from './log-config.js'
import type {LogSegment} from './log-segment.js'

export interface CleanerState {
  /** cleanup.policy includes compact. */
  compacted: boolean
  firstDirtyOffset: number
  firstUncleanableOffset: number
  cleanBytes: number
  /** Bytes of the cleanable dirty segments. */
  dirtyBytes: number
  /** dirtyBytes / (cleanBytes + dirtyBytes); 0 for an empty log. */
  dirtyRatio: number
  /** How far past max.compaction.lag.ms the oldest dirty segment's first batch is (0: not overdue). */
  maxCompactionDelayMs: number
  /** Why a pass should run now, or null when it should not. */
  cleanableBecause: 'dirty-ratio' | 'max-compaction-lag' | null
  /** When a cleaning pass last finished, or null (never, since the checkpoint was written). */
  lastCleanedAt: number | null
}

const MAX_RELATIVE_OFFSET = 0x7fffffff

export function cleanerState(log: LocalLog, now: number): CleanerState {
  const config = log.config
  const segs = log.segments.all
  const closed = segs.length - 1
  const firstDirtyOffset = firstDirty(log)
  const end = (i: number): number => segs[i + 1]!.baseOffset // closed segments only

  let firstUncleanableOffset = segs[closed]!.baseOffset
  const minLag = config['min.compaction.lag.ms']
  let firstDirtySegment = closed
  for (let i = 0; i < closed; i++) {
    if (end(i) <= firstDirtyOffset) continue
    if (firstDirtySegment === closed) firstDirtySegment = i
    if (minLag > 0 && segs[i]!.largestTimestamp > now - minLag) {
      firstUncleanableOffset = segs[i]!.baseOffset
      break
    }
  }
  firstUncleanableOffset = Math.max(firstDirtyOffset, firstUncleanableOffset)

  let cleanBytes = 0
  let dirtyBytes = 0
  for (let i = 0; i < closed; i++) {
    if (end(i) <= firstDirtyOffset) cleanBytes += segs[i]!.size
    else if (segs[i]!.baseOffset < firstUncleanableOffset) dirtyBytes += segs[i]!.size
  }
  const total = cleanBytes + dirtyBytes
  const dirtyRatio = total === 0 ? 0 : dirtyBytes / total
  const maxCompactionDelayMs = compactionDelay(segs.slice(firstDirtySegment, closed), config['max.compaction.lag.ms'], now)
  const compacted = config['cleanup.policy'].includes('compact')
  let cleanableBecause: CleanerState['cleanableBecause'] = null
  if (compacted && dirtyBytes > 0) {
    if (dirtyRatio > config['min.cleanable.dirty.ratio']) cleanableBecause = 'dirty-ratio'
    else if (maxCompactionDelayMs > 0) cleanableBecause = 'max-compaction-lag'
  }
  return {
    compacted,
    firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    dirtyBytes,
    dirtyRatio,
    maxCompactionDelayMs,
    cleanableBecause,
    lastCleanedAt: log.cleaner.lastCleanedAt,
  }
}

/** The checkpointed first dirty offset, reset to the log start when it is missing or outside the log. */
function firstDirty(log: LocalLog): number {
  const checkpointed = log.cleaner.firstDirtyOffset
  if (checkpointed === null || checkpointed < log.logStartOffset || checkpointed > log.logEndOffset) return log.logStartOffset
  return checkpointed
}

/** Kafka's maxCompactionDelay: how long past max.compaction.lag.ms the earliest first batch of `dirty` is. */
function compactionDelay(dirty: readonly LogSegment[], maxLag: number, now: number): number {
  if (maxLag >= NEVER || dirty.length === 0) return 0
  let earliest = Infinity
  for (const s of dirty) {
    const first = s.size > 0 ? s.batchAt(0) : null
    if (first !== null && first.maxTimestamp > 0) earliest = Math.min(earliest, first.maxTimestamp)
  }
  const cleanUntil = now - maxLag
  return earliest < cleanUntil ? cleanUntil - earliest : 0
}

/**
 * Kafka's groupSegmentsBySize over `segments` (consecutive, oldest first): runs whose sizes add up to at
 * most maxBytes and whose offsets stay within a 32-bit relative offset of the run's base. A segment's
 * last offset is bounded by the next segment's base; `endOffset` is that bound for the last one (the base
 * of the segment after it in the log).
 */
export function groupSegmentsBySize(segments: readonly LogSegment[], maxBytes: number, endOffset: number): LogSegment[][] {
  const groups: LogSegment[][] = []
  let i = 0
  while (i < segments.length) {
    const group = [segments[i]!]
    let bytes = segments[i]!.size
    i++
    while (i < segments.length) {
      const next = segments[i]!
      const lastOffset = (i + 1 < segments.length ? segments[i + 1]!.baseOffset : endOffset) - 1
      if (bytes + next.size > maxBytes) break
      if (next.size > 0 && lastOffset - group[0]!.baseOffset > MAX_RELATIVE_OFFSET) break
      group.push(next)
      bytes += next.size
      i++
    }
    groups.push(group)
  }
  return groups
}
