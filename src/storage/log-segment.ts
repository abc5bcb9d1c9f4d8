// One segment: a `.log` file of RecordBatch v2 batches plus its `.index` and `.timeindex` (Kafka's
// LogSegment). File names and layouts: file-names.ts, offset-index.ts, time-index.ts. What readers are
// served from it (CRC-checked fetch reads, timestamp lookups): segment-read.ts.
//
// .log layout: batches back to back from byte 0, exactly as received, baseOffset rewritten; the first
// batch's baseOffset is the segment's baseOffset (its name), or above it in a cleaned segment; offsets
// strictly increase (contiguous in segments we append to, with gaps in a cleaned segment).
// Invariants: `size` is the end of the last whole batch, the only place the next append goes;
// maxTimestampSoFar / offsetOfMaxTimestampSoFar / bytesSinceLastIndexEntry describe batches [0, size)
// (they drive the sparse index exactly as Kafka's LogSegment.append does, so a rebuilt index equals the
// one written while appending). Indexes of closed segments are loaded lazily and rebuilt from the log
// when they fail a sanity check; the active segment's indexes are set up by the loader or by create().
// The file paths always name the files as they are on disk: a segment swap (segment-swap.ts) renames
// them one at a time (`.cleaned` → `.swap` → final, final → `.deleted`) and each path follows its rename.
// Owner: the partition's worker thread, through PartitionLog; no threads or timers here.

import {SamsaError} from '../errors.js'
import {BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD, MAX_TIMESTAMP_POS, readInt64} from '../format/batch-header.js'
import {BatchScanner, isProblem, type ScannedBatch, type ScanProblem} from './batch-scanner.js'
import {datasyncOrThrow, type FileIo, type StorageFile, storageError, writeFully} from './file-io.js'
import {logFileName, offsetIndexFileName, replaceSuffix, type SegmentFileSuffix, timeIndexFileName} from './file-names.js'
import {OffsetIndex} from './offset-index.js'
import {TimeIndex} from './time-index.js'

export interface SegmentOptions {
  dir: string
  baseOffset: number
  io: FileIo
  indexIntervalBytes: number
  /** Diagnostics (index rebuilt, …). */
  log: (line: string) => void
  /** The files' swap suffix: '.cleaned' for a replacement segment the cleaner writes; default '' (final names). */
  suffix?: SegmentFileSuffix
}

/** One read window per thread for offset lookups (storage is single-threaded per worker). */
export const LOOKUP_WINDOW = Buffer.allocUnsafe(16 * 1024)

export class LogSegment {
  readonly baseOffset: number
  readonly io: FileIo
  size = 0
  indexIntervalBytes: number
  maxTimestampSoFar = -1
  offsetOfMaxTimestampSoFar = -1
  bytesSinceLastIndexEntry = 0
  /** When segment.ms counts from: first append in this process, or the first batch's timestamp (≤ now). */
  rollingBasedTimestamp: number | null = null
  /**
   * [0, verifiedTo) holds only batches checked in this process: validated on produce before the append
   * (markAppended), or CRC-checked by a read (segment-read.ts raises it). Reads skip the CRC there: each
   * byte is checked once, not on every fetch. Damage at rest is what reads look for; the consumer checks
   * CRCs again anyway.
   */
  verifiedTo = 0
  private file: StorageFile | null = null
  private offsetIdx: OffsetIndex | null = null
  private timeIdx: TimeIndex | null = null
  private readonly log: (line: string) => void
  private paths: {log: string; index: string; timeindex: string}
  private fileSuffix: SegmentFileSuffix

  constructor(options: SegmentOptions) {
    this.baseOffset = options.baseOffset
    this.io = options.io
    this.indexIntervalBytes = options.indexIntervalBytes
    this.log = options.log
    this.fileSuffix = options.suffix ?? ''
    this.paths = {
      log: logFileName(options.dir, options.baseOffset) + this.fileSuffix,
      index: offsetIndexFileName(options.dir, options.baseOffset) + this.fileSuffix,
      timeindex: timeIndexFileName(options.dir, options.baseOffset) + this.fileSuffix,
    }
  }

  get logPath(): string {
    return this.paths.log
  }

  get offsetIdxPath(): string {
    return this.paths.index
  }

  get timeIdxPath(): string {
    return this.paths.timeindex
  }

  /** The suffix the files carry now ('' once they have their final names). */
  get suffix(): SegmentFileSuffix {
    return this.fileSuffix
  }

  /**
   * Renames the segment's files from suffix `from` to `to` (Kafka's changeFileSuffixes): the .log, then
   * its indexes. Each path follows its own rename, so after a failure half way the paths still name the
   * files as they are; open handles stay valid.
   */
  changeFileSuffixes(from: SegmentFileSuffix, to: SegmentFileSuffix): void {
    if (from !== this.fileSuffix) throw new Error(`${this.logPath}: suffix is '${this.fileSuffix}', not '${from}'`)
    for (const kind of ['log', 'index', 'timeindex'] as const) {
      const path = this.paths[kind]
      const next = replaceSuffix(path, from, to)
      // a missing index is not an error: it is rebuilt from the log, under the new name
      if (kind === 'log' || this.io.stat(path) !== null) this.io.rename(path, next)
      this.paths[kind] = next
      if (kind === 'index') this.offsetIdx?.movedTo(next)
      if (kind === 'timeindex') this.timeIdx?.movedTo(next)
    }
    this.fileSuffix = to
  }

  /** Opens the .log (created if missing) and takes its current size. */
  openFile(): this {
    this.size = this.logFile().size()
    return this
  }

  /** Takes the .log's size without opening it (closed segments open lazily, on first read). */
  statSize(): this {
    this.size = this.io.stat(this.logPath)?.size ?? 0
    return this
  }

  logFile(): StorageFile {
    if (this.file === null) {
      try {
        this.file = this.io.open(this.logPath, 'write')
      } catch (err) {
        throw storageError(this.logPath, 'open failed', err)
      }
    }
    return this.file
  }

  // ---- indexes ---------------------------------------------------------------------------------

  get offsetIndex(): OffsetIndex {
    if (this.offsetIdx === null) this.loadIndexes()
    return this.offsetIdx!
  }

  get timeIndex(): TimeIndex {
    if (this.timeIdx === null) this.loadIndexes()
    return this.timeIdx!
  }

  get indexesLoaded(): boolean {
    return this.offsetIdx !== null
  }

  /** Fresh, empty indexes (a new segment, or before a full rebuild by the loader). */
  resetIndexes(): void {
    this.offsetIdx ??= new OffsetIndex(this.offsetIdxPath, this.baseOffset, this.io)
    this.timeIdx ??= new TimeIndex(this.timeIdxPath, this.baseOffset, this.io)
    this.offsetIdx.reset()
    this.timeIdx.reset()
    this.maxTimestampSoFar = -1
    this.offsetOfMaxTimestampSoFar = -1
    this.bytesSinceLastIndexEntry = 0
  }

  /** A brand-new segment: empty indexes, and their (empty) files created now, so every .log has both. */
  createIndexes(): void {
    this.resetIndexes()
    this.offsetIdx!.writePending()
    this.timeIdx!.writePending()
  }

  /**
   * Reads both index files and sanity-checks them against the log: entries in order, inside the file,
   * the last offset entry on a batch holding its offset; a non-empty closed segment has ≥ 1 time entry.
   * Returns the problem (indexes then left empty for the caller to rebuild) or null.
   */
  readIndexes(closed = false): string | null {
    this.offsetIdx?.close()
    this.timeIdx?.close()
    const oi = new OffsetIndex(this.offsetIdxPath, this.baseOffset, this.io)
    const ti = new TimeIndex(this.timeIdxPath, this.baseOffset, this.io)
    this.offsetIdx = oi
    this.timeIdx = ti
    this.maxTimestampSoFar = -1
    this.offsetOfMaxTimestampSoFar = -1
    this.bytesSinceLastIndexEntry = 0
    let problem = this.checkIndexFiles(oi, ti)
    if (problem === null && closed && this.size > 0 && ti.entries === 0) problem = `${this.timeIdxPath}: no entries for a closed segment`
    if (problem !== null) {
      oi.reset()
      ti.reset()
      return problem
    }
    const lastTime = ti.lastEntry()
    if (lastTime) {
      this.maxTimestampSoFar = lastTime.timestamp
      this.offsetOfMaxTimestampSoFar = lastTime.offset
    }
    return null
  }

  private checkIndexFiles(oi: OffsetIndex, ti: TimeIndex): string | null {
    const obytes = this.io.readFile(this.offsetIdxPath)
    const tbytes = this.io.readFile(this.timeIdxPath)
    if (this.size === 0) return null // nothing to index: whatever the files hold is rewritten
    if (obytes === null) return `${this.offsetIdxPath}: missing`
    if (tbytes === null) return `${this.timeIdxPath}: missing`
    const op = oi.loadFrom(obytes)
    if (op !== null) return `${this.offsetIdxPath}: ${op}`
    const tp = ti.loadFrom(tbytes)
    if (tp !== null) return `${this.timeIdxPath}: ${tp}`
    const last = oi.lastEntry()
    if (last !== null) {
      if (last.position >= this.size) return `${this.offsetIdxPath}: last entry points to byte ${last.position}, beyond the log's ${this.size} bytes`
      const b = this.batchAt(last.position)
      if (b === null || b.baseOffset > last.offset || b.lastOffset < last.offset) {
        return `${this.offsetIdxPath}: last entry (offset ${last.offset}, byte ${last.position}) is not on a batch holding that offset`
      }
    }
    const lastTime = ti.lastEntry()
    if (lastTime !== null && lastTime.offset < this.baseOffset) return `${this.timeIdxPath}: offset before the segment`
    return null
  }

  /** Lazy load for a closed segment: read and check, else rebuild from the log and rewrite the files. */
  private loadIndexes(): void {
    const problem = this.readIndexes(true)
    if (problem === null) return
    this.log(`${problem}; rebuilding the segment's indexes from the log`)
    const walked = this.rebuildIndexes(0, false, this.baseOffset)
    if (walked.problem !== null) this.log(`${this.logPath}: ${walked.problem} at byte ${walked.position} while rebuilding its index`)
    // a closed segment: its final time entry (what retention.ms compares with), as roll would have written
    if (this.maxTimestampSoFar >= 0) this.timeIdx!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar)
    this.writeIndexesQuietly()
    this.offsetIdx!.close()
    this.timeIdx!.close()
  }

  /**
   * Re-derives index entries from batches at [from, size) (headers only); entries before `from` stay.
   * Stops at the first frame problem or offset out of order: with `contiguous`, a batch not starting at
   * the previous batch's last offset + 1 (or at `expected`, when ≥ 0, for the first one); otherwise (a
   * segment the cleaner may have rewritten, with gaps) a batch starting below that. nextOffset: after the
   * last batch walked, or -1 when none was.
   */
  rebuildIndexes(from: number, resumeAtIndexedBatch = false, expected = -1, contiguous = false): {position: number; problem: string | null; nextOffset: number} {
    if (this.offsetIdx === null) this.resetIndexes()
    const scanner = new BatchScanner(this.logFile(), from, this.size)
    let first = resumeAtIndexedBatch
    let nextOffset = -1
    for (;;) {
      const b = scanner.peek()
      if (b === null) return {position: scanner.position, problem: null, nextOffset}
      if (isProblem(b)) return {...b, nextOffset}
      const want = nextOffset >= 0 ? nextOffset : expected
      if (want >= 0 && (contiguous ? b.baseOffset !== want : b.baseOffset < want)) {
        return {position: b.position, problem: contiguous ? `base offset ${b.baseOffset}, expected ${want}` : `base offset ${b.baseOffset} is below ${want}: offsets must increase`, nextOffset}
      }
      this.indexBatch(b.position, b.size, b.lastOffset, b.maxTimestamp, first)
      nextOffset = b.lastOffset + 1
      first = false
      scanner.advance()
    }
  }

  /**
   * Index bookkeeping for a batch at `position` (Kafka's LogSegment.append): raise the max timestamp,
   * and every index.interval.bytes add an offset entry (the batch's last offset → its position) and a
   * time entry (max timestamp so far → its offset). `alreadyIndexed`: the batch's entry exists (resuming).
   */
  indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number, alreadyIndexed = false): void {
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp
      this.offsetOfMaxTimestampSoFar = lastOffset
    }
    if (alreadyIndexed) {
      this.bytesSinceLastIndexEntry = 0
    } else if (this.bytesSinceLastIndexEntry >= this.indexIntervalBytes) {
      this.offsetIdx!.append(lastOffset, position)
      this.timeIdx!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar)
      this.bytesSinceLastIndexEntry = 0
    }
    this.bytesSinceLastIndexEntry += size
  }

  /** Largest record timestamp in the segment (-1 when none; retention then uses lastModified). */
  get largestTimestamp(): number {
    if (this.offsetIdx === null) this.loadIndexes()
    return this.maxTimestampSoFar
  }

  get lastModified(): number {
    return this.io.stat(this.logPath)?.mtimeMs ?? 0
  }

  // ---- append ----------------------------------------------------------------------------------

  /** Writes buf[start, start+length) at the end; on failure cuts the file back and throws STORAGE_ERROR. */
  write(buf: Buffer, start: number, length: number): void {
    const file = this.logFile()
    try {
      writeFully(file, buf, start, length, this.size)
    } catch (err) {
      this.cutBackAfterFailure()
      throw err
    }
  }

  /**
   * Kafka's LogSegment.append: writes the stamped batches buf[start, end) at the end (one write syscall)
   * and indexes them; for LogAppendTime, `logAppendTime` ≥ 0 is the time they carry. The batches were
   * validated before (produce, or the cleaner that built them), so they count as verified. Returns the
   * offset after the last one. A failed write cuts the file back and throws STORAGE_ERROR.
   */
  append(buf: Buffer, start: number, end: number, logAppendTime = -1): number {
    const position = this.size
    this.write(buf, start, end - start)
    this.size += end - start
    this.markAppended(position)
    let next = -1
    for (let p = start; p < end; ) {
      const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
      const lastOffset = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA_POS)
      this.indexBatch(position + p - start, size, lastOffset, logAppendTime >= 0 ? logAppendTime : readInt64(buf, p + MAX_TIMESTAMP_POS))
      next = lastOffset + 1
      p += size
    }
    return next
  }

  /** Batches just appended at [from, size), validated before the write: known good when contiguous. */
  markAppended(from: number): void {
    if (this.verifiedTo === from) this.verifiedTo = this.size
  }

  /** Best-effort: truncate the file to `size`, the end of the last good batch. */
  cutBackAfterFailure(): void {
    this.verifiedTo = Math.min(this.verifiedTo, this.size)
    try {
      this.logFile().truncate(this.size)
    } catch (err) {
      this.log(`${this.logPath}: could not truncate back to ${this.size} bytes after a failed write (${String(err)}); recovery will`)
    }
  }

  // ---- lookups (what readers are served: segment-read.ts) ---------------------------------------

  /** The batch whose header starts at `position` (headers only), or null if there is none. */
  batchAt(position: number): ScannedBatch | null {
    const scanner = new BatchScanner(this.logFile(), position, this.size, LOOKUP_WINDOW)
    const b = scanner.peek()
    return b === null || isProblem(b) ? null : {...b}
  }

  /** The first batch with lastOffset ≥ target, or null when every batch here ends below it. */
  translateOffset(target: number): ScannedBatch | null {
    const b = this.seek(target, target <= this.baseOffset ? 0 : this.offsetIndex.lookup(target).position, this.size)
    if (isProblem(b)) throw corruptLog(this.logPath, b.position, b.problem)
    return b
  }

  /** From batch boundary `from`: the first batch with lastOffset ≥ target, a frame problem before it, or null. */
  seek(target: number, from: number, limit: number): ScannedBatch | ScanProblem | null {
    const scanner = new BatchScanner(this.logFile(), from, limit, LOOKUP_WINDOW)
    for (;;) {
      const b = scanner.peek()
      if (b === null) return null
      if (isProblem(b) || b.lastOffset >= target) return {...b}
      scanner.advance()
    }
  }

  /**
   * The offset after the last batch (Kafka's readNextOffset), the base offset when empty: headers only,
   * from the last offset-index entry on. CORRUPT_LOG when a frame on the way is broken.
   */
  readNextOffset(): number {
    if (this.size === 0) return this.baseOffset
    const scanner = new BatchScanner(this.logFile(), this.offsetIndex.lastEntry()?.position ?? 0, this.size, LOOKUP_WINDOW)
    let next = this.baseOffset
    for (;;) {
      const b = scanner.peek()
      if (b === null) return next
      if (isProblem(b)) throw corruptLog(this.logPath, b.position, b.problem)
      next = b.lastOffset + 1
      scanner.advance()
    }
  }

  // ---- truncation, flush, close ----------------------------------------------------------------

  /**
   * Removes the batch holding `offset` and everything after it (a batch is never split, as in Kafka).
   * Returns the bytes removed and the segment's next offset afterwards.
   */
  truncateTo(offset: number): {removed: number; nextOffset: number} {
    const b = offset <= this.baseOffset ? this.batchAt(0) : this.translateOffset(offset)
    if (b === null) return {removed: 0, nextOffset: -1}
    return {removed: this.cutAt(b.position, b.baseOffset), nextOffset: b.baseOffset}
  }

  /**
   * Cuts the .log at `position`, a batch boundary whose batch starts at offset `nextOffset`, durably, and
   * drops the index entries at or beyond it. Returns the bytes removed.
   */
  cutAt(position: number, nextOffset: number): number {
    const removed = this.size - position
    const file = this.logFile()
    try {
      file.truncate(position)
    } catch (err) {
      throw storageError(this.logPath, `truncate to ${position} bytes failed`, err)
    }
    // make the cut durable, or a power loss could resurrect batches whose offsets get reused
    datasyncOrThrow(file)
    this.size = position
    this.verifiedTo = Math.min(this.verifiedTo, position)
    this.offsetIndex.truncateToPosition(position)
    this.timeIndex.truncateTo(nextOffset)
    this.resumeIndexState()
    return removed
  }

  /** Recomputes max timestamp and bytes since the last entry from the last offset-index entry on. */
  resumeIndexState(): void {
    const lastTime = this.timeIndex.lastEntry()
    this.maxTimestampSoFar = lastTime?.timestamp ?? -1
    this.offsetOfMaxTimestampSoFar = lastTime?.offset ?? -1
    this.bytesSinceLastIndexEntry = 0
    const last = this.offsetIndex.lastEntry()
    this.rebuildIndexes(last?.position ?? 0, last !== null)
    if (this.size === 0) this.rollingBasedTimestamp = null
  }

  /** Writes pending index entries and fdatasyncs the .log (not the indexes: they are rebuilt). */
  flush(): void {
    this.offsetIdx?.writePending()
    this.timeIdx?.writePending()
    if (this.file !== null) datasyncOrThrow(this.file)
  }

  /** On roll and close: the final time entry, then everything written and fdatasynced. */
  onBecomeInactive(): void {
    if (this.maxTimestampSoFar >= 0 && this.timeIdx !== null) {
      this.timeIdx.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar)
    }
    this.offsetIdx?.sync()
    this.timeIdx?.sync()
    if (this.file !== null) datasyncOrThrow(this.file)
  }

  /** Writes pending index entries, quietly (indexes are a cache: a failed write costs a rebuild). */
  writeIndexesQuietly(): void {
    try {
      this.offsetIdx?.writePending()
      this.timeIdx?.writePending()
    } catch (err) {
      this.log(`could not write the indexes of ${this.logPath}: ${String(err)}`)
    }
  }

  /** Closes every file handle; nothing is written. */
  close(): void {
    this.offsetIdx?.close()
    this.timeIdx?.close()
    if (this.file !== null) {
      const f = this.file
      this.file = null
      try {
        f.close()
      } catch {
        // closing a file we are done with cannot lose anything that fsync has not already reported
      }
    }
  }

  /** Closes and removes the .log, .index and .timeindex files. */
  deleteFiles(): void {
    this.close()
    this.io.unlink(this.logPath)
    this.io.unlink(this.offsetIdxPath)
    this.io.unlink(this.timeIdxPath)
  }
}

export function corruptLog(file: string, position: number, problem: string): SamsaError {
  return new SamsaError('CORRUPT_LOG', `${file}: ${problem} at byte ${position}`)
}
