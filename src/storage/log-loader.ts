// Opening a partition directory: recovery, written as numbered passes (Kafka's LogLoader), each with its
// reason. README Guarantees, rule 3: recovery never trusts and never destroys silently.
//
// Files read: see file-names.ts. Decisions:
// - Clean shutdown (marker present and its logEndOffset matches the log): trust segments and indexes;
//   sanity-check the active segment's index and walk only the tail after its last entry.
// - Unclean: re-validate every batch from the recovery point on (frame, base offset = expected next
//   offset, CRC-32C, records and LZ4 frames via validateBatch deep) and rebuild those segments' indexes.
//   Segments wholly below the recovery point are trusted; their indexes load lazily and are rebuilt if
//   they fail a sanity check. No readable recovery-point checkpoint → validate from the first segment.
// - First bad batch with nothing valid after it (torn write, zero-filled or garbage tail, a header
//   claiming 2 GiB): truncate there, delete later segments (which hold no valid batch), report file and
//   bytes. Bad batch WITH a valid batch after it (in the same file or a later segment): quarantine —
//   nothing is modified, the log opens offline (no writes). The data after the damage is validated as
//   well, so the log end is the end of that data; reads below and past the damage work, reads of the
//   damage itself fail (PartitionLog.read).
//   Note: a hole left by a power loss in unflushed data, followed by data that did reach the disk, is
//   also quarantined: the loader cannot tell it from corruption, and dropping valid batches is the
//   operator's call (truncateTo).
// - Checkpoints that cannot be read mean "validate from the start", never "delete segments".
// Owner: called once by PartitionLog.open on the partition's worker thread.

import {join} from 'node:path'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {validateBatch} from '../format/validate-batch.js'
import {BatchScanner, findNextValidBatch, isProblem} from './batch-scanner.js'
import {type CheckpointRead, readOffsetCheckpoint, writeOffsetCheckpoint} from './checkpoint.js'
import type {FileIo} from './file-io.js'
import {storageError} from './file-io.js'
import {
  CLEAN_SHUTDOWN_MARKER,
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
  SWAP_SUFFIX,
  TMP_SUFFIX,
} from './file-names.js'
import {LogSegment} from './log-segment.js'

export interface RecoveryReport {
  /** True when the clean-shutdown marker was present and the log matched it (nothing re-validated). */
  clean: boolean
  /** Offset validation started from (= logEndOffset after a clean start). */
  recoveredFrom: number
  /** Bytes cut from torn tails (and from later segments with no valid batch). */
  truncatedBytes: number
  /** One line per thing recovery did or found, also sent to the `log` callback. */
  messages: string[]
  /** Where corruption with valid data after it was found; the log is then offline. */
  quarantined: null | Quarantine
}

/**
 * Damage in the middle of the log: the first bad batch (file, byte, problem; `offset` is the first offset
 * it hides) and the intact batch where the log resumes after it (null: the log ends at the damage).
 */
export interface Quarantine {
  file: string
  position: number
  problem: string
  offset: number
  resume: null | {file: string; position: number; offset: number}
}

export interface LoadOptions {
  dir: string
  io: FileIo
  indexIntervalBytes: number
  now: number
  log: (line: string) => void
}

export interface LoadedLog {
  segments: LogSegment[]
  logStartOffset: number
  logEndOffset: number
  recoveryPoint: number
  recovery: RecoveryReport
}

export function loadLog(o: LoadOptions): LoadedLog {
  const opened: LogSegment[] = []
  try {
    return load(o, opened)
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

function load(o: LoadOptions, opened: LogSegment[]): LoadedLog {
  const {dir, io} = o
  const report: RecoveryReport = {clean: false, recoveredFrom: 0, truncatedBytes: 0, messages: [], quarantined: null}
  const say = (line: string): void => {
    report.messages.push(line)
    o.log(line)
  }
  const newSegment = (baseOffset: number): LogSegment => {
    const segment = new LogSegment({dir, baseOffset, io, indexIntervalBytes: o.indexIntervalBytes, log: say})
    opened.push(segment)
    return segment
  }

  // Pass 1: the directory exists (a new partition starts empty).
  io.mkdir(dir)

  // Pass 2: read, then delete, the clean-shutdown marker before looking at anything else, so a crash
  // during this recovery still counts as unclean next time.
  const markerPath = join(dir, CLEAN_SHUTDOWN_MARKER)
  const marker = readOffsetCheckpoint(markerPath, io)
  if (marker.status !== 'missing') {
    io.unlink(markerPath)
    io.fsyncDir(dir)
  }

  // Pass 3: leftovers of interrupted metadata writes (.tmp) and of deletions (.deleted) go; so do
  // .cleaned files (a compaction that never reached its swap). A .swap is reported and left alone.
  const names = io.readdir(dir).sort()
  for (const name of names) {
    if (name.endsWith(TMP_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX)) {
      io.unlink(join(dir, name))
      say(`removed leftover ${name}`)
    } else if (name.endsWith(SWAP_SUFFIX)) {
      say(`left ${name} alone: this version has no cleaner to finish its swap`)
    }
  }

  // Pass 4: checkpoints. Unreadable means "recover from the start", never "delete".
  const recoveryCkpt = readOffsetCheckpoint(join(dir, RECOVERY_POINT_CHECKPOINT), io)
  const startCkpt = readOffsetCheckpoint(join(dir, LOG_START_OFFSET_CHECKPOINT), io)
  reportUnreadable(recoveryCkpt, RECOVERY_POINT_CHECKPOINT, 'validating every segment from the start', say)
  reportUnreadable(startCkpt, LOG_START_OFFSET_CHECKPOINT, 'using the first segment’s base offset', say)

  // Pass 5: segments from the .log names; index files without a .log are orphans and go.
  const logBases = new Set<number>()
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed?.kind === 'log') logBases.add(parsed.baseOffset)
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed && parsed.kind !== 'log' && !logBases.has(parsed.baseOffset)) {
      io.unlink(join(dir, name))
      say(`removed orphan index ${name}`)
    }
  }
  let segments = [...logBases].sort((a, b) => a - b).map((base) => newSegment(base).statSize())
  // A directory with no segment is a new partition (or one whose every segment was deleted): there is
  // nothing to recover, so it opens clean rather than reporting an unclean shutdown.
  const fresh = segments.length === 0
  if (fresh) {
    const base = startCkpt.status === 'ok' ? startCkpt.offset : 0
    segments = [newSegment(base).openFile()]
    segments[0]!.createIndexes()
  }
  const active = segments[segments.length - 1]!
  active.openFile()

  // Pass 6: find the log end. Clean: trust, walk the tail. Unclean (or the clean walk disagrees):
  // validate from the recovery point.
  let logEndOffset = -1
  if (fresh) {
    logEndOffset = active.baseOffset
    report.clean = true
    report.recoveredFrom = logEndOffset
  } else if (marker.status === 'ok') {
    logEndOffset = loadClean(active, say)
    if (logEndOffset !== marker.offset) {
      if (logEndOffset >= 0) say(`clean-shutdown marker says logEndOffset ${marker.offset} but the log ends at ${logEndOffset}; recovering`)
      logEndOffset = -1
    } else {
      report.clean = true
      report.recoveredFrom = logEndOffset
    }
  } else if (marker.status === 'unreadable') {
    say(`${CLEAN_SHUTDOWN_MARKER} unreadable (${marker.reason}): treating the shutdown as unclean`)
  }
  let recoveryPoint = recoveryCkpt.status === 'ok' ? recoveryCkpt.offset : segments[0]!.baseOffset
  let recovered = new Set<LogSegment>()
  if (!report.clean) {
    const r = recoverSegments(segments, recoveryPoint, say, report)
    segments = r.segments
    logEndOffset = r.logEndOffset
    recovered = new Set(segments.slice(r.firstRecovered))
    recoveryPoint = Math.min(recoveryPoint, logEndOffset)
  } else {
    recoveryPoint = logEndOffset
  }
  const last = segments[segments.length - 1]!
  const first = last.size > 0 ? last.batchAt(0) : null
  last.rollingBasedTimestamp = first ? Math.min(first.maxTimestamp, o.now) : null

  // Pass 7: the log start offset; finish deletions a crash interrupted (segments wholly below it).
  let logStartOffset = Math.max(startCkpt.status === 'ok' ? startCkpt.offset : 0, segments[0]!.baseOffset)
  if (report.quarantined === null) {
    if (logStartOffset > logEndOffset) {
      // Offsets below the log start were handed out once: never reuse them. Keep every file (a checkpoint
      // is not a reason to destroy data) and continue in a new, empty segment at the log start.
      say(
        `log start offset ${logStartOffset} is beyond the recovered log end ${logEndOffset}: ` +
          `continuing in a new segment at ${logStartOffset}; older segments are kept until retention removes them`,
      )
      segments[segments.length - 1]!.onBecomeInactive()
      const fresh = newSegment(logStartOffset).openFile()
      fresh.createIndexes()
      segments.push(fresh)
      recovered.add(fresh)
      io.fsyncDir(dir)
      logEndOffset = logStartOffset
      recoveryPoint = logStartOffset
    } else {
      let deleted = false
      while (segments.length > 1 && segments[1]!.baseOffset <= logStartOffset) {
        const gone = segments.shift()!
        say(`deleted ${gone.logPath}: wholly below log start offset ${logStartOffset} (finishing an interrupted deletion)`)
        gone.deleteFiles()
        deleted = true
      }
      if (deleted) io.fsyncDir(dir)
    }
  }

  // Pass 8: after an unclean start, make what was validated durable (indexes written, logs fdatasynced)
  // and move the recovery point to the log end, so the next crash re-validates only new data.
  if (!report.clean && report.quarantined === null) {
    for (const s of segments.filter((x) => recovered.has(x))) {
      if (s === segments[segments.length - 1]) s.flush()
      else s.onBecomeInactive()
    }
    io.fsyncDir(dir)
    recoveryPoint = logEndOffset
    writeOffsetCheckpoint(join(dir, RECOVERY_POINT_CHECKPOINT), recoveryPoint, io)
  }
  return {segments, logStartOffset, logEndOffset, recoveryPoint, recovery: report}
}

function reportUnreadable(c: CheckpointRead, name: string, action: string, say: (line: string) => void): void {
  if (c.status === 'unreadable') say(`${name} unreadable (${c.reason}): ${action}`)
}

/** The clean path: the active segment's index, then its tail. Returns the log end, or -1 on a problem. */
function loadClean(active: LogSegment, say: (line: string) => void): number {
  const problem = active.readIndexes()
  let walk
  if (problem !== null) {
    say(`${problem}; rebuilding it from the log`)
    active.resetIndexes()
    walk = active.rebuildIndexes(0, false, active.baseOffset)
  } else {
    const last = active.offsetIndex.lastEntry()
    walk = active.rebuildIndexes(last?.position ?? 0, last !== null, last === null ? active.baseOffset : -1)
  }
  if (walk.problem !== null) {
    say(`${active.logPath}: ${walk.problem} at byte ${walk.position} despite a clean shutdown; recovering`)
    return -1
  }
  return walk.nextOffset >= 0 ? walk.nextOffset : active.baseOffset
}

interface Stop {
  segment: number
  position: number
  problem: string
  /** The problem is about the batch at `position` itself (else: about where a segment starts). */
  badBatch: boolean
}

/** Validates from the recovery point to the end; truncates a torn tail or quarantines. */
function recoverSegments(
  segments: LogSegment[],
  recoveryPoint: number,
  say: (line: string) => void,
  report: RecoveryReport,
): {segments: LogSegment[]; logEndOffset: number; firstRecovered: number} {
  // the segment holding the recovery point: the last one based at or below it
  let k = 0
  for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= recoveryPoint) k = i
  const seg = segments[k]!
  let expected = Math.max(recoveryPoint, seg.baseOffset)
  report.recoveredFrom = expected
  say(`unclean shutdown: validating batches from offset ${expected} (${seg.logPath})`)

  // Batches below the recovery point in this segment are trusted: keep the sane part of its index
  // and walk headers from the last entry below the recovery point up to the recovery point.
  let position = 0
  const indexProblem = seg.readIndexes()
  if (indexProblem !== null) say(`${indexProblem}; rebuilding it`)
  if (indexProblem === null && expected > seg.baseOffset) {
    seg.offsetIndex.truncateTo(expected)
    seg.timeIndex.truncateTo(expected)
    const lastEntry = seg.offsetIndex.lastEntry()
    seg.maxTimestampSoFar = seg.timeIndex.lastEntry()?.timestamp ?? -1
    seg.offsetOfMaxTimestampSoFar = seg.timeIndex.lastEntry()?.offset ?? -1
    const found = walkTo(seg, lastEntry?.position ?? 0, lastEntry !== null, expected)
    if (found >= 0) {
      position = found
    } else {
      say(`recovery point ${expected} is not a batch boundary in ${seg.logPath}: validating the whole segment`)
      expected = seg.baseOffset
      report.recoveredFrom = expected
      seg.resetIndexes()
    }
  } else {
    seg.resetIndexes()
    expected = seg.baseOffset
    report.recoveredFrom = Math.min(report.recoveredFrom, expected)
  }

  // Deep validation from (k, position) to the very end.
  const checked = validateFrom(segments, k, position, expected)
  const stop = checked.stop
  expected = checked.expected
  if (stop === null) return {segments, logEndOffset: expected, firstRecovered: k}

  const bad = segments[stop.segment]!
  const resume = nextIntactBatch(segments, stop)
  if (resume !== null) {
    // Quarantine: nothing is modified. The valid data after the damage is validated too (and indexed, in
    // memory), so reads below the damage and past it are served; only the damage itself is refused.
    const quarantined: Quarantine = {file: bad.logPath, position: stop.position, problem: stop.problem, offset: expected, resume: null}
    report.quarantined = quarantined
    const seg = segments[resume.segment]!
    const first = seg.batchAt(resume.position)
    say(
      `${bad.logPath}: ${stop.problem} at byte ${stop.position}, with a valid batch after it (byte ${resume.position} of ${seg.logPath}): ` +
        'partition quarantined (offline), nothing truncated',
    )
    if (first === null || first.baseOffset <= expected) return {segments, logEndOffset: expected, firstRecovered: k}
    if (resume.segment !== stop.segment) seg.resetIndexes()
    const after = validateFrom(segments, resume.segment, resume.position, first.baseOffset)
    quarantined.resume = {file: seg.logPath, position: resume.position, offset: first.baseOffset}
    say(`offsets ${expected} to ${first.baseOffset - 1} are unreadable; offsets ${first.baseOffset} to ${after.expected - 1} after them are served`)
    if (after.stop !== null) {
      const s = segments[after.stop.segment]!
      say(`${s.logPath}: ${after.stop.problem} at byte ${after.stop.position}: the log is served up to offset ${after.expected}`)
    }
    return {segments, logEndOffset: after.expected, firstRecovered: k}
  }
  // A torn tail. A bad batch: cut its segment there. A segment based at the wrong offset (and holding
  // nothing valid): it goes whole. Either way every later segment holds no valid batch and goes too.
  let keep = stop.segment + 1
  if (stop.badBatch) {
    const cut = bad.size - stop.position
    truncateFile(bad, stop.position)
    report.truncatedBytes += cut
    say(`${bad.logPath}: ${stop.problem} at byte ${stop.position}; torn tail: truncated ${cut} bytes`)
  } else {
    say(`${bad.logPath}: ${stop.problem}`)
    keep = stop.segment
  }
  for (let i = segments.length - 1; i >= keep; i--) {
    const s = segments[i]!
    report.truncatedBytes += s.size
    say(`${s.logPath}: no valid batch after the torn tail; deleted (${s.size} bytes)`)
    s.deleteFiles()
  }
  const kept = segments.slice(0, keep)
  kept[kept.length - 1]!.openFile()
  return {segments: kept, logEndOffset: expected, firstRecovered: k}
}

/** Walks headers from `from` to the batch starting at `target`; its position, or -1 if not found. */
function walkTo(seg: LogSegment, from: number, resume: boolean, target: number): number {
  const scanner = new BatchScanner(seg.logFile(), from, seg.size)
  let first = resume
  for (;;) {
    const b = scanner.peek()
    if (b === null) return -1
    if (isProblem(b)) return -1
    if (b.baseOffset === target) return b.position
    if (b.baseOffset > target) return -1
    seg.indexBatch(b.position, b.size, b.lastOffset, b.maxTimestamp, first)
    first = false
    scanner.advance()
  }
}

function truncateFile(seg: LogSegment, size: number): void {
  const file = seg.logFile()
  try {
    file.truncate(size)
    file.datasync()
  } catch (err) {
    throw storageError(seg.logPath, `truncating the torn tail to ${size} bytes failed`, err)
  }
  seg.size = size
}

/**
 * Deep-validates batches from segment `start`, byte `position` (its indexes ready to extend), expecting
 * base offset `expected`; later segments must start at the offset expected and get fresh indexes. Every
 * batch that passes is indexed. Returns the first problem (null: none to the end) and the next offset.
 */
function validateFrom(segments: LogSegment[], start: number, position: number, expected: number): {stop: Stop | null; expected: number} {
  for (let i = start; i < segments.length; i++) {
    const s = segments[i]!
    if (i > start) {
      s.resetIndexes()
      if (s.baseOffset !== expected) {
        return {stop: {segment: i, position: 0, problem: `segment base offset ${s.baseOffset}, expected ${expected}`, badBatch: false}, expected}
      }
    }
    const scanner = new BatchScanner(s.logFile(), i > start ? 0 : position, s.size)
    for (;;) {
      const b = scanner.peek()
      if (b === null) break
      if (isProblem(b)) return {stop: {segment: i, position: b.position, problem: b.problem, badBatch: true}, expected}
      const body = scanner.body()
      const problem = validateBatch(body.buf, body.at, body.at + b.size, {
        deep: true,
        maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
        expectedBaseOffset: expected,
      })
      if (problem !== null) return {stop: {segment: i, position: b.position, problem, badBatch: true}, expected}
      s.indexBatch(b.position, b.size, b.lastOffset, b.maxTimestamp)
      expected = b.lastOffset + 1
      scanner.advance()
    }
  }
  return {stop: null, expected}
}

/** The first intact batch (frame and CRC) after a stop, in its segment or a later one, or null. */
function nextIntactBatch(segments: LogSegment[], stop: Stop): {segment: number; position: number} | null {
  const bad = segments[stop.segment]!
  const at = findNextValidBatch(bad.logFile(), stop.badBatch ? stop.position + 1 : stop.position, bad.size)
  if (at >= 0) return {segment: stop.segment, position: at}
  for (let i = stop.segment + 1; i < segments.length; i++) {
    const s = segments[i]!
    if (s.size === 0) continue
    const found = findNextValidBatch(s.logFile(), 0, s.size)
    if (found >= 0) return {segment: i, position: found}
  }
  return null
}
