// The offline checker behind `samsa log verify` and the batch iterator behind `samsa log dump` (like
// kafka-dump-log --deep-iteration). Read-only: files are opened for reading, nothing is ever written,
// truncated, renamed or deleted — it works on a live daemon's directory, a backup, or Kafka's own files.
//
// What a path is (verifyPath) comes from Kafka's layout (file-names.ts), never from a file suffix: a data
// directory holds daemon.log, and taking it for a partition once made verify check nothing.
// - a segment: a file named `<20-digit base offset>.log`;
// - a partition directory: named `<topic>-<partition>` and holding segment files or checkpoints;
// - a data directory: holds the daemon's entries (catalog.json, daemon.log, run/) or a partition
//   directory, or nothing (a fresh one: the report says 0 partitions were checked);
// - anything else is INVALID_INPUT: checking it would check nothing, and must not look like success.
// Every report counts what it checked (partitions, segments, batches), so a user can see work was done.
//
// Problems are damage, and fail `log verify`. Notes are what occurs without damage and a daemon repairs by
// itself: a missing .index/.timeindex (rebuilt), an index without its .log (left by a crash while a
// segment was deleted; removed), and a `<topic>-<n>` entry of a data directory that is not a directory
// (a symbolic link is neither followed nor checked, as the daemon follows none).
//
// What is checked (layouts: file-names.ts, offset-index.ts, time-index.ts):
// - every batch: frame (length, magic 2, fits the file), CRC-32C, records structure, LZ4/gzip frames
//   (validateBatch deep); a frame that cannot be walked is reported and the walk resynchronises at the
//   next intact batch, reporting the bytes skipped (a torn tail is one such problem at the end);
// - offsets: each batch starts after the previous one's last offset, across batches and segments, and
//   not below the segment's name. Going backwards or overlapping is a problem. A GAP is fine where a
//   cleaner may have left it: Kafka's compacted logs have them, and so does a samsa log once cleaned
//   (cleaner-offset.checkpoint). In a samsa partition directory that was never cleaned (it holds samsa's
//   recovery-point or log-start-offset checkpoint, and no cleaner-offset.checkpoint) the loader accepts
//   no gap, and neither does this: a batch missing from the middle, or a segment whose first batch is
//   above its name, is a problem (segment scope: by the directory the file is in);
// - .index: entries in order, each at a batch boundary whose batch holds the entry's offset (Kafka writes
//   the batch's last offset; any offset inside the batch is accepted), none past the end;
// - .timeindex: timestamps strictly increasing, offsets non-decreasing, each offset inside a batch whose
//   maxTimestamp equals the entry's timestamp;
// - a trailing run of all-zero index entries is ignored: Kafka preallocates index files while active.
// - per directory: checkpoints readable; recovery point, log start offset and the cleaner's first dirty
//   offset within the log.
// Problem.position (and Note.position) is a byte position in `file`, or -1 for the whole file.
// Owner: the CLI process (no daemon needed); synchronous.

import {basename, dirname, join} from 'node:path'
import {SamsaError} from '../errors.js'
import {type BatchHeader, readBatchHeader} from '../format/batch-header.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {validateBatch} from '../format/validate-batch.js'
import {BatchScanner, findNextValidBatch, isProblem} from './batch-scanner.js'
import {readOffsetCheckpoint} from './checkpoint.js'
import {type FileIo, nodeFileIo, type StorageFile} from './file-io.js'
import {
  CLEANER_OFFSET_CHECKPOINT,
  DATA_DIR_ENTRIES,
  isPartitionFileName,
  LOG_START_OFFSET_CHECKPOINT,
  LOG_SUFFIX,
  parsePartitionDirName,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
} from './file-names.js'
import {type Findings, IndexChecker, type Note, type Problem, TimeIndexChecker} from './index-checker.js'

export type {Note, Problem} from './index-checker.js'

export type VerifyScope = 'segment' | 'partition' | 'data-dir'

export interface VerifyReport extends Findings {
  /** How much was read: a segment is counted when opened, a batch when its frame was walked. */
  checked: {partitions: number; segments: number; batches: number}
}

export interface IteratedBatch {
  position: number
  header: BatchHeader
  /** The whole batch (a copy). */
  bytes: Buffer
}

/** Every batch of a .log file in order. Throws CORRUPT_LOG at a frame it cannot walk past. */
export function* iterateBatches(logPath: string, io: FileIo = nodeFileIo): Generator<IteratedBatch> {
  const file = io.open(logPath, 'read')
  try {
    const scanner = new BatchScanner(file, 0, file.size())
    for (;;) {
      const b = scanner.peek()
      if (b === null) return
      if (isProblem(b)) throw new SamsaError('CORRUPT_LOG', `${logPath}: ${b.problem} at byte ${b.position}`)
      const body = scanner.body()
      const bytes = Buffer.from(body.buf.subarray(body.at, body.at + b.size))
      let header: BatchHeader
      try {
        header = readBatchHeader(bytes, 0)
      } catch (err) {
        throw new SamsaError('CORRUPT_LOG', `${logPath}: ${(err as Error).message} at byte ${b.position}`)
      }
      yield {position: b.position, header, bytes}
      scanner.advance()
    }
  } finally {
    file.close()
  }
}

interface SegmentSummary {
  /** First batch's base offset, or -1 when the segment holds none. */
  firstOffset: number
  /** Last batch's last offset + 1, or -1. */
  nextOffset: number
}

/** Checks a segment file, a partition directory or a data directory: which one, `path` itself says. */
export function verifyPath(path: string, io: FileIo = nodeFileIo): VerifyReport & {scope: VerifyScope} {
  const scope = scopeOf(path, io)
  const report = scope === 'segment' ? verifySegmentFile(path, io) : scope === 'partition' ? verifyPartitionDir(path, io) : verifyDataDir(path, io)
  return {scope, ...report}
}

/** What `path` is, by the rules in the header; NOT_FOUND or INVALID_INPUT when it is none of them. */
export function scopeOf(path: string, io: FileIo = nodeFileIo): VerifyScope {
  const stat = io.stat(path)
  if (stat === null) throw new SamsaError('NOT_FOUND', `no such file or directory: ${path}`)
  if (!stat.isDirectory) {
    if (parseSegmentFileName(basename(path))?.kind === 'log') return 'segment'
    throw new SamsaError('INVALID_INPUT', `${path} is not a segment file: a segment is named by its 20-digit base offset, like 00000000000000000000.log`)
  }
  const names = readdirOrThrow(path, io)
  if (names.some(isPartitionFileName)) {
    if (parsePartitionDirName(basename(path)) !== null) return 'partition'
    throw new SamsaError('INVALID_INPUT', `${path} holds segment files but is not named <topic>-<partition>, as a partition directory is`)
  }
  if (names.length === 0 || names.some((n) => DATA_DIR_ENTRIES.has(n) || isPartitionDir(join(path, n), io))) return 'data-dir'
  throw new SamsaError(
    'INVALID_INPUT',
    `${path} is not a samsa data directory or partition directory: it holds no catalog.json, daemon.log, run/ or <topic>-<partition> directory with segments`,
  )
}

function readdirOrThrow(dir: string, io: FileIo): string[] {
  try {
    return io.readdir(dir)
  } catch (err) {
    throw new SamsaError('STORAGE_ERROR', `${dir}: cannot read directory: ${(err as Error).message}`)
  }
}

function isPartitionDir(path: string, io: FileIo): boolean {
  if (parsePartitionDirName(basename(path)) === null || io.stat(path)?.isDirectory !== true) return false
  try {
    return io.readdir(path).some(isPartitionFileName)
  } catch {
    return false
  }
}

function emptyReport(): VerifyReport {
  return {problems: [], notes: [], checked: {partitions: 0, segments: 0, batches: 0}}
}

const byPlace = (a: {file: string; position: number}, b: {file: string; position: number}): number =>
  a.file === b.file ? a.position - b.position : a.file < b.file ? -1 : 1

function sorted(report: VerifyReport): VerifyReport {
  report.problems.sort(byPlace)
  report.notes.sort(byPlace)
  return report
}

/** Checks one .log file and its .index/.timeindex beside it. */
export function verifySegmentFile(logPath: string, io: FileIo = nodeFileIo): VerifyReport {
  const report = emptyReport()
  verifySegment(logPath, io, report, gapsAllowed(dirname(logPath), io))
  return sorted(report)
}

/** Whether offsets may skip in this partition directory (see the header: the loader's rule, from its files). */
function gapsAllowed(dir: string, io: FileIo): boolean {
  const has = (name: string): boolean => io.stat(join(dir, name)) !== null
  if (has(CLEANER_OFFSET_CHECKPOINT)) return true
  return !has(RECOVERY_POINT_CHECKPOINT) && !has(LOG_START_OFFSET_CHECKPOINT) // not samsa's: Kafka's, or a copy
}

const NEVER_CLEANED = 'the log was never cleaned, so records are missing'

function verifySegment(logPath: string, io: FileIo, report: VerifyReport, allowGaps: boolean): SegmentSummary {
  const {problems} = report
  const problem = (position: number, what: string): void => {
    problems.push({file: logPath, position, problem: what})
  }
  const named = parseSegmentFileName(basename(logPath))
  const segmentBase = named?.kind === 'log' ? named.baseOffset : null
  let file: StorageFile
  try {
    file = io.open(logPath, 'read')
  } catch (err) {
    problem(-1, `cannot open: ${(err as Error).message}`)
    return {firstOffset: -1, nextOffset: -1}
  }
  report.checked.segments++
  const indexPath = logPath.slice(0, -LOG_SUFFIX.length) + '.index'
  const timeIndexPath = logPath.slice(0, -LOG_SUFFIX.length) + '.timeindex'
  const base = segmentBase ?? 0
  const offsetIdx = segmentBase === null ? null : IndexChecker.load(indexPath, base, io, report)
  const timeIdx = segmentBase === null ? null : TimeIndexChecker.load(timeIndexPath, base, io, report)
  let firstOffset = -1
  let nextOffset = -1
  try {
    const size = file.size()
    const scanner = new BatchScanner(file, 0, size)
    for (;;) {
      const b = scanner.peek()
      if (b === null) break
      if (isProblem(b)) {
        const resume = findNextValidBatch(file, b.position + 1, size)
        if (resume < 0) {
          problem(b.position, `torn tail: ${size - b.position} bytes at the end are not a whole batch (${b.problem})`)
          break
        }
        problem(b.position, `${b.problem}; skipped ${resume - b.position} bytes to the next intact batch`)
        scanner.position = resume
        continue
      }
      report.checked.batches++
      const body = scanner.body()
      const invalid = validateBatch(body.buf, body.at, body.at + b.size, {deep: true, maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES})
      if (invalid !== null) problem(b.position, invalid)
      if (segmentBase !== null && b.baseOffset < segmentBase) {
        problem(b.position, `base offset ${b.baseOffset} is below the segment's base offset ${segmentBase}`)
      } else if (segmentBase !== null && b.lastOffset - segmentBase > 0x7fffffff) {
        problem(b.position, `last offset ${b.lastOffset} is too far from the segment's base offset ${segmentBase} for a 32-bit relative offset`)
      }
      if (nextOffset >= 0 && b.baseOffset < nextOffset) {
        problem(b.position, `offsets go backwards: base offset ${b.baseOffset}, but the previous batch ended at ${nextOffset - 1}`)
      } else if (!allowGaps && nextOffset >= 0 && b.baseOffset > nextOffset) {
        problem(b.position, `offset gap: base offset ${b.baseOffset}, but the previous batch ended at ${nextOffset - 1} (${NEVER_CLEANED})`)
      } else if (!allowGaps && nextOffset < 0 && segmentBase !== null && b.baseOffset > segmentBase) {
        problem(b.position, `offset gap: the first batch starts at ${b.baseOffset}, above the segment's base offset ${segmentBase} (${NEVER_CLEANED})`)
      }
      if (firstOffset < 0) firstOffset = b.baseOffset
      nextOffset = Math.max(nextOffset, b.lastOffset + 1)
      offsetIdx?.visitBatch(b.position, b.baseOffset, b.lastOffset)
      timeIdx?.visitBatch(b.baseOffset, b.lastOffset, b.maxTimestamp)
      scanner.advance()
    }
    offsetIdx?.finish(size)
    timeIdx?.finish()
  } catch (err) {
    problem(-1, `read failed: ${(err as Error).message}`)
  } finally {
    file.close()
  }
  return {firstOffset, nextOffset}
}

/** Checks every segment of a partition directory, offsets across segments, and its checkpoints. */
export function verifyPartitionDir(dir: string, io: FileIo = nodeFileIo): VerifyReport {
  const report = emptyReport()
  verifyPartition(dir, io, report)
  return sorted(report)
}

function verifyPartition(dir: string, io: FileIo, report: VerifyReport): void {
  const {problems} = report
  let names: string[]
  try {
    names = io.readdir(dir).sort()
  } catch (err) {
    problems.push({file: dir, position: -1, problem: `cannot read directory: ${(err as Error).message}`})
    return
  }
  report.checked.partitions++
  const logs = new Map<number, string>()
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed?.kind === 'log') logs.set(parsed.baseOffset, join(dir, name))
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed && parsed.kind !== 'log' && !logs.has(parsed.baseOffset)) {
      report.notes.push({file: join(dir, name), position: -1, note: 'index file without its .log (an orphan a daemon would remove)'})
    }
  }
  const allowGaps = gapsAllowed(dir, io)
  let previousNext = -1
  let previousFile = ''
  let firstOffset = -1
  for (const [base, path] of [...logs].sort((a, b) => a[0] - b[0])) {
    const s = verifySegment(path, io, report, allowGaps)
    if (firstOffset < 0) firstOffset = s.firstOffset >= 0 ? s.firstOffset : base
    if (s.firstOffset >= 0 && previousNext >= 0 && s.firstOffset < previousNext) {
      problems.push({file: path, position: 0, problem: `offsets go backwards across segments: ${basename(previousFile)} ends at ${previousNext - 1}, this one starts at ${s.firstOffset}`})
    }
    if (base < previousNext) {
      problems.push({file: path, position: -1, problem: `segment base offset ${base} overlaps ${basename(previousFile)}, which ends at ${previousNext - 1}`})
    } else if (!allowGaps && previousNext >= 0 && base > previousNext) {
      problems.push({file: path, position: -1, problem: `offset gap: segment base offset ${base}, but ${basename(previousFile)} ends at ${previousNext - 1} (${NEVER_CLEANED})`})
    }
    if (s.nextOffset >= 0) previousNext = Math.max(previousNext, s.nextOffset)
    previousFile = path
  }
  const logEnd = previousNext >= 0 ? previousNext : firstOffset
  for (const name of [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, CLEANER_OFFSET_CHECKPOINT]) {
    const c = readOffsetCheckpoint(join(dir, name), io)
    if (c.status === 'unreadable') {
      const then = name === CLEANER_OFFSET_CHECKPOINT ? 'clean the whole log again' : 'recover from the start'
      problems.push({file: join(dir, name), position: -1, problem: `unreadable checkpoint (${c.reason}); a daemon would ${then}`})
    } else if (c.status === 'ok' && logs.size > 0 && c.offset > logEnd) {
      problems.push({file: join(dir, name), position: -1, problem: `checkpoint offset ${c.offset} is beyond the log end ${logEnd}`})
    }
  }
}

/** Every partition directory (`<topic>-<n>`) under a data directory; the daemon's own entries are skipped. */
export function verifyDataDir(dir: string, io: FileIo = nodeFileIo): VerifyReport {
  const report = emptyReport()
  let names: string[]
  try {
    names = io.readdir(dir).sort()
  } catch (err) {
    report.problems.push({file: dir, position: -1, problem: `cannot read directory: ${(err as Error).message}`})
    return report
  }
  for (const name of names) {
    if (parsePartitionDirName(name) === null) continue
    const path = join(dir, name)
    if (io.stat(path)?.isDirectory !== true) {
      report.notes.push({file: path, position: -1, note: 'named like a partition but not a directory (a symbolic link is not followed): not checked'})
      continue
    }
    verifyPartition(path, io, report)
  }
  return sorted(report)
}

/** "file:position: problem" — one line per problem, as `samsa log verify` prints them. */
export function formatProblem(p: Problem): string {
  return p.position >= 0 ? `${p.file}:${p.position}: ${p.problem}` : `${p.file}: ${p.problem}`
}

/** "file:position: note", as formatProblem. */
export function formatNote(n: Note): string {
  return formatProblem({file: n.file, position: n.position, problem: n.note})
}
