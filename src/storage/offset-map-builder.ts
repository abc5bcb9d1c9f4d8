// The first phase of a cleaning pass (Kafka's Cleaner.buildOffsetMap): read the dirty section, oldest
// first, and record each key's last offset in the offset map, a budget of bytes per step.
//
// Rules (Kafka's buildOffsetMapForSegment): only records at or above firstDirtyOffset with a key count;
// control batches and transactional batches are not mapped (samsa writes neither; in a log from Kafka,
// not mapping them means they supersede nothing, so no record is dropped because of a transaction that
// may have aborted); after each batch the map covers the log up to its last offset, and after each segment
// up to the segment's end (gaps). When the map cannot take a new key it is full: the batch being read
// stops there, and the map covers the log only up to the batch before it — records above are kept as
// they are by this pass and mapped by the next one. Memory is the map's, whatever the log's size.
// Owner: the cleaning pass (log-cleaner.ts), on the partition's worker thread.

import {CONTROL_MASK, TRANSACTIONAL_MASK} from '../format/batch-header.js'
import type {RecordView} from '../format/record-reader.js'
import type {CleanerReader} from './cleaner-reader.js'
import type {CleanerStats} from './log-cleaner-types.js'
import type {LogSegment} from './log-segment.js'
import type {OffsetMap} from './offset-map.js'

export interface DirtySegment {
  segment: LogSegment
  /** The offset after the segment's last possible offset: the next segment's base. */
  end: number
}

export class OffsetMapBuilder {
  private index = -1
  private full = false
  private readonly visit = (r: RecordView): void => {
    if (this.full || r.keyStart < 0 || r.offset < this.firstDirtyOffset) return
    if (!this.map.put(r.buffer, r.keyStart, r.keyEnd, r.offset)) this.full = true
    else this.stats.mapRecords++
  }

  constructor(
    private readonly dirty: readonly DirtySegment[],
    private readonly map: OffsetMap,
    private readonly reader: CleanerReader,
    private readonly firstDirtyOffset: number,
    private readonly stats: CleanerStats,
  ) {
    map.clear()
    // the clean section lies below the dirty one: the map "covers" it (its records are judged against the map)
    map.updateLatestOffset(firstDirtyOffset - 1)
  }

  /** The map filled before the dirty section ended. */
  get filled(): boolean {
    return this.full
  }

  /** The segments this phase reads (the pass checks they are still in the log before each step). */
  get segments(): LogSegment[] {
    return this.dirty.map((d) => d.segment)
  }

  /** Reads about `budgetBytes` more; returns true while there is more to read. */
  step(budgetBytes: number): boolean {
    let read = 0
    while (!this.full) {
      if (this.index < 0 || !this.readBatch()) {
        if (this.index >= 0) this.map.updateLatestOffset(this.dirty[this.index]!.end - 1)
        if (++this.index >= this.dirty.length) break
        const seg = this.dirty[this.index]!.segment
        this.reader.open(seg, seg.baseOffset >= this.firstDirtyOffset ? 0 : seg.offsetIndex.lookup(this.firstDirtyOffset).position)
        continue
      }
      read += this.reader.size
      if (read >= budgetBytes) return true
    }
    this.reader.close()
    return false
  }

  /** Reads the next batch of the current segment into the map; false at the segment's end. */
  private readBatch(): boolean {
    const h = this.reader.next()
    if (h === null) return false
    const lastOffset = h.baseOffset + h.lastOffsetDelta
    this.stats.mapBytes += this.reader.size
    if (lastOffset < this.firstDirtyOffset) return true
    if ((h.attributes & (CONTROL_MASK | TRANSACTIONAL_MASK)) === 0) this.reader.walk(this.visit)
    if (!this.full) this.map.updateLatestOffset(lastOffset)
    return true
  }
}
