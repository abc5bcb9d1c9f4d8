// Opening a partition directory: recovery, written as numbered passes (Kafka's LogLoader), each with its
// reason, each one function below, in the order they run. README Guarantees, rule 3: recovery never
// trusts and never destroys silently.
//
// Files read: see file-names.ts. Decisions:
// - Clean shutdown (marker present and its logEndOffset matches the log): trust segments and indexes;
//   sanity-check the active segment's index and walk only the tail after its last entry.
// - Unclean: re-validate every batch from the recovery point on and rebuild those segments' indexes;
//   truncate a torn tail, quarantine damage with valid data after it (log-recovery.ts). Segments wholly
//   below the recovery point are trusted; their indexes load lazily and are rebuilt if they fail a
//   sanity check. No readable recovery-point checkpoint → validate from the first segment.
// - A segment swap a crash interrupted is finished or rolled back before any segment is loaded
//   (segment-swap.ts), so the passes after it see either the old segments or the new ones.
// - Checkpoints that cannot be read mean "validate from the start", never "delete segments".
// - Offsets: contiguous from batch to batch and segment to segment, unless the log may hold compacted
//   segments (cleanup.policy has compact, or cleaner-offset.checkpoint exists: the log was cleaned once,
//   whatever its policy is now); then, as in Kafka, they must only increase — the cleaner leaves gaps.
//   Every batch is still checked whole (frame, CRC, records) either way.
// - The idempotent producers' state is rebuilt last, from its newest snapshot and the batches after it
//   (producer-snapshot.ts), and made durable before the recovery point moves past those batches.
// Owner: called once by PartitionLog.open on the partition's worker thread.

import {join} from 'node:path'
import {type CheckpointRead, readOffsetCheckpoint, writeOffsetCheckpoint} from './checkpoint.js'
import type {FileIo} from './file-io.js'
import {
  CLEAN_SHUTDOWN_MARKER,
  CLEANER_OFFSET_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
  TMP_SUFFIX,
} from './file-names.js'
import {recoverSegments} from './log-recovery.js'
import {LogSegment} from './log-segment.js'
import type {RecoveryReport} from './partition-log-types.js'
import {loadProducerState, writeSnapshot} from './producer-snapshot.js'
import {ProducerStateManager} from './producer-state.js'
import {recoverInterruptedSwap} from './segment-swap.js'

export interface LoadOptions {
  dir: string
  io: FileIo
  indexIntervalBytes: number
  now: number
  log: (line: string) => void
  /** cleanup.policy includes compact: the cleaner may have left gaps in the offsets. */
  compacted: boolean
  producerIdExpirationMs: number
}

export interface LoadedLog {
  segments: LogSegment[]
  logStartOffset: number
  logEndOffset: number
  recoveryPoint: number
  recovery: RecoveryReport
  /** The cleaner's checkpointed first dirty offset (null: never cleaned, or unreadable) and when it was written. */
  cleaner: {firstDirtyOffset: number | null; lastCleanedAt: number | null}
  producers: ProducerStateManager
  /** Offsets of the producer snapshot files on disk. */
  producerSnapshots: number[]
}

/** What the passes share: the options, the report they add to, and the segments opened so far. */
interface Loading {
  o: LoadOptions
  report: RecoveryReport
  /** Reports one thing recovery did or found. */
  say: (line: string) => void
  /** A segment object for `baseOffset` (files not opened yet), closed again if the open fails. */
  newSegment: (baseOffset: number) => LogSegment
}

/** The log as the passes find it, from the segments pass on. */
interface Found extends Omit<LoadedLog, 'cleaner'> {
  /** Segments whose batches were re-validated (and indexes rebuilt) by this open: made durable at the end. */
  recovered: Set<LogSegment>
}

export function loadLog(o: LoadOptions): LoadedLog {
  const opened: LogSegment[] = []
  const report: RecoveryReport = {clean: false, recoveredFrom: 0, truncatedBytes: 0, messages: [], quarantined: null}
  const say = (line: string): void => {
    report.messages.push(line)
    o.log(line)
  }
  const newSegment = (baseOffset: number): LogSegment => {
    const segment = new LogSegment({dir: o.dir, baseOffset, io: o.io, indexIntervalBytes: o.indexIntervalBytes, log: say})
    opened.push(segment)
    return segment
  }
  try {
    return load({o, report, say, newSegment})
  } catch (err) {
    // a failed open (EMFILE, EIO, …) keeps no file open: the caller may delete the directory at once
    for (const s of opened) {
      try {
        s.close()
      } catch {
        // the error that stopped the open is the one to report
      }
    }
    throw err
  }
}

function load(c: Loading): LoadedLog {
  const {dir, io} = c.o
  io.mkdir(dir) // first pass: the directory exists (a new partition starts empty)
  const marker = takeCleanShutdownMarker(c)
  removeTempFiles(c)
  recoverInterruptedSwap({dir, io, say: c.say})
  const recoveryCkpt = readCheckpoint(c, RECOVERY_POINT_CHECKPOINT, 'validating every segment from the start')
  const startCkpt = readCheckpoint(c, LOG_START_OFFSET_CHECKPOINT, 'using the first segment’s base offset')
  const cleanerCkpt = readCheckpoint(c, CLEANER_OFFSET_CHECKPOINT, 'the cleaner will clean the whole log again')
  const allowGaps = c.o.compacted || cleanerCkpt.status !== 'missing'
  const found = loadSegments(c, startCkpt)
  findLogEnd(c, found, marker, recoveryCkpt, allowGaps)
  applyLogStartOffset(c, found, startCkpt)
  loadProducers(c, found, recoveryCkpt)
  makeRecoveredDurable(c, found)
  const cleaner = {
    firstDirtyOffset: cleanerCkpt.status === 'ok' ? cleanerCkpt.offset : null,
    lastCleanedAt: cleanerCkpt.status === 'ok' ? (io.stat(join(dir, CLEANER_OFFSET_CHECKPOINT))?.mtimeMs ?? null) : null,
  }
  const {segments, logStartOffset, logEndOffset, recoveryPoint, producers, producerSnapshots} = found
  return {segments, logStartOffset, logEndOffset, recoveryPoint, recovery: c.report, cleaner, producers, producerSnapshots}
}

/**
 * Second pass: read, then delete, the clean-shutdown marker before looking at anything else, so a crash
 * during this recovery still counts as unclean next time.
 */
function takeCleanShutdownMarker(c: Loading): CheckpointRead {
  const {dir, io} = c.o
  const markerPath = join(dir, CLEAN_SHUTDOWN_MARKER)
  const marker = readOffsetCheckpoint(markerPath, io)
  if (marker.status !== 'missing') {
    io.unlink(markerPath)
    io.fsyncDir(dir)
  }
  return marker
}

/**
 * Third pass: leftovers of interrupted metadata writes (`.tmp`) go. The file they were replacing is
 * intact (the rename never happened), so nothing is lost.
 */
function removeTempFiles(c: Loading): void {
  const {dir, io} = c.o
  for (const name of io.readdir(dir).sort()) {
    if (!name.endsWith(TMP_SUFFIX)) continue
    io.unlink(join(dir, name))
    c.say(`removed leftover ${name}`)
  }
}

// Fourth pass (recoverInterruptedSwap, segment-swap.ts): a segment swap a crash interrupted is rolled
// back (`.cleaned` left: the old segments are intact) or finished (every `.swap` in place: the old
// segments go), then `.deleted` files go. It runs before segments are loaded so that they are either
// all old or all new.

/**
 * Fifth pass: a checkpoint (recovery point, log start, the cleaner's). Unreadable means "recover (or
 * clean) from the start", never "delete".
 */
function readCheckpoint(c: Loading, name: string, action: string): CheckpointRead {
  const read = readOffsetCheckpoint(join(c.o.dir, name), c.o.io)
  if (read.status === 'unreadable') c.say(`${name} unreadable (${read.reason}): ${action}`)
  return read
}

/**
 * Sixth pass: segments from the .log names; index files without a .log are orphans and go (a crash
 * between unlinking a deleted segment's files). The active segment is opened; closed ones open lazily.
 * A directory with no segment is a new partition (or one whose every segment was deleted): there is
 * nothing to recover, so it opens clean with an empty segment at the log start.
 */
function loadSegments(c: Loading, startCkpt: CheckpointRead): Found {
  const {dir, io} = c.o
  const names = io.readdir(dir).sort()
  const logBases = new Set<number>()
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed?.kind === 'log') logBases.add(parsed.baseOffset)
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed && parsed.kind !== 'log' && !logBases.has(parsed.baseOffset)) {
      io.unlink(join(dir, name))
      c.say(`removed orphan index ${name}`)
    }
  }
  const found: Found = {
    segments: [], logStartOffset: 0, logEndOffset: -1, recoveryPoint: 0, recovery: c.report, recovered: new Set(),
    producers: new ProducerStateManager(), producerSnapshots: [],
  }
  found.segments = [...logBases].sort((a, b) => a - b).map((base) => c.newSegment(base).statSize())
  if (found.segments.length === 0) {
    const fresh = c.newSegment(startCkpt.status === 'ok' ? startCkpt.offset : 0).openFile()
    fresh.createIndexes()
    found.segments = [fresh]
    found.logEndOffset = fresh.baseOffset
    c.report.clean = true
    c.report.recoveredFrom = fresh.baseOffset
  }
  found.segments[found.segments.length - 1]!.openFile()
  return found
}

/**
 * Seventh pass: the log end. After a clean shutdown, trust the segments and walk only the active
 * segment's tail; if that walk disagrees with the marker, or the shutdown was unclean, validate every
 * batch from the recovery point on (log-recovery.ts: a torn tail is truncated, damage quarantines).
 * Then segment.ms counts from the active segment's first batch (at most now), as it did before the stop.
 */
function findLogEnd(c: Loading, found: Found, marker: CheckpointRead, recoveryCkpt: CheckpointRead, allowGaps: boolean): void {
  const {report, say} = c
  if (!report.clean && marker.status === 'ok') {
    const end = loadClean(found.segments[found.segments.length - 1]!, say, allowGaps)
    if (end === marker.offset) {
      found.logEndOffset = end
      report.clean = true
      report.recoveredFrom = end
    } else if (end >= 0) {
      say(`clean-shutdown marker says logEndOffset ${marker.offset} but the log ends at ${end}; recovering`)
    }
  } else if (!report.clean && marker.status === 'unreadable') {
    say(`${CLEAN_SHUTDOWN_MARKER} unreadable (${marker.reason}): treating the shutdown as unclean`)
  }
  if (report.clean) {
    found.recoveryPoint = found.logEndOffset
  } else {
    const recoveryPoint = recoveryCkpt.status === 'ok' ? recoveryCkpt.offset : found.segments[0]!.baseOffset
    const r = recoverSegments(found.segments, recoveryPoint, say, report, allowGaps)
    found.segments = r.segments
    found.logEndOffset = r.logEndOffset
    found.recovered = new Set(r.segments.slice(r.firstRecovered))
    found.recoveryPoint = Math.min(recoveryPoint, r.logEndOffset)
  }
  const last = found.segments[found.segments.length - 1]!
  const first = last.size > 0 ? last.batchAt(0) : null
  last.rollingBasedTimestamp = first ? Math.min(first.maxTimestamp, c.o.now) : null
}

/** The clean path: the active segment's index, then its tail. Returns the log end, or -1 on a problem. */
function loadClean(active: LogSegment, say: (line: string) => void, allowGaps: boolean): number {
  const problem = active.readIndexes()
  let walk
  if (problem !== null) {
    say(`${problem}; rebuilding it from the log`)
    active.resetIndexes()
    walk = active.rebuildIndexes(0, false, active.baseOffset, !allowGaps)
  } else {
    const last = active.offsetIndex.lastEntry()
    walk = active.rebuildIndexes(last?.position ?? 0, last !== null, last === null ? active.baseOffset : -1, !allowGaps)
  }
  if (walk.problem !== null) {
    say(`${active.logPath}: ${walk.problem} at byte ${walk.position} despite a clean shutdown; recovering`)
    return -1
  }
  return walk.nextOffset >= 0 ? walk.nextOffset : active.baseOffset
}

/**
 * Eighth pass: the log start offset (checkpoint, at least the first segment's base). Segments wholly
 * below it are the rest of a deletion a crash interrupted (the checkpoint is written before the unlinks):
 * finish it. A log start beyond the recovered end means offsets below it were handed out once: they
 * are never reused, and no file goes because of a checkpoint — the log continues in a new, empty segment
 * at the log start. A quarantined log is left as it is.
 */
function applyLogStartOffset(c: Loading, found: Found, startCkpt: CheckpointRead): void {
  const {dir, io} = c.o
  const segments = found.segments
  found.logStartOffset = Math.max(startCkpt.status === 'ok' ? startCkpt.offset : 0, segments[0]!.baseOffset)
  if (c.report.quarantined !== null) return
  const logStartOffset = found.logStartOffset
  if (logStartOffset > found.logEndOffset) {
    c.say(
      `log start offset ${logStartOffset} is beyond the recovered log end ${found.logEndOffset}: ` +
        `continuing in a new segment at ${logStartOffset}; older segments are kept until retention removes them`,
    )
    segments[segments.length - 1]!.onBecomeInactive()
    const fresh = c.newSegment(logStartOffset).openFile()
    fresh.createIndexes()
    segments.push(fresh)
    found.recovered.add(fresh)
    io.fsyncDir(dir)
    found.logEndOffset = logStartOffset
    found.recoveryPoint = logStartOffset
    return
  }
  let deleted = false
  while (segments.length > 1 && segments[1]!.baseOffset <= logStartOffset) {
    const gone = segments.shift()!
    c.say(`deleted ${gone.logPath}: wholly below log start offset ${logStartOffset} (finishing an interrupted deletion)`)
    gone.deleteFiles()
    deleted = true
  }
  if (deleted) io.fsyncDir(dir)
}

/**
 * Ninth pass: the idempotent producers' state at the log end — the newest snapshot and the batch headers
 * after it, or after the recovery-point checkpoint when there is none (producer-snapshot.ts). A
 * quarantined log takes no writes, so it needs none.
 */
function loadProducers(c: Loading, found: Found, recoveryCkpt: CheckpointRead): void {
  if (c.report.quarantined !== null) return
  const {dir, io, now, producerIdExpirationMs} = c.o
  const emptyAt = recoveryCkpt.status === 'ok' ? recoveryCkpt.offset : null
  const r = loadProducerState({dir, io, segments: found.segments, logEndOffset: found.logEndOffset, emptyAt, now, expirationMs: producerIdExpirationMs, say: c.say})
  found.producers = r.state
  found.producerSnapshots = r.snapshots
}

/**
 * Tenth pass: after an unclean start, make what was validated durable (indexes written, logs
 * fdatasynced) and move the recovery point to the log end, so the next crash re-validates only new data.
 * The producer state found in that data is snapshotted first: the next open will not read it again.
 */
function makeRecoveredDurable(c: Loading, found: Found): void {
  if (c.report.clean || c.report.quarantined !== null) return
  const {dir, io} = c.o
  const active = found.segments[found.segments.length - 1]
  for (const s of found.segments) {
    if (!found.recovered.has(s)) continue
    if (s === active) s.flush()
    else s.onBecomeInactive()
  }
  io.fsyncDir(dir)
  found.recoveryPoint = found.logEndOffset
  found.producerSnapshots = writeSnapshot(dir, io, found.producers, found.logEndOffset, found.producerSnapshots)
  writeOffsetCheckpoint(join(dir, RECOVERY_POINT_CHECKPOINT), found.recoveryPoint, io)
}
