// Replacing segments in the middle of a log without a crash ever showing a mix: Kafka's file-suffix
// protocol (LocalLog.replaceSegments, and LogLoader's swap passes for what a crash leaves behind).
//
// The log cleaner writes each replacement segment under `.cleaned` names (createCleanedSegment), then
// replaceSegments:
//   1. makes the new segments durable (.log fdatasynced, final indexes written and synced);
//   2. renames each new segment's files `.cleaned` → `.swap`, newest first, fsyncing the directory after
//      each segment;
//   3. swaps them into the in-memory list in place of the old run (LogSegments.replace): from here on
//      reads see the after state;
//   4. renames each old segment's files final → `.deleted`, then fsyncs the directory;
//   5. renames each new segment's files `.swap` → final, oldest first, then fsyncs the directory;
//   6. unlinks the `.deleted` files.
// What the loader (recoverInterruptedSwap) does with what a crash left, per crash point:
//   - during 1–2: `.cleaned` files, maybe `.swap` files above them → the swap never completed: every
//     `.cleaned` file and every `.swap` file based at or above the lowest `.cleaned` base is deleted; the
//     old segments were not touched (the before state).
//   - during 3–4: all `.swap` files, old segments under final or `.deleted` names → the swap is finished:
//     final-named segment files based in [lowest .swap base, highest .swap next offset) are the old
//     segments not yet renamed and are deleted, each `.swap` file takes its final name (the after state).
//   - during 5: some `.swap` files left → finished the same way (the range holds no old file any more).
//   - during 6: `.deleted` files only → deleted (the after state).
// `.deleted` files go last, after any swap is finished: they are old data, kept until nothing needs them.
// Why the rules find exactly the old segments: replaceSegments checks, before renaming anything, that the
// first new segment is based where the run begins and that the new segments' offsets end above the last
// old segment's base (and below the segment after the run), so [lowest base, highest next offset) holds
// the old run's bases and no other; the descending, fsynced renames of step 2 mean a crash leaves either
// every `.swap` or a lowest segment still `.cleaned`; the fsync after step 4 means old and new segments
// never both carry final names. A `.swap` whose batches do not check out is never installed: the open
// fails (CORRUPT_LOG) with every old segment kept.
// Owner: the partition's worker thread (replaceSegments through PartitionLog; recovery in log-loader.ts).

import {join} from 'node:path'
import {SamsaError} from '../errors.js'
import {validateBatch} from '../format/validate-batch.js'
import {BatchScanner, isProblem} from './batch-scanner.js'
import {type FileIo, storageError} from './file-io.js'
import {CLEANED_SUFFIX, DELETED_SUFFIX, logFileName, offsetIndexFileName, parseSwapFileName, replaceSuffix, SWAP_SUFFIX, timeIndexFileName} from './file-names.js'
import type {LocalLog} from './local-log.js'
import type {LogSegment} from './log-segment.js'

/**
 * A new, empty replacement segment at `baseOffset` under `.cleaned` names, for the cleaner to append to
 * (LogSegment.append) and then hand to replaceSegments. A stale `.cleaned` segment there is removed first.
 * A failure (ENOSPC, EIO) throws STORAGE_ERROR and leaves the log online: none of its own files was
 * touched, and a `.cleaned` file left behind goes with the next attempt or the next open.
 */
export function createCleanedSegment(log: LocalLog, baseOffset: number): LogSegment {
  log.ensureWritable()
  try {
    for (const path of [logFileName(log.dir, baseOffset), offsetIndexFileName(log.dir, baseOffset), timeIndexFileName(log.dir, baseOffset)]) {
      log.io.unlink(path + CLEANED_SUFFIX)
    }
    return log.newSegment(baseOffset, CLEANED_SUFFIX)
  } catch (err) {
    throw err instanceof SamsaError ? err : storageError(log.dir, `cannot create the cleaned segment at offset ${baseOffset}`, err)
  }
}

/**
 * Kafka's replaceSegments: `newSegments` (under `.cleaned` names, holding what is left of the offsets of
 * `oldSegments`, a contiguous run of closed segments) take the run's place, crash-safely (see the
 * header). A request that breaks the rules is refused (INTERNAL) with nothing changed; an I/O failure
 * takes the log offline, and the next open finishes or rolls back the swap.
 */
export function replaceSegments(log: LocalLog, newSegments: LogSegment[], oldSegments: LogSegment[]): void {
  log.ensureWritable()
  const problem = log.segments.replacementProblem(newSegments, oldSegments) ?? coverageProblem(log, newSegments, oldSegments)
  if (problem !== null) {
    const run = oldSegments.map((s) => s.baseOffset).join(', ')
    throw new SamsaError('INTERNAL', `${log.dir}: cannot replace segments ${run}: ${problem}`)
  }
  const {io, dir} = log
  try {
    for (const seg of newSegments) {
      seg.onBecomeInactive()
      seg.offsetIndex.close()
      seg.timeIndex.close()
    }
    for (let i = newSegments.length - 1; i >= 0; i--) {
      newSegments[i]!.changeFileSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX)
      io.fsyncDir(dir) // newest first, each durable: a crash leaves the lowest one `.cleaned` or none
    }
    log.segments.replace(newSegments, oldSegments)
    for (const seg of oldSegments) {
      seg.close()
      seg.changeFileSuffixes('', DELETED_SUFFIX)
    }
    io.fsyncDir(dir) // no old file keeps its final name once a new one takes it
    for (const seg of newSegments) seg.changeFileSuffixes(SWAP_SUFFIX, '')
    io.fsyncDir(dir)
    for (const seg of oldSegments) seg.deleteFiles() // a crash before this: the loader deletes them
  } catch (err) {
    throw log.goOffline(err)
  }
}

/** Why recovery could not tell from the files which old segments the new ones replace (null: it can). */
function coverageProblem(log: LocalLog, newSegments: LogSegment[], oldSegments: LogSegment[]): string | null {
  const segs = log.segments.all
  const after = segs[segs.indexOf(oldSegments[oldSegments.length - 1]!) + 1]!.baseOffset
  let next = -1
  for (let i = 0; i < newSegments.length; i++) {
    const seg = newSegments[i]!
    if (seg.suffix !== CLEANED_SUFFIX) return `${seg.logPath} is not a .cleaned segment`
    const first = seg.size > 0 ? seg.batchAt(0) : null
    if (first !== null && first.baseOffset < seg.baseOffset) return `${seg.logPath} holds offset ${first.baseOffset}, below its base offset`
    next = seg.readNextOffset()
    const limit = i + 1 < newSegments.length ? newSegments[i + 1]!.baseOffset : after
    if (next > limit) return `${seg.logPath} holds offsets up to ${next - 1}, at or past ${limit}`
  }
  const lastOld = oldSegments[oldSegments.length - 1]!.baseOffset
  if (next <= lastOld) return `the new segments end below offset ${next}, not past the last old segment's base ${lastOld}`
  return null
}

export interface SwapRecoveryOptions {
  dir: string
  io: FileIo
  say: (line: string) => void
}

/**
 * The loader's pass over what an interrupted replaceSegments left (see the header): roll back a swap
 * that never completed, finish one that did, then remove `.deleted` files. Throws CORRUPT_LOG, with the
 * old segments kept, when a `.swap` segment to install does not check out.
 */
export function recoverInterruptedSwap(o: SwapRecoveryOptions): void {
  const {dir, io, say} = o
  const files = []
  for (const name of io.readdir(dir).sort()) {
    const parsed = parseSwapFileName(name)
    if (parsed !== null && parsed.suffix !== '') files.push({name, ...parsed})
  }
  if (files.length === 0) return
  let changed = false

  // a swap that never completed: its `.cleaned` files, and the `.swap` files renamed before the crash
  let minCleaned = Infinity
  for (const f of files) if (f.suffix === CLEANED_SUFFIX) minCleaned = Math.min(minCleaned, f.baseOffset)
  for (const f of files) {
    if (f.suffix === CLEANED_SUFFIX || (f.suffix === SWAP_SUFFIX && f.baseOffset >= minCleaned)) {
      io.unlink(join(dir, f.name))
      say(`removed ${f.name}: left by a segment swap that never completed (rolled back)`)
      changed = true
    }
  }

  // a swap that completed its `.swap` renames: finish it
  const swaps = files.filter((f) => f.suffix === SWAP_SUFFIX && f.baseOffset < minCleaned)
  const swapLogs = swaps.filter((f) => f.kind === 'log')
  if (swapLogs.length > 0) {
    let from = Infinity
    let to = -Infinity
    for (const f of swapLogs) {
      from = Math.min(from, f.baseOffset)
      to = Math.max(to, checkSwapLog(io, join(dir, f.name), f.baseOffset), f.baseOffset + 1)
    }
    for (const name of io.readdir(dir).sort()) {
      const parsed = parseSwapFileName(name)
      if (parsed === null || parsed.suffix !== '' || parsed.baseOffset < from || parsed.baseOffset >= to) continue
      io.unlink(join(dir, name))
      say(`deleted ${name}: replaced by the interrupted segment swap, which is being finished`)
    }
  }
  const swapLogBases = new Set(swapLogs.map((f) => f.baseOffset))
  for (const f of swaps) {
    // an index keeps its .log's company: the .log is being swapped in, or already was (step 5 renames the .log first)
    if (f.kind === 'log' || swapLogBases.has(f.baseOffset) || io.stat(logFileName(dir, f.baseOffset)) !== null) {
      io.rename(join(dir, f.name), join(dir, replaceSuffix(f.name, SWAP_SUFFIX, '')))
      say(`renamed ${f.name} to its final name: finishing an interrupted segment swap`)
    } else {
      io.unlink(join(dir, f.name))
      say(`removed ${f.name}: no segment for it`)
    }
    changed = true
  }

  // old segments of a finished swap
  for (const f of files) {
    if (f.suffix !== DELETED_SUFFIX) continue
    io.unlink(join(dir, f.name))
    say(`removed ${f.name}: replaced by a finished segment swap`)
    changed = true
  }
  if (changed) io.fsyncDir(dir)
}

/**
 * Checks every batch of a `.swap` .log (frame, CRC-32C, offsets increasing from `baseOffset`) and returns
 * the offset after its last batch; CORRUPT_LOG when one fails, since installing it would lose the old
 * segments it replaces.
 */
function checkSwapLog(io: FileIo, path: string, baseOffset: number): number {
  const file = io.open(path, 'read')
  try {
    const scanner = new BatchScanner(file, 0, file.size())
    let next = baseOffset
    for (;;) {
      const b = scanner.peek()
      if (b === null) return next
      if (isProblem(b)) throw unfinishedSwap(path, b.position, b.problem)
      const body = scanner.body()
      const problem = validateBatch(body.buf, body.at, body.at + b.size, {deep: false, maxDecompressedBytes: 0})
      if (problem !== null) throw unfinishedSwap(path, b.position, problem)
      if (b.baseOffset < next) throw unfinishedSwap(path, b.position, `base offset ${b.baseOffset} is below ${next}`)
      next = b.lastOffset + 1
      scanner.advance()
    }
  } finally {
    file.close()
  }
}

function unfinishedSwap(path: string, position: number, problem: string): SamsaError {
  return new SamsaError('CORRUPT_LOG', `${path}: ${problem} at byte ${position}: cannot finish the interrupted segment swap; no old segment was deleted`)
}
