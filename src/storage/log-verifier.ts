// The offline checker behind `samsa log verify` and the batch iterator behind `samsa log dump` (like
// kafka-dump-log --deep-iteration). Read-only: files are opened for reading, nothing is ever written,
// truncated, renamed or deleted — it works on a live daemon's directory, a backup, or Kafka's own files.
//
// What is checked (layouts: file-names.ts, offset-index.ts, time-index.ts):
// - every batch: frame (length, magic 2, fits the file), CRC-32C, records structure, LZ4/gzip frames
//   (validateBatch deep); a frame that cannot be walked is reported and the walk resynchronises at the
//   next intact batch, reporting the bytes skipped (a torn tail is one such problem at the end);
// - offsets: each batch starts after the previous one's last offset, across batches and segments, and
//   not below the segment's name. A GAP is fine: Kafka's compacted logs have them. Going backwards or
//   overlapping is a problem;
// - .index: entries in order, each at a batch boundary whose batch holds the entry's offset (Kafka writes
//   the batch's last offset; any offset inside the batch is accepted), none past the end;
// - .timeindex: timestamps strictly increasing, offsets non-decreasing, each offset inside a batch whose
//   maxTimestamp equals the entry's timestamp;
// - a trailing run of all-zero index entries is ignored: Kafka preallocates index files while active.
// - per directory: checkpoints readable, recovery point and log start offset within the log, no orphan
//   index files.
// Problem.position is a byte position in `file`, or -1 when the problem concerns the whole file.
// Owner: the CLI process (no daemon needed); synchronous.

import {basename, join} from 'node:path'
import {SamsaError} from '../errors.js'
import {type BatchHeader, readBatchHeader} from '../format/batch-header.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {validateBatch} from '../format/validate-batch.js'
import {BatchScanner, findNextValidBatch, isProblem} from './batch-scanner.js'
import {readOffsetCheckpoint} from './checkpoint.js'
import {type FileIo, nodeFileIo, type StorageFile} from './file-io.js'
import {
  LOG_START_OFFSET_CHECKPOINT,
  LOG_SUFFIX,
  parsePartitionDirName,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
} from './file-names.js'
import {IndexChecker, type Problem, TimeIndexChecker} from './index-checker.js'

export type {Problem} from './index-checker.js'

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
  problems: Problem[]
  /** First batch's base offset, or -1 when the segment holds none. */
  firstOffset: number
  /** Last batch's last offset + 1, or -1. */
  nextOffset: number
}

/** Checks one .log file and its .index/.timeindex beside it. */
export function verifySegmentFile(logPath: string, io: FileIo = nodeFileIo): Problem[] {
  return verifySegment(logPath, io).problems
}

function verifySegment(logPath: string, io: FileIo): SegmentSummary {
  const problems: Problem[] = []
  const report = (position: number, problem: string): void => {
    problems.push({file: logPath, position, problem})
  }
  const named = parseSegmentFileName(basename(logPath))
  const segmentBase = named?.kind === 'log' ? named.baseOffset : null
  let file: StorageFile
  try {
    file = io.open(logPath, 'read')
  } catch (err) {
    return {problems: [{file: logPath, position: -1, problem: `cannot open: ${(err as Error).message}`}], firstOffset: -1, nextOffset: -1}
  }
  const indexPath = logPath.slice(0, -LOG_SUFFIX.length) + '.index'
  const timeIndexPath = logPath.slice(0, -LOG_SUFFIX.length) + '.timeindex'
  const base = segmentBase ?? 0
  const offsetIdx = segmentBase === null ? null : IndexChecker.load(indexPath, base, io, problems)
  const timeIdx = segmentBase === null ? null : TimeIndexChecker.load(timeIndexPath, base, io, problems)
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
          report(b.position, `torn tail: ${size - b.position} bytes at the end are not a whole batch (${b.problem})`)
          break
        }
        report(b.position, `${b.problem}; skipped ${resume - b.position} bytes to the next intact batch`)
        scanner.position = resume
        continue
      }
      const body = scanner.body()
      const problem = validateBatch(body.buf, body.at, body.at + b.size, {deep: true, maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES})
      if (problem !== null) report(b.position, problem)
      if (segmentBase !== null && b.baseOffset < segmentBase) {
        report(b.position, `base offset ${b.baseOffset} is below the segment's base offset ${segmentBase}`)
      } else if (segmentBase !== null && b.lastOffset - segmentBase > 0x7fffffff) {
        report(b.position, `last offset ${b.lastOffset} is too far from the segment's base offset ${segmentBase} for a 32-bit relative offset`)
      }
      if (nextOffset >= 0 && b.baseOffset < nextOffset) {
        report(b.position, `offsets go backwards: base offset ${b.baseOffset}, but the previous batch ended at ${nextOffset - 1}`)
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
    report(-1, `read failed: ${(err as Error).message}`)
  } finally {
    file.close()
  }
  problems.sort((a, b) => (a.file === b.file ? a.position - b.position : a.file < b.file ? -1 : 1))
  return {problems, firstOffset, nextOffset}
}

/** Checks every segment of a partition directory, offsets across segments, and its checkpoints. */
export function verifyPartitionDir(dir: string, io: FileIo = nodeFileIo): Problem[] {
  const problems: Problem[] = []
  let names: string[]
  try {
    names = io.readdir(dir).sort()
  } catch (err) {
    return [{file: dir, position: -1, problem: `cannot read directory: ${(err as Error).message}`}]
  }
  const logs = new Set<number>()
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed?.kind === 'log') logs.add(parsed.baseOffset)
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed && parsed.kind !== 'log' && !logs.has(parsed.baseOffset)) {
      problems.push({file: join(dir, name), position: -1, problem: 'index file without its .log (an orphan)'})
    }
  }
  let previousNext = -1
  let previousFile = ''
  let firstOffset = -1
  for (const base of [...logs].sort((a, b) => a - b)) {
    const path = join(dir, names.find((n) => parseSegmentFileName(n)?.baseOffset === base && n.endsWith(LOG_SUFFIX))!)
    const s = verifySegment(path, io)
    problems.push(...s.problems)
    if (firstOffset < 0) firstOffset = s.firstOffset >= 0 ? s.firstOffset : base
    if (s.firstOffset >= 0 && previousNext >= 0 && s.firstOffset < previousNext) {
      problems.push({file: path, position: 0, problem: `offsets go backwards across segments: ${basename(previousFile)} ends at ${previousNext - 1}, this one starts at ${s.firstOffset}`})
    }
    if (base < previousNext) {
      problems.push({file: path, position: -1, problem: `segment base offset ${base} overlaps ${basename(previousFile)}, which ends at ${previousNext - 1}`})
    }
    if (s.nextOffset >= 0) previousNext = Math.max(previousNext, s.nextOffset)
    previousFile = path
  }
  const logEnd = previousNext >= 0 ? previousNext : firstOffset
  for (const name of [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT]) {
    const c = readOffsetCheckpoint(join(dir, name), io)
    if (c.status === 'unreadable') {
      problems.push({file: join(dir, name), position: -1, problem: `unreadable checkpoint (${c.reason}); a daemon would recover from the start`})
    } else if (c.status === 'ok' && logs.size > 0 && c.offset > logEnd) {
      problems.push({file: join(dir, name), position: -1, problem: `checkpoint offset ${c.offset} is beyond the log end ${logEnd}`})
    }
  }
  return problems
}

/** Every partition directory (`<topic>-<n>`) under a data directory; other entries are skipped. */
export function verifyDataDir(dir: string, io: FileIo = nodeFileIo): Problem[] {
  let names: string[]
  try {
    names = io.readdir(dir).sort()
  } catch (err) {
    return [{file: dir, position: -1, problem: `cannot read directory: ${(err as Error).message}`}]
  }
  const problems: Problem[] = []
  for (const name of names) {
    if (parsePartitionDirName(name) === null) continue
    const path = join(dir, name)
    if (io.stat(path)?.isDirectory !== true) continue
    problems.push(...verifyPartitionDir(path, io))
  }
  return problems
}

/** "file:position: problem" — one line per problem, as `samsa log verify` prints them. */
export function formatProblem(p: Problem): string {
  return p.position >= 0 ? `${p.file}:${p.position}: ${p.problem}` : `${p.file}: ${p.problem}`
}
