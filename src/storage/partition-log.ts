// One partition's log (Kafka's UnifiedLog for a single replica): the API the daemon's partition worker
// calls. Each job lives in its own module, over the state in local-log.ts:
//   open (recovery)            log-loader.ts        append                   log-append.ts
//   read, ListOffsets          log-read.ts          flush, roll, checkpoints local-log.ts
//   retention, DeleteRecords,  log-deletion.ts      segment replacement      segment-swap.ts
//   truncateTo                                       (for the log cleaner)
//   compaction                 log-to-clean.ts (which sections, whether now), log-cleaner.ts (a pass)
//   idempotent producers       producer-state.ts (checks on append), producer-snapshot.ts (restarts)
// Directory layout and file formats: file-names.ts.
//
// Invariants (details in each module): offsets are assigned in order and never change; an append is
// all or nothing; every batch below recoveryPoint is fdatasynced; a checkpoint is written before the
// files it allows to go; reads serve only batches that pass their frame and CRC checks; a batch an
// idempotent producer retries is appended once (its retry is answered with the first offsets).
// Offline (I/O failure) or quarantined (corruption found on open): appends, flush, roll, retention,
// deleteRecordsBefore, replaceSegments and startCleaning (but for a dry run) throw PARTITION_OFFLINE;
// reads below logEndOffset still work; close() writes nothing (no marker), so the next open recovers. truncateTo may clear a quarantine.
// Owner: exactly one partition worker thread; no threads, sockets or timers here (the worker's timers
// call flush/roll/applyRetention).

import {join} from 'node:path'
import {SamsaError} from '../errors.js'
import {writeOffsetCheckpoint} from './checkpoint.js'
import {nodeFileIo, storageError} from './file-io.js'
import {CLEAN_SHUTDOWN_MARKER} from './file-names.js'
import {appendBatches} from './log-append.js'
import type {LogConfig} from './log-config.js'
import {type CleaningPass, startCleaning} from './log-cleaner.js'
import type {CleaningOptions} from './log-cleaner-types.js'
import {applyRetention, deleteRecordsBefore, truncateTo} from './log-deletion.js'
import {loadLog} from './log-loader.js'
import {offsetForTimestamp, read} from './log-read.js'
import {cleanerState, type CleanerState} from './log-to-clean.js'
import type {LogSegment} from './log-segment.js'
import type {LogSegments} from './log-segments.js'
import {LocalLog} from './local-log.js'
import type {OffsetMap} from './offset-map.js'
import type {AppendResult, PartitionLogOptions, ReadResult, RecoveryReport, SegmentInfo} from './partition-log-types.js'
import {DEFAULT_PRODUCER_ID_EXPIRATION_MS, type ProducerEntry} from './producer-state.js'
import {createCleanedSegment, replaceSegments} from './segment-swap.js'

export type {AppendResult, PartitionLogOptions, Quarantine, ReadResult, RecoveryReport, SegmentInfo} from './partition-log-types.js'
export type {CleaningPass} from './log-cleaner.js'
export type {CleanerStats, CleaningOptions, CleaningResult} from './log-cleaner-types.js'
export type {CleanerState} from './log-to-clean.js'

export class PartitionLog {
  private readonly local: LocalLog

  private constructor(options: PartitionLogOptions) {
    const io = options.io ?? nodeFileIo
    const now = options.now ?? Date.now
    const log = options.log ?? (() => {})
    const compacted = options.config['cleanup.policy'].includes('compact')
    const producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS
    const loaded = loadLog({dir: options.dir, io, indexIntervalBytes: options.config['index.interval.bytes'], now: now(), log, compacted, producerIdExpirationMs})
    const checkpointIntervalMs = options.checkpointIntervalMs ?? 1000
    this.local = new LocalLog({...loaded, dir: options.dir, config: options.config, io, now, log, checkpointIntervalMs, producerIdExpirationMs})
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

  get dir(): string {
    return this.local.dir
  }

  /** What recovery did when the log was opened. */
  get recovery(): RecoveryReport {
    return this.local.recovery
  }

  get logStartOffset(): number {
    return this.local.logStartOffset
  }

  get logEndOffset(): number {
    return this.local.logEndOffset
  }

  /** One replica: everything appended is committed. */
  get highWatermark(): number {
    return this.local.logEndOffset
  }

  get recoveryPoint(): number {
    return this.local.recoveryPoint
  }

  get sizeInBytes(): number {
    return this.local.segments.sizeInBytes
  }

  get segmentCount(): number {
    return this.local.segments.length
  }

  get online(): boolean {
    return this.local.online
  }

  /** Why the log refuses writes (closed, quarantined, failed I/O), or null when online. */
  get offlineReason(): string | null {
    return this.local.whyOffline()
  }

  segments(): SegmentInfo[] {
    return this.local.segments.all.map((s) => ({baseOffset: s.baseOffset, sizeInBytes: s.size, lastModified: s.lastModified}))
  }

  updateConfig(config: LogConfig): void {
    this.local.config = config
    for (const s of this.local.segments) s.indexIntervalBytes = config['index.interval.bytes']
  }

  // ---- append and read (log-append.ts, log-read.ts) -----------------------------------------------

  /**
   * Appends one RecordBatch v2 the caller has validated. The buffer is modified in place (baseOffset,
   * and for LogAppendTime the timestamp and CRC) and may be reused by the caller afterwards. A batch of
   * an idempotent producer is checked first (producer-state.ts): a retry is not appended again but
   * answered with its first offsets (duplicate: true); a sequence or epoch error throws.
   */
  append(batch: Buffer): AppendResult {
    return appendBatches(this.local, batch)
  }

  /** Appends several concatenated batches, all or nothing, rolling between them (log-append.ts). */
  appendBatches(buf: Buffer): AppendResult {
    return appendBatches(this.local, buf)
  }

  /** Whole batches from the one holding `offset`, intact ones only (log-read.ts). */
  read(offset: number, maxBytes: number, scratch?: Buffer): ReadResult {
    return read(this.local, offset, maxBytes, scratch)
  }

  /** Kafka ListOffsets: the first record with timestamp ≥ t at or after logStartOffset, or null. */
  offsetForTimestamp(timestamp: number): {offset: number; timestamp: number} | null {
    return offsetForTimestamp(this.local, timestamp)
  }

  // ---- idempotent producers (producer-state.ts) -----------------------------------------------------

  /** What this partition knows of a producer id (tests, tools), or undefined. */
  producerState(producerId: number): Readonly<ProducerEntry> | undefined {
    return this.local.producers.entry(producerId)
  }

  /** How many producers this partition keeps state for. */
  get producerCount(): number {
    return this.local.producers.size
  }

  /** Forgets producers idle for producer.id.expiration.ms (Kafka's; default 1 day); returns how many. */
  expireProducers(now: number = this.local.now()): number {
    return this.local.producers.expire(now, this.local.producerIdExpirationMs)
  }

  // ---- durability (local-log.ts) --------------------------------------------------------------------

  /** fdatasync everything appended, advance recoveryPoint to logEndOffset, checkpoint it (rate-limited). */
  flush(): void {
    this.local.ensureWritable()
    this.local.flushActive()
  }

  /** flush() when flush.ms has passed since the last flush; returns whether it flushed. */
  flushIfDue(now: number = this.local.now()): boolean {
    const log = this.local
    if (!log.online || log.recoveryPoint === log.logEndOffset) return false
    if (now - log.lastFlushAt < log.config['flush.ms']) return false
    this.flush()
    return true
  }

  /** Closes the active segment (flushed, indexes final) and starts a new one at logEndOffset. */
  roll(): void {
    this.local.ensureWritable()
    if (this.local.active.size === 0) return
    this.local.rollAt()
  }

  // ---- deletion and truncation (log-deletion.ts) ----------------------------------------------------

  /** Deletes whole closed segments past retention.ms / retention.bytes, oldest first. */
  applyRetention(now: number = this.local.now()): {deletedSegments: number; deletedBytes: number} {
    return applyRetention(this.local, now)
  }

  /** Advances logStartOffset to `offset` (durably) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    return deleteRecordsBefore(this.local, offset)
  }

  /**
   * Removes every batch holding an offset ≥ `offset` (a batch is never split: the log may end below
   * `offset`). On a quarantined log this is the operator's way out: it also drops the corrupt part
   * and brings the log back online.
   */
  truncateTo(offset: number): void {
    truncateTo(this.local, offset)
  }

  // ---- segment replacement, for the log cleaner (segment-swap.ts) -----------------------------------

  /** The segments the cleaner may replace: every one but the active segment, oldest first. */
  closedSegments(): readonly LogSegment[] {
    return this.local.segments.closed
  }

  /** A new, empty segment at `baseOffset` under `.cleaned` names, to append cleaned batches to. */
  createCleanedSegment(baseOffset: number): LogSegment {
    return createCleanedSegment(this.local, baseOffset)
  }

  /** Replaces a run of closed segments by `.cleaned` segments holding what is left of their offsets. */
  replaceSegments(newSegments: LogSegment[], oldSegments: LogSegment[]): void {
    replaceSegments(this.local, newSegments, oldSegments)
  }

  // ---- compaction (log-to-clean.ts, log-cleaner.ts) ---------------------------------------------------

  /** The clean/dirty split, the dirty ratio, and whether (and why) the log should be cleaned now. */
  cleanerState(now: number = this.local.now()): CleanerState {
    return cleanerState(this.local, now)
  }

  /**
   * A cleaning pass to run by steps (CleaningPass.step), or null when there is nothing to clean now;
   * `map` is the worker thread's offset map (its memory bounds the pass). INVALID_CONFIG when the log's
   * cleanup.policy is not compact.
   */
  startCleaning(map: OffsetMap, options: CleaningOptions = {}): CleaningPass | null {
    return startCleaning(this.local, map, options)
  }

  // ---- shutdown -------------------------------------------------------------------------------------

  /** Clean shutdown: flush, final indexes, checkpoints, then the clean-shutdown marker. */
  close(): void {
    const log = this.local
    if (log.closed) return
    try {
      if (log.online) {
        try {
          log.active.onBecomeInactive()
          for (const s of log.segments) s.writeIndexesQuietly()
        } catch (err) {
          throw log.goOffline(err)
        }
        log.recoveryPoint = log.logEndOffset
        log.writeRecoveryPoint()
        writeOffsetCheckpoint(join(log.dir, CLEAN_SHUTDOWN_MARKER), log.logEndOffset, log.io)
      }
    } finally {
      log.closed = true
      for (const s of log.segments) s.close()
    }
  }

  /** Closes and deletes every file of the partition and its directory (topic deletion). */
  destroy(): void {
    const log = this.local
    log.closed = true
    for (const s of log.segments) s.close()
    try {
      for (const name of log.io.readdir(log.dir)) log.io.unlink(join(log.dir, name))
      log.io.rmdir(log.dir)
    } catch (err) {
      throw storageError(log.dir, 'cannot delete the partition directory', err)
    }
  }

  /** The segment list; tests and the storage bench drop its file handles to act out a crash. */
  private get segs(): LogSegments {
    return this.local.segments
  }
}
