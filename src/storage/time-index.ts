// A segment's sparse time index, Kafka's `.timeindex` file.
//
// Entry layout (12 bytes, big-endian):  0  i64  timestamp: the largest batch maxTimestamp seen so far
//                                       8  u32  relative offset of the (last record of the) first batch
//                                               that reached that timestamp
// An entry is added only when the running max timestamp grows, at the same moments as an offset-index
// entry, plus one final entry when the segment is closed (roll/close), so the last entry is the segment's
// largest timestamp (what retention.ms compares with).
// Invariants: timestamps strictly increase; relative offsets never decrease; every batch before an
// entry's batch has maxTimestamp < the entry's timestamp — so lookup(t) gives a batch from which a forward
// scan finds the first batch with maxTimestamp ≥ t.
// Owner: the partition's worker thread, through its LogSegment.

import type {FileIo} from './file-io.js'
import {AbstractIndex} from './abstract-index.js'

export const TIME_INDEX_ENTRY_SIZE = 12
const TWO_32 = 2 ** 32

export interface TimestampOffset {
  timestamp: number
  offset: number
}

export class TimeIndex extends AbstractIndex {
  constructor(path: string, baseOffset: number, io: FileIo) {
    super(path, baseOffset, TIME_INDEX_ENTRY_SIZE, io)
  }

  timestampAt(i: number): number {
    return readTimestamp(this.buf, i * TIME_INDEX_ENTRY_SIZE)
  }

  relativeOffsetAt(i: number): number {
    return this.buf.readUInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8)
  }

  entry(i: number): TimestampOffset {
    return {timestamp: this.timestampAt(i), offset: this.baseOffset + this.relativeOffsetAt(i)}
  }

  lastEntry(): TimestampOffset | null {
    return this.count === 0 ? null : this.entry(this.count - 1)
  }

  /** Appends (timestamp, offset) when timestamp is beyond the last entry's; returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    if (this.count > 0) {
      const last = this.count - 1
      if (timestamp <= this.timestampAt(last)) return false
      if (offset - this.baseOffset < this.relativeOffsetAt(last)) {
        throw new Error(`time index ${this.path}: offset ${offset} goes back from ${this.entry(last).offset}`)
      }
    }
    const at = this.appendRaw()
    const high = Math.floor(timestamp / TWO_32)
    this.buf.writeInt32BE(high, at)
    this.buf.writeUInt32BE(timestamp - high * TWO_32, at + 4)
    this.buf.writeUInt32BE(offset - this.baseOffset, at + 8)
    return true
  }

  /** The last entry with timestamp ≤ target, else (-1, baseOffset): where to start scanning. */
  lookup(target: number): TimestampOffset {
    const i = this.floorIndex(target, (k) => this.timestampAt(k))
    return i < 0 ? {timestamp: -1, offset: this.baseOffset} : this.entry(i)
  }

  /** Drops entries whose offset ≥ offset. */
  truncateTo(offset: number): void {
    const i = this.floorIndex(offset - this.baseOffset - 1, (k) => this.relativeOffsetAt(k))
    this.truncateToEntries(i + 1)
  }

  protected validEntry(bytes: Buffer, at: number, i: number): string | null {
    const high = bytes.readInt32BE(at)
    if (high > 0x1fffff || high < -0x200000) return 'timestamp beyond ±2^53'
    const timestamp = readTimestamp(bytes, at)
    const relative = bytes.readUInt32BE(at + 8)
    if (relative > 0x7fffffff) return `relative offset ${relative} is beyond 2^31-1`
    if (i > 0) {
      const prevTs = this.timestampAt(i - 1)
      const prevRel = this.relativeOffsetAt(i - 1)
      if (timestamp <= prevTs) return `timestamp ${timestamp} does not follow ${prevTs}`
      if (relative < prevRel) return `relative offset ${relative} goes back from ${prevRel}`
    }
    return null
  }
}

function readTimestamp(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4)
}
