// The state of one partition's log between calls, and what every part of it shares (Kafka's LocalLog):
// the segments, the offsets and their checkpoints, whether the log takes writes, rolling to a new
// segment, flushing. PartitionLog (partition-log.ts) is its public face; the append path (log-append.ts),
// the read path (log-read.ts), deletion and truncation (log-deletion.ts) and segment replacement
// (segment-swap.ts) act on it. Files: file-names.ts.
//
// State: segments sorted by baseOffset (≥ 1; the last is the active segment, the only one appended
// to); logStartOffset ≤ logEndOffset, recoveryPoint ≤ logEndOffset; highWatermark = logEndOffset (one
// replica).
// Invariants:
// - every batch below recoveryPoint has been fdatasynced; recovery-point.checkpoint holds a value ≤ it
//   (rewritten at most every checkpointIntervalMs by flush, always by roll/close/truncateTo).
// - log-start-offset.checkpoint is written (durably) before any segment below it is deleted.
// - cleaner-offset.checkpoint exists before the cleaner's first segment swap (the loader then accepts
//   the gaps cleaning leaves) and is never above logEndOffset (truncateTo lowers it).
// - the idempotent producers' state (producers) is that of every batch below logEndOffset; it is
//   snapshotted with each recovery-point checkpoint, before it (producer-snapshot.ts).
// - a new segment's name is durable (directory fsynced) before anything in it counts.
// - offline (`failure`: an I/O error) or quarantined (corruption found on open): every write refuses
//   with PARTITION_OFFLINE (ensureWritable); reads below logEndOffset still work.
// Owner: exactly one partition worker thread; no threads, sockets or timers here.

import {join} from 'node:path'
import {SamsaError} from '../errors.js'
import {writeOffsetCheckpoint} from './checkpoint.js'
import {describeIoError, type FileIo, storageError} from './file-io.js'
import {CLEANER_OFFSET_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, type SegmentFileSuffix} from './file-names.js'
import type {LogConfig} from './log-config.js'
import {LogSegment} from './log-segment.js'
import {LogSegments} from './log-segments.js'
import type {RecoveryReport} from './partition-log-types.js'
import {writeSnapshot} from './producer-snapshot.js'
import type {ProducerStateManager} from './producer-state.js'

export interface LocalLogOptions {
  dir: string
  config: LogConfig
  io: FileIo
  now: () => number
  log: (line: string) => void
  checkpointIntervalMs: number
  /** What the loader found (log-loader.ts). */
  segments: LogSegment[]
  logStartOffset: number
  logEndOffset: number
  recoveryPoint: number
  recovery: RecoveryReport
  cleaner: CleanerCheckpoint
  producers: ProducerStateManager
  producerSnapshots: number[]
  producerIdExpirationMs: number
}

/** The log cleaner's checkpoint as the log holds it (log-cleaner.ts writes it, truncateTo lowers it). */
export interface CleanerCheckpoint {
  /** Where the dirty section starts (cleaner-offset.checkpoint); null: never cleaned, or unreadable. */
  firstDirtyOffset: number | null
  /** When a cleaning pass last finished (the checkpoint's write time), or null. */
  lastCleanedAt: number | null
}

export class LocalLog {
  readonly dir: string
  config: LogConfig
  readonly io: FileIo
  readonly now: () => number
  readonly log: (line: string) => void
  readonly checkpointIntervalMs: number
  readonly recovery: RecoveryReport
  readonly segments: LogSegments
  logEndOffset: number
  logStartOffset: number
  recoveryPoint: number
  readonly cleaner: CleanerCheckpoint
  /** The recovery point last written to recovery-point.checkpoint (-1: rewrite it on the next chance). */
  checkpointedRecoveryPoint: number
  lastCheckpointAt: number
  lastFlushAt: number
  /** The idempotent producers that wrote here (producer-state.ts), and the snapshot files on disk. */
  producers: ProducerStateManager
  producerSnapshots: number[]
  readonly producerIdExpirationMs: number
  /** The I/O failure that took the log offline, or null. */
  failure: string | null = null
  closed = false

  constructor(o: LocalLogOptions) {
    this.dir = o.dir
    this.config = o.config
    this.io = o.io
    this.now = o.now
    this.log = o.log
    this.checkpointIntervalMs = o.checkpointIntervalMs
    this.segments = new LogSegments(o.segments)
    this.logStartOffset = o.logStartOffset
    this.logEndOffset = o.logEndOffset
    this.recoveryPoint = o.recoveryPoint
    this.checkpointedRecoveryPoint = o.recoveryPoint
    this.recovery = o.recovery
    this.cleaner = o.cleaner
    this.producers = o.producers
    this.producerSnapshots = o.producerSnapshots
    this.producerIdExpirationMs = o.producerIdExpirationMs
    this.lastCheckpointAt = this.lastFlushAt = this.now()
  }

  get active(): LogSegment {
    return this.segments.active
  }

  // ---- writable or not -------------------------------------------------------------------------

  get online(): boolean {
    return this.failure === null && this.recovery.quarantined === null && !this.closed
  }

  /** Why the log refuses writes (closed, quarantined, failed I/O), or null when online. */
  whyOffline(): string | null {
    if (this.closed) return `${this.dir}: the log is closed`
    const q = this.recovery.quarantined
    if (q !== null) return `${this.dir}: partition quarantined: ${q.problem} at byte ${q.position} of ${q.file}`
    if (this.failure !== null) return `${this.dir}: partition offline after a storage error: ${this.failure}`
    return null
  }

  ensureWritable(): void {
    const why = this.whyOffline()
    if (why !== null) throw new SamsaError('PARTITION_OFFLINE', why)
  }

  /** Records the failure, takes the partition offline and returns the STORAGE_ERROR to throw. */
  goOffline(err: unknown): SamsaError {
    const e = err instanceof SamsaError ? err : storageError(this.dir, 'storage operation failed', err)
    if (this.failure === null) {
      this.failure = describeIoError(e)
      this.log(`partition offline until restart: ${this.failure}`)
    }
    return e
  }

  // ---- segments --------------------------------------------------------------------------------

  /**
   * A new, empty segment at `baseOffset` with its (empty) index files. `suffix` '.cleaned': a replacement
   * segment for the cleaner, invisible to recovery until it is swapped in (segment-swap.ts).
   */
  newSegment(baseOffset: number, suffix: SegmentFileSuffix = ''): LogSegment {
    const seg = new LogSegment({dir: this.dir, baseOffset, io: this.io, indexIntervalBytes: this.config['index.interval.bytes'], log: this.log, suffix})
    seg.openFile()
    if (seg.size !== 0) throw new SamsaError('INTERNAL', `${seg.logPath} already exists with ${seg.size} bytes`)
    seg.createIndexes()
    return seg
  }

  /** Closes the active segment (flushed, indexes final) and starts a new one at logEndOffset. */
  rollAt(): LogSegment {
    const old = this.active
    let fresh: LogSegment
    try {
      old.onBecomeInactive()
      old.offsetIndex.close()
      old.timeIndex.close()
      fresh = this.newSegment(this.logEndOffset)
      this.io.fsyncDir(this.dir) // the new file's name is durable before anything in it counts
    } catch (err) {
      throw this.goOffline(err)
    }
    this.segments.push(fresh)
    this.recoveryPoint = this.logEndOffset
    this.writeRecoveryPoint()
    return fresh
  }

  // ---- durability ------------------------------------------------------------------------------

  /** fdatasync what was appended, advance recoveryPoint to logEndOffset, checkpoint it (rate-limited). */
  flushActive(): void {
    if (this.recoveryPoint !== this.logEndOffset) {
      try {
        this.active.flush()
      } catch (err) {
        throw this.goOffline(err)
      }
      this.recoveryPoint = this.logEndOffset
      this.lastFlushAt = this.now()
    }
    // a stale checkpoint only means more re-validation after a crash, never lost data: rate-limit it
    if (this.checkpointedRecoveryPoint !== this.recoveryPoint && this.now() - this.lastCheckpointAt >= this.checkpointIntervalMs) {
      this.writeRecoveryPoint()
    }
  }

  writeRecoveryPoint(): void {
    if (this.checkpointedRecoveryPoint === this.recoveryPoint) return
    try {
      // the producer state is that of the log end: snapshotted only when that end is durable
      if (this.recoveryPoint === this.logEndOffset) {
        this.producerSnapshots = writeSnapshot(this.dir, this.io, this.producers, this.logEndOffset, this.producerSnapshots)
      }
      writeOffsetCheckpoint(join(this.dir, RECOVERY_POINT_CHECKPOINT), this.recoveryPoint, this.io)
    } catch (err) {
      throw this.goOffline(err)
    }
    this.checkpointedRecoveryPoint = this.recoveryPoint
    this.lastCheckpointAt = this.now()
  }

  /** Writes log-start-offset.checkpoint durably (before any segment below it goes). Throws as it fails. */
  writeLogStartOffset(offset: number): void {
    writeOffsetCheckpoint(join(this.dir, LOG_START_OFFSET_CHECKPOINT), offset, this.io)
  }

  /** Writes cleaner-offset.checkpoint durably and remembers it (`cleanedAt`: a pass just finished). Throws as it fails. */
  writeCleanerCheckpoint(firstDirtyOffset: number, cleanedAt: number | null): void {
    writeOffsetCheckpoint(join(this.dir, CLEANER_OFFSET_CHECKPOINT), firstDirtyOffset, this.io)
    this.cleaner.firstDirtyOffset = firstDirtyOffset
    if (cleanedAt !== null) this.cleaner.lastCleanedAt = cleanedAt
  }
}
