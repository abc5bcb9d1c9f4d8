// The second phase of a cleaning pass, for one group of consecutive closed segments (Kafka's
// Cleaner.cleanSegments and cleanInto): recopy their batches into one `.cleaned` segment based at the
// group's first base offset, keeping what compaction keeps, a budget of bytes per step.
//
// A record stays (Kafka's shouldRetainRecord) when its offset is above what the offset map covers, or it
// has a key whose map offset is not above its own, unless it is a tombstone (null value) in a segment
// past the delete horizon: the segment's largest timestamp (its file's mtime when it has none) is more
// than delete.retention.ms before the pass's time — the clock retention.ms uses. A record without a key
// goes, as in Kafka (a compacted topic refuses them on produce; these are from before it was compacted).
// Control and transactional batches stay whole (see offset-map-builder.ts).
// Batches: one that keeps every record is copied byte for byte; one that loses some is rebuilt with the
// same codec, offsets and producer fields (format/retained-batch.ts); one that loses all goes — except
// the group's last batch, which stays as an empty header (Kafka's RETAIN_EMPTY for the last batch of a
// cleaning round, here of each group), so the cleaned segment spans exactly the offsets of the old ones
// and replaceSegments can tell which segments it replaces (segment-swap.ts). Empty batches left by an
// earlier pass go unless they are again a group's last. Offsets and order never change.
// A dry run reads and counts the same way and writes nothing.
// Owner: the cleaning pass (log-cleaner.ts), on the partition's worker thread.

import {CONTROL_MASK, TRANSACTIONAL_MASK, type BatchHeader} from '../format/batch-header.js'
import type {RecordView} from '../format/record-reader.js'
import {emptyBatchOf, type RetainedBatchBuilder} from '../format/retained-batch.js'
import type {CleanerReader} from './cleaner-reader.js'
import type {LocalLog} from './local-log.js'
import type {CleanerStats} from './log-cleaner-types.js'
import type {LogSegment} from './log-segment.js'
import type {OffsetMap} from './offset-map.js'
import {createCleanedSegment} from './segment-swap.js'

/** A good size for GroupCleanerOptions.out: one write per MiB of cleaned batches. */
export const CLEANER_OUT_BYTES = 1024 * 1024

export interface GroupCleanerOptions {
  log: LocalLog
  group: readonly LogSegment[]
  map: OffsetMap
  reader: CleanerReader
  builder: RetainedBatchBuilder
  /** Where batches gather before a write to the cleaned segment (the pass's, reused group to group). */
  out: Buffer
  stats: CleanerStats
  /** Tombstones in segments whose time is below this go (pass time − delete.retention.ms). */
  deleteHorizon: number
  dryRun: boolean
}

export class GroupCleaner {
  /** The segment being written (null on a dry run). */
  readonly cleaned: LogSegment | null
  /** Whether anything was dropped or rewritten: false means the cleaned segment equals the old bytes. */
  changed = false
  private index = -1
  private finished = false
  private tombstonesGo = false
  private pendingEmpty: BatchHeader | null = null // the last batch read, when it was dropped whole
  private readonly out: Buffer
  private used = 0
  // the kept records of the batch being read: positions in the decompressed section, and timestamps
  private starts = new Int32Array(1024)
  private ends = new Int32Array(1024)
  private times = new Float64Array(1024)
  private kept = 0
  private dropped = 0
  private section: Buffer | null = null
  private readonly visit = (r: RecordView): void => {
    const s = this.o.stats
    s.recordsRead++
    const offset = r.offset
    if (offset <= this.o.map.latestOffset) {
      if (r.keyStart < 0) {
        s.keyless++
        this.dropped++
        return
      }
      if (offset < this.o.map.get(r.buffer, r.keyStart, r.keyEnd)) {
        s.superseded++
        this.dropped++
        return
      }
      if (r.valueStart < 0 && this.tombstonesGo) {
        s.tombstonesExpired++
        this.dropped++
        return
      }
    }
    if (this.kept === this.starts.length) this.growKept()
    this.starts[this.kept] = r.recordStart
    this.ends[this.kept] = r.recordEnd
    this.times[this.kept] = r.timestamp
    this.section = r.buffer
    this.kept++
  }

  constructor(private readonly o: GroupCleanerOptions) {
    this.out = o.out
    this.cleaned = o.dryRun ? null : createCleanedSegment(o.log, o.group[0]!.baseOffset)
  }

  get done(): boolean {
    return this.finished
  }

  /** Recopies about `budgetBytes` more; returns true while there is more of the group to read. */
  step(budgetBytes: number): boolean {
    let read = 0
    while (!this.finished) {
      if (this.index < 0 || !this.copyBatch()) {
        if (++this.index >= this.o.group.length) {
          this.finish()
          break
        }
        this.openSegment(this.o.group[this.index]!)
        continue
      }
      read += this.o.reader.size
      if (read >= budgetBytes) return true
    }
    return false
  }

  /** Deletes the `.cleaned` files (the pass gave up, or the group needs no swap). */
  discard(): void {
    this.cleaned?.deleteFiles()
  }

  private openSegment(seg: LogSegment): void {
    const time = seg.largestTimestamp >= 0 ? seg.largestTimestamp : seg.lastModified
    this.tombstonesGo = time < this.o.deleteHorizon
    this.o.stats.segmentsRead++
    this.o.reader.open(seg)
  }

  /** Reads the next batch of the current segment and writes what stays of it; false at the segment's end. */
  private copyBatch(): boolean {
    const reader = this.o.reader
    const h = reader.next()
    if (h === null) return false
    const stats = this.o.stats
    stats.bytesRead += reader.size
    const {buf, at} = reader.current()
    if ((h.attributes & (CONTROL_MASK | TRANSACTIONAL_MASK)) !== 0) {
      stats.recordsRead += h.recordsCount
      stats.recordsKept += h.recordsCount
      this.write(buf, at, reader.size)
      return true
    }
    this.kept = 0
    this.dropped = 0
    reader.walk(this.visit)
    stats.recordsKept += this.kept
    if (this.kept === 0) {
      // dropped whole (an empty batch of an earlier pass too), unless it turns out to be the group's last
      this.changed ||= this.dropped > 0
      this.pendingEmpty = h
    } else if (this.dropped === 0) {
      this.write(buf, at, reader.size)
    } else {
      this.changed = true
      const rebuilt = this.o.dryRun ? buf.subarray(at, at) : this.rebuild(buf, at, h)
      this.write(rebuilt, 0, rebuilt.length)
    }
    return true
  }

  /** The batch at buf[at…] with only the records kept by the last walk (format/retained-batch.ts). */
  private rebuild(buf: Buffer, at: number, h: BatchHeader): Buffer {
    const builder = this.o.builder
    builder.reset()
    for (let i = 0; i < this.kept; i++) builder.keep(this.section!, this.starts[i]!, this.ends[i]!, this.times[i]!)
    return builder.build(buf, at, h)
  }

  /** Queues a batch for the cleaned segment (a later batch means a pending empty one went after all). */
  private write(buf: Buffer, at: number, size: number): void {
    if (this.pendingEmpty !== null) {
      this.changed ||= this.pendingEmpty.recordsCount === 0 // an earlier pass's empty batch, dropped now
      this.pendingEmpty = null
    }
    this.o.stats.bytesWritten += this.o.dryRun ? 0 : size
    if (this.o.dryRun) return
    if (this.used + size > this.out.length) this.flush()
    if (size > this.out.length) {
      this.cleaned!.append(buf, at, at + size)
      return
    }
    buf.copy(this.out, this.used, at, at + size)
    this.used += size
  }

  private flush(): void {
    if (this.used === 0) return
    this.cleaned!.append(this.out, 0, this.used)
    this.used = 0
  }

  /** The group's end: its last batch stays as an empty header if it was dropped whole; the rest is written. */
  private finish(): void {
    this.finished = true
    this.o.reader.close()
    const last = this.pendingEmpty
    if (last !== null) {
      const empty = emptyBatchOf(last)
      this.pendingEmpty = null
      this.write(empty, 0, empty.length)
      this.changed ||= last.recordsCount > 0
    }
    if (!this.o.dryRun) this.flush()
  }

  private growKept(): void {
    const n = this.starts.length * 2
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b)
    this.starts = grow(this.starts, new Int32Array(n))
    this.ends = grow(this.ends, new Int32Array(n))
    this.times = grow(this.times, new Float64Array(n))
  }
}
