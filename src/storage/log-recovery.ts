// Re-validation after an unclean shutdown (the loader's "find the log end" pass, log-loader.ts): every
// batch from the recovery point to the end is checked deeply, then a torn tail is truncated, or damage
// with valid data after it quarantines the partition. README Guarantees, rule 3.
//
// Checks per batch: frame (length, magic, int64 offsets: batch-scanner.ts), base offset = the offset
// expected next (with `allowGaps`, for a log that may hold compacted segments: not below it — Kafka's
// rule, since the cleaner leaves gaps; a segment may then also start above where the previous ended),
// CRC-32C, records and LZ4 frames (validateBatch deep). Every batch that passes is indexed
// (the segment's indexes are rebuilt from the recovery point on, in memory; the loader writes them).
// Decisions:
// - first bad batch with nothing valid after it (torn write, zero-filled or garbage tail, a header
//   claiming 2 GiB): truncate there, delete later segments (which hold no valid batch), report file and
//   bytes.
// - bad batch WITH a valid batch after it (in the same file or a later segment): quarantine — nothing is
//   modified, the log opens offline (no writes). The data after the damage is validated as well, so the
//   log end is the end of that data; reads below and past the damage work, reads of the damage itself
//   fail (log-read.ts). A hole left by a power loss in unflushed data, followed by data that did reach
//   the disk, is also quarantined: it cannot be told from corruption, and dropping valid batches is the
//   operator's call (truncateTo).
// Owner: called once by loadLog on the partition's worker thread.

import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {validateBatch} from '../format/validate-batch.js'
import {BatchScanner, findNextValidBatch, isProblem} from './batch-scanner.js'
import {storageError} from './file-io.js'
import type {LogSegment} from './log-segment.js'
import type {Quarantine, RecoveryReport} from './partition-log-types.js'

interface Stop {
  segment: number
  position: number
  problem: string
  /** The problem is about the batch at `position` itself (else: about where a segment starts). */
  badBatch: boolean
}

/** Validates from the recovery point to the end; truncates a torn tail or quarantines. */
export function recoverSegments(
  segments: LogSegment[],
  recoveryPoint: number,
  say: (line: string) => void,
  report: RecoveryReport,
  allowGaps = false,
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
  const checked = validateFrom(segments, k, position, expected, allowGaps)
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
    const after = validateFrom(segments, resume.segment, resume.position, first.baseOffset, allowGaps)
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
 * base offset `expected` (with allowGaps: at least `expected`); later segments must start at the offset
 * expected (at least) and get fresh indexes. Every batch that passes is indexed. Returns the first
 * problem (null: none to the end) and the next offset.
 */
function validateFrom(segments: LogSegment[], start: number, position: number, expected: number, allowGaps: boolean): {stop: Stop | null; expected: number} {
  for (let i = start; i < segments.length; i++) {
    const s = segments[i]!
    if (i > start) {
      s.resetIndexes()
      if (allowGaps ? s.baseOffset < expected : s.baseOffset !== expected) {
        const problem = `segment base offset ${s.baseOffset}, expected ${allowGaps ? 'at least ' : ''}${expected}`
        return {stop: {segment: i, position: 0, problem, badBatch: false}, expected}
      }
      expected = s.baseOffset
    }
    const scanner = new BatchScanner(s.logFile(), i > start ? 0 : position, s.size)
    for (;;) {
      const b = scanner.peek()
      if (b === null) break
      if (isProblem(b)) return {stop: {segment: i, position: b.position, problem: b.problem, badBatch: true}, expected}
      const body = scanner.body()
      let problem = validateBatch(body.buf, body.at, body.at + b.size, {
        deep: true,
        maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
        expectedBaseOffset: allowGaps ? undefined : expected,
      })
      if (problem === null && b.baseOffset < expected) problem = `base offset ${b.baseOffset} is below ${expected}: offsets must increase`
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
