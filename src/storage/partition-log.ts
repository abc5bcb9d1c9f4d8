// One partition's log (Kafka's UnifiedLog/LocalLog for a single replica): the API the daemon's partition
// worker calls. Directory layout and file formats: file-names.ts; recovery: log-loader.ts.
//
// State: segments sorted by baseOffset (≥ 1; the last is the active segment, the only one appended
// to); logStartOffset ≤ logEndOffset, recoveryPoint ≤ logEndOffset; highWatermark = logEndOffset (one
// replica). Reads return file bytes as they are (disk format = wire format), whole batches only.
// Invariants:
// - append assigns offsets [logEndOffset, logEndOffset + lastOffsetDelta] by rewriting baseOffset
//   (outside the CRC); one write syscall per run of batches that fits the active segment (the log rolls
//   between the batches of one call); a failed write consumes no offset of the call and leaves the files
//   cut back to where the call began; the partition then goes offline until reopened.
// - every batch below recoveryPoint has been fdatasynced; recovery-point.checkpoint holds a value ≤ it
//   (rewritten at most every checkpointIntervalMs by flush, always by roll/close/truncateTo).
// - log-start-offset.checkpoint is written (durably) before any segment below it is deleted.
// - offline (I/O failure) or quarantined (corruption found on open): appends, flush, roll, retention,
//   deleteRecordsBefore throw PARTITION_OFFLINE; reads below logEndOffset still work; close() writes
//   nothing (no marker), so the next open recovers. truncateTo may clear a quarantine (operator's call).
// - reads serve only batches that pass their frame and CRC checks. A read stops before a bad batch; a read
//   of the bad batch (or of the damage a quarantine found) throws CorruptBatchError with the next offset
//   that reads, so a reader can skip it on purpose. A quarantined log's end is the end of the valid data
//   after the damage (log-loader.ts), its damage never served.
// Owner: exactly one partition worker thread; no threads, sockets or timers here (the worker's timers
// call flush/roll/applyRetention).

import {SamsaError} from '../errors.js'
import {join} from 'node:path'
import {BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD, MAX_TIMESTAMP_POS, readInt64} from '../format/batch-header.js'
import {frameBatches, stampBatches} from './batch-stamping.js'
import {writeOffsetCheckpoint} from './checkpoint.js'
import {CorruptBatchError} from './corrupt-batch-error.js'
import {describeIoError, type FileIo, nodeFileIo, storageError} from './file-io.js'
import {CLEAN_SHUTDOWN_MARKER, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT} from './file-names.js'
import type {LogConfig} from './log-config.js'
import {loadLog, type RecoveryReport} from './log-loader.js'
import {LogSegment} from './log-segment.js'
import {LogSegments} from './log-segments.js'
import type {AppendResult, PartitionLogOptions, ReadResult, SegmentInfo} from './partition-log-types.js'
import {selectRetention} from './log-retention.js'

export type {RecoveryReport} from './log-loader.js'
export type {AppendResult, PartitionLogOptions, ReadResult, SegmentInfo} from './partition-log-types.js'

/** Kafka rolls before offset - baseOffset overflows a signed 32-bit relative offset. */
const MAX_RELATIVE_OFFSET = 0x7fffffff
const EMPTY = Buffer.alloc(0)

export class PartitionLog {
  readonly dir: string
  readonly recovery: RecoveryReport
  private config: LogConfig
  private readonly io: FileIo
  private readonly now: () => number
  private readonly log: (line: string) => void
  private readonly checkpointIntervalMs: number
  private segs: LogSegments
  private leo: number
  private lso: number
  private rp: number
  private lastCheckpointAt = 0
  private lastFlushAt = 0
  private checkpointedRecoveryPoint: number
  private failure: string | null = null
  private closed = false

  private constructor(options: PartitionLogOptions) {
    this.dir = options.dir
    this.config = options.config
    this.io = options.io ?? nodeFileIo
    this.now = options.now ?? Date.now
    this.log = options.log ?? (() => {})
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 1000
    const loaded = loadLog({
      dir: this.dir,
      io: this.io,
      indexIntervalBytes: this.config['index.interval.bytes'],
      now: this.now(),
      log: this.log,
    })
    this.segs = new LogSegments(loaded.segments)
    this.leo = loaded.logEndOffset
    this.lso = loaded.logStartOffset
    this.rp = loaded.recoveryPoint
    this.checkpointedRecoveryPoint = loaded.recoveryPoint
    this.lastCheckpointAt = this.now()
    this.recovery = loaded.recovery
    this.lastFlushAt = this.now()
  }

  /** Opens (running recovery) or creates the partition directory's log. */
  static open(options: PartitionLogOptions): PartitionLog {
    try {
      return new PartitionLog(options)
    } catch (err) {
      // a raw fs error (EACCES, ENOTDIR, EIO…) becomes a STORAGE_ERROR naming the directory
      throw err instanceof SamsaError ? err : storageError(options.dir, 'cannot open the partition log', err)
    }
  }

  get logStartOffset(): number {
    return this.lso
  }

  get logEndOffset(): number {
    return this.leo
  }

  /** One replica: everything appended is committed. */
  get highWatermark(): number {
    return this.leo
  }

  get recoveryPoint(): number {
    return this.rp
  }

  get sizeInBytes(): number {
    return this.segs.sizeInBytes
  }

  get segmentCount(): number {
    return this.segs.length
  }

  get online(): boolean {
    return this.failure === null && this.recovery.quarantined === null && !this.closed
  }

  /** Why the log refuses writes (closed, quarantined, failed I/O), or null when online. */
  get offlineReason(): string | null {
    return this.whyOffline()
  }

  segments(): SegmentInfo[] {
    return this.segs.all.map((s) => ({baseOffset: s.baseOffset, sizeInBytes: s.size, lastModified: s.lastModified}))
  }

  updateConfig(config: LogConfig): void {
    this.config = config
    for (const s of this.segs) s.indexIntervalBytes = config['index.interval.bytes']
  }

  // ---- append ----------------------------------------------------------------------------------

  /**
   * Appends one RecordBatch v2 the caller has validated. The buffer is modified in place (baseOffset,
   * and for LogAppendTime the timestamp and CRC) and may be reused by the caller afterwards.
   */
  append(batch: Buffer): AppendResult {
    return this.appendBatches(batch)
  }

  /**
   * Appends several concatenated batches: one write syscall per run of batches that fits the active
   * segment, rolling between batches when the next would cross segment.bytes (Kafka's shouldRoll, per
   * batch), so a segment outgrows segment.bytes only when it holds a single larger batch. All or nothing:
   * when a write (or the flush flush.messages asks for) fails, what this call wrote before it is taken
   * back — segments it rolled to are deleted, the one it began in is cut back — and no offset is consumed.
   */
  appendBatches(buf: Buffer): AppendResult {
    this.ensureWritable()
    frameBatches(buf)
    const now = this.now()
    const baseOffset = this.leo
    const logAppendTime = this.config['message.timestamp.type'] === 'LogAppendTime' ? now : -1
    const next = stampBatches(buf, baseOffset, logAppendTime)
    const started = {segments: this.segs.length, size: this.active.size}
    try {
      let run = 0 // start of the batches not yet written
      for (let p = 0; p < buf.length; ) {
        const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
        const lastOffset = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA_POS)
        if (this.shouldRoll(this.active.size + p - run, size, lastOffset, now)) {
          if (p > run) this.writeRun(buf, run, p, now, logAppendTime)
          this.rollAt()
          run = p
        }
        p += size
      }
      this.writeRun(buf, run, buf.length, now, logAppendTime)
      if (this.leo - this.rp >= this.config['flush.messages']) this.flushActive()
    } catch (err) {
      this.takeBack(started.segments, started.size, baseOffset) // not acknowledged: no offset consumed
      throw err
    }
    return {baseOffset, lastOffset: next - 1, logAppendTime, logStartOffset: this.lso}
  }

  /** Whether a batch of `size` bytes ending at `lastOffset` goes to a new segment, the active one holding `used` bytes. */
  private shouldRoll(used: number, size: number, lastOffset: number, now: number): boolean {
    const seg = this.active
    if (used === 0) return false
    if (used + size > this.config['segment.bytes']) return true
    if (seg.rollingBasedTimestamp !== null && now - seg.rollingBasedTimestamp >= this.config['segment.ms']) return true
    return lastOffset - seg.baseOffset > MAX_RELATIVE_OFFSET
  }

  /** Writes the stamped batches buf[start, end) to the active segment (one syscall) and indexes them. */
  private writeRun(buf: Buffer, start: number, end: number, now: number, logAppendTime: number): void {
    const seg = this.active
    const position = seg.size
    try {
      seg.write(buf, start, end - start)
    } catch (err) {
      throw this.goOffline(err)
    }
    seg.rollingBasedTimestamp ??= now
    seg.size += end - start
    seg.markAppended(position)
    for (let p = start; p < end; ) {
      const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
      const lastOffset = readInt64(buf, p) + buf.readInt32BE(p + LAST_OFFSET_DELTA_POS)
      seg.indexBatch(position + p - start, size, lastOffset, logAppendTime >= 0 ? logAppendTime : readInt64(buf, p + MAX_TIMESTAMP_POS))
      this.leo = lastOffset + 1
      p += size
    }
  }

  /**
   * After a failed append (the log is offline by then): deletes the segments it rolled to, newest first,
   * then cuts the segment it began in back to `size`. Best effort: if a deletion fails, the batches
   * before it stay (and count), so the log never gets a hole; recovery re-checks it all on the next open.
   */
  private takeBack(segments: number, size: number, baseOffset: number): void {
    while (this.segs.length > segments) {
      try {
        this.active.deleteFiles()
      } catch (err) {
        this.log(`could not delete ${this.active.logPath} after a failed append (${String(err)}); recovery will check it`)
        return
      }
      this.segs.removeNewest()
    }
    const seg = this.active
    seg.size = size
    seg.cutBackAfterFailure()
    this.leo = baseOffset
    this.rp = Math.min(this.rp, baseOffset)
  }

  // ---- read ------------------------------------------------------------------------------------

  /**
   * Whole batches from the one holding `offset`: the first always whole, even beyond maxBytes (KIP-74);
   * then more while they fit in maxBytes, from one segment. offset = logEndOffset → empty. Only batches
   * that pass their frame and CRC checks are served; when the batch holding `offset` fails them (or lies
   * in damage recovery quarantined), CorruptBatchError names it and where reading can continue.
   * `bytes` owns its memory (transferable), unless `scratch` is given and large enough: then `bytes` is
   * a view of scratch, valid until the caller reuses it (for callers that copy the bytes anyway).
   */
  read(offset: number, maxBytes: number, scratch?: Buffer): ReadResult {
    if (this.closed) throw new SamsaError('PARTITION_OFFLINE', this.whyOffline()!)
    const q = this.recovery.quarantined
    if (q !== null && offset >= this.leo && offset >= this.lso) throw new SamsaError('PARTITION_OFFLINE', this.whyOffline()!)
    if (offset < this.lso || offset > this.leo) {
      throw new SamsaError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${offset} is out of range: the log holds offsets ${this.lso} to ${this.leo - 1} (log end ${this.leo})`,
      )
    }
    if (offset === this.leo) return {bytes: EMPTY, highWatermark: this.leo, logStartOffset: this.lso}
    const below = q !== null && offset < q.offset
    if (q !== null && !below && (q.resume === null || offset < q.resume.offset)) {
      throw new CorruptBatchError(offset, q.resume?.offset ?? this.leo, q.file, q.position, q.problem, true)
    }
    for (let i = this.segs.floorIndex(offset); i < this.segs.length; i++) {
      const seg = this.segs.at(i)
      // a quarantined log: never serve bytes from the damage on to a read below it, nor scan through it
      const inDamaged = q !== null && seg.logPath === (below ? q.file : q.resume?.file)
      const bounds = inDamaged ? (below ? {limit: q.position} : {notBefore: q.resume!.position}) : {}
      const r = seg.read(offset, maxBytes, {...bounds, endOffset: this.leo, scratch})
      if (Buffer.isBuffer(r)) return {bytes: r, highWatermark: this.leo, logStartOffset: this.lso}
      if (r !== null) {
        const next = r.resume?.baseOffset ?? (i + 1 < this.segs.length ? this.segs.at(i + 1).baseOffset : this.leo)
        throw new CorruptBatchError(offset, Math.min(next, this.leo), seg.logPath, r.position, r.problem, false)
      }
      if (below && seg.logPath === q.file) break
      // else: offset lies past this segment's last batch (a gap): try the next
    }
    return {bytes: EMPTY, highWatermark: this.leo, logStartOffset: this.lso}
  }

  /** Kafka ListOffsets: the first record with timestamp ≥ t at or after logStartOffset, or null. */
  offsetForTimestamp(timestamp: number): {offset: number; timestamp: number} | null {
    if (this.closed) throw new SamsaError('PARTITION_OFFLINE', this.whyOffline()!)
    for (let i = this.segs.floorIndex(this.lso); i < this.segs.length; i++) {
      const seg = this.segs.at(i)
      if (seg.size === 0 || seg.largestTimestamp < timestamp) continue
      const found = seg.findOffsetByTimestamp(timestamp, this.lso)
      if (found !== null && found.offset < this.leo) return found
    }
    return null
  }

  // ---- durability ------------------------------------------------------------------------------

  /** fdatasync everything appended, advance recoveryPoint to logEndOffset, checkpoint it (rate-limited). */
  flush(): void {
    this.ensureWritable()
    this.flushActive()
  }

  /** flush() when flush.ms has passed since the last flush; returns whether it flushed. */
  flushIfDue(now: number = this.now()): boolean {
    if (!this.online || this.rp === this.leo) return false
    if (now - this.lastFlushAt < this.config['flush.ms']) return false
    this.flush()
    return true
  }

  private flushActive(): void {
    if (this.rp !== this.leo) {
      try {
        this.active.flush()
      } catch (err) {
        throw this.goOffline(err)
      }
      this.rp = this.leo
      this.lastFlushAt = this.now()
    }
    // a stale checkpoint only means more re-validation after a crash, never lost data: rate-limit it
    if (this.checkpointedRecoveryPoint !== this.rp && this.now() - this.lastCheckpointAt >= this.checkpointIntervalMs) {
      this.writeRecoveryPoint()
    }
  }

  private writeRecoveryPoint(): void {
    if (this.checkpointedRecoveryPoint === this.rp) return
    try {
      writeOffsetCheckpoint(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.rp, this.io)
    } catch (err) {
      throw this.goOffline(err)
    }
    this.checkpointedRecoveryPoint = this.rp
    this.lastCheckpointAt = this.now()
  }

  /** Closes the active segment (flushed, indexes final) and starts a new one at logEndOffset. */
  roll(): void {
    this.ensureWritable()
    if (this.active.size === 0) return
    this.rollAt()
  }

  private rollAt(): LogSegment {
    const old = this.active
    let fresh: LogSegment
    try {
      old.onBecomeInactive()
      old.offsetIndex.close()
      old.timeIndex.close()
      fresh = this.newSegment(this.leo)
      this.io.fsyncDir(this.dir) // the new file's name is durable before anything in it counts
    } catch (err) {
      throw this.goOffline(err)
    }
    this.segs.push(fresh)
    this.rp = this.leo
    this.writeRecoveryPoint()
    return fresh
  }

  private newSegment(baseOffset: number): LogSegment {
    const seg = new LogSegment({dir: this.dir, baseOffset, io: this.io, indexIntervalBytes: this.config['index.interval.bytes'], log: this.log})
    seg.openFile()
    if (seg.size !== 0) throw new SamsaError('INTERNAL', `${seg.logPath} already exists with ${seg.size} bytes`)
    seg.createIndexes()
    return seg
  }

  // ---- deletion and truncation -----------------------------------------------------------------

  /** Deletes whole closed segments past retention.ms / retention.bytes, oldest first. */
  applyRetention(now: number = this.now()): {deletedSegments: number; deletedBytes: number} {
    if (!this.online || !this.config['cleanup.policy'].includes('delete')) return {deletedSegments: 0, deletedBytes: 0}
    let plan = selectRetention(this.segs.all, this.config, now)
    if (plan.rollFirst) {
      this.rollAt() // every record has expired: close the active segment so it can go too (as Kafka does)
      plan = selectRetention(this.segs.all, this.config, now)
    }
    if (plan.count === 0) return {deletedSegments: 0, deletedBytes: 0}
    const newStart = Math.max(this.lso, this.segs.at(plan.count).baseOffset)
    return this.deleteOldestSegments(plan.count, newStart)
  }

  /** Advances logStartOffset to `offset` (durably) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    this.ensureWritable()
    if (!Number.isSafeInteger(offset) || offset > this.leo || offset < 0) {
      throw new SamsaError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: the log ends at ${this.leo}`)
    }
    if (offset <= this.lso) return this.lso
    this.flushActive() // the new log start must never be beyond what survives a power loss
    let count = 0
    while (count < this.segs.length - 1 && this.segs.at(count + 1).baseOffset <= offset) count++
    this.deleteOldestSegments(count, offset)
    return this.lso
  }

  private deleteOldestSegments(count: number, newStart: number): {deletedSegments: number; deletedBytes: number} {
    try {
      if (newStart !== this.lso) writeOffsetCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), newStart, this.io)
      this.lso = newStart
      let bytes = 0
      for (const seg of this.segs.removeOldest(count)) {
        bytes += seg.size
        seg.deleteFiles()
      }
      if (count > 0) this.io.fsyncDir(this.dir)
      return {deletedSegments: count, deletedBytes: bytes}
    } catch (err) {
      throw this.goOffline(err)
    }
  }

  /**
   * Removes every batch holding an offset ≥ `offset` (a batch is never split: the log may end below
   * `offset`). On a quarantined log this is the operator's way out: it also drops the corrupt part
   * and brings the log back online.
   */
  truncateTo(offset: number): void {
    if (this.closed || this.failure !== null) throw new SamsaError('PARTITION_OFFLINE', this.whyOffline()!)
    if (!Number.isSafeInteger(offset) || offset < 0) throw new SamsaError('INVALID_INPUT', `cannot truncate to offset ${offset}`)
    try {
      if (this.recovery.quarantined !== null) this.dropQuarantined()
      if (offset >= this.leo) return
      if (offset < this.lso) {
        for (const s of this.segs.removeOldest(this.segs.length)) s.deleteFiles()
        this.segs.push(this.newSegment(offset))
        this.leo = this.lso = offset
        writeOffsetCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), offset, this.io)
      } else {
        while (this.segs.length > 1 && this.active.baseOffset >= offset) this.segs.removeNewest().deleteFiles()
        const r = this.active.truncateTo(offset)
        if (r.nextOffset >= 0) this.leo = r.nextOffset
        else if (this.active.size === 0) this.leo = this.active.baseOffset
        if (this.lso > this.leo) {
          this.lso = this.leo
          writeOffsetCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), this.lso, this.io)
        }
      }
      this.io.fsyncDir(this.dir)
      this.rp = Math.min(this.rp, this.leo)
      this.checkpointedRecoveryPoint = -1
      this.writeRecoveryPoint()
    } catch (err) {
      throw this.goOffline(err)
    }
  }

  /** Cuts the quarantined segment at the bad batch and deletes every later segment. */
  private dropQuarantined(): void {
    const q = this.recovery.quarantined!
    const i = this.segs.indexOfFile(q.file)
    if (i >= 0) {
      for (const s of this.segs.removeAfter(i)) s.deleteFiles()
      this.segs.at(i).cutAt(q.position, q.offset)
    }
    this.leo = q.offset
    this.rp = Math.min(this.rp, this.leo)
    this.log(`dropped the quarantined data from ${q.file} byte ${q.position} on; log end ${this.leo}`)
    this.recovery.quarantined = null
  }

  // ---- shutdown --------------------------------------------------------------------------------

  /** Clean shutdown: flush, final indexes, checkpoints, then the clean-shutdown marker. */
  close(): void {
    if (this.closed) return
    try {
      if (this.online) {
        try {
          this.active.onBecomeInactive()
          for (const s of this.segs) s.writeIndexesQuietly()
        } catch (err) {
          throw this.goOffline(err)
        }
        this.rp = this.leo
        this.writeRecoveryPoint()
        writeOffsetCheckpoint(join(this.dir, CLEAN_SHUTDOWN_MARKER), this.leo, this.io)
      }
    } finally {
      this.closed = true
      for (const s of this.segs) s.close()
    }
  }

  /** Closes and deletes every file of the partition and its directory (topic deletion). */
  destroy(): void {
    this.closed = true
    for (const s of this.segs) s.close()
    try {
      for (const name of this.io.readdir(this.dir)) this.io.unlink(join(this.dir, name))
      this.io.rmdir(this.dir)
    } catch (err) {
      throw storageError(this.dir, 'cannot delete the partition directory', err)
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private get active(): LogSegment {
    return this.segs.active
  }

  private whyOffline(): string | null {
    if (this.closed) return `${this.dir}: the log is closed`
    const q = this.recovery.quarantined
    if (q !== null) return `${this.dir}: partition quarantined: ${q.problem} at byte ${q.position} of ${q.file}`
    if (this.failure !== null) return `${this.dir}: partition offline after a storage error: ${this.failure}`
    return null
  }

  private ensureWritable(): void {
    const why = this.whyOffline()
    if (why !== null) throw new SamsaError('PARTITION_OFFLINE', why)
  }

  /** Records the failure, takes the partition offline and returns the STORAGE_ERROR to throw. */
  private goOffline(err: unknown): SamsaError {
    const e = err instanceof SamsaError ? err : storageError(this.dir, 'storage operation failed', err)
    if (this.failure === null) {
      this.failure = describeIoError(e)
      this.log(`partition offline until restart: ${this.failure}`)
    }
    return e
  }
}
