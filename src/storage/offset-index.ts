// A segment's sparse offset index, Kafka's `.index` file.
//
// Entry layout (8 bytes, big-endian):   0  u32  relative offset (offset - segment baseOffset)
//                                       4  u32  file position of a batch in the segment's .log
// An entry is added when at least index.interval.bytes of log were appended since the previous one; as in
// Kafka, its offset is the LAST offset of the batch at that position (Kafka's own files follow this rule;
// readers must accept any offset inside that batch). Lookup: the last entry with offset ≤ target gives a
// position at or before the batch holding the target; a short forward scan of batch headers finishes.
// Invariants: relative offsets and positions strictly increase; the relative offset fits a u32 (segments
// roll before an offset - baseOffset reaches 2^31), positions fit a u32 (segment.bytes ≤ 2^31-1).
// Owner: the partition's worker thread, through its LogSegment.

import type {FileIo} from './file-io.js'
import {AbstractIndex} from './abstract-index.js'

export const OFFSET_INDEX_ENTRY_SIZE = 8

export interface OffsetPosition {
  offset: number
  position: number
}

export class OffsetIndex extends AbstractIndex {
  constructor(path: string, baseOffset: number, io: FileIo) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_SIZE, io)
  }

  relativeOffsetAt(i: number): number {
    return this.buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_SIZE)
  }

  positionAt(i: number): number {
    return this.buf.readUInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4)
  }

  entry(i: number): OffsetPosition {
    return {offset: this.baseOffset + this.relativeOffsetAt(i), position: this.positionAt(i)}
  }

  lastEntry(): OffsetPosition | null {
    return this.count === 0 ? null : this.entry(this.count - 1)
  }

  /** Adds (offset, position); both must be beyond the last entry's. */
  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset
    if (this.count > 0) {
      const last = this.count - 1
      if (relative <= this.relativeOffsetAt(last) || position <= this.positionAt(last)) {
        throw new Error(`offset index ${this.path}: entry (${offset}, ${position}) is not after ${JSON.stringify(this.entry(last))}`)
      }
    }
    const at = this.appendRaw()
    this.buf.writeUInt32BE(relative, at)
    this.buf.writeUInt32BE(position, at + 4)
  }

  /** The last entry with offset ≤ target, else (baseOffset, 0): where to start scanning for target. */
  lookup(target: number): OffsetPosition {
    const relative = target - this.baseOffset
    const i = this.floorIndex(relative, (k) => this.relativeOffsetAt(k))
    return i < 0 ? {offset: this.baseOffset, position: 0} : this.entry(i)
  }

  /** Drops entries whose offset ≥ offset (truncateTo) — used when the log is truncated. */
  truncateTo(offset: number): void {
    const i = this.floorIndex(offset - this.baseOffset - 1, (k) => this.relativeOffsetAt(k))
    this.truncateToEntries(i + 1)
  }

  /** Drops entries whose position ≥ position. */
  truncateToPosition(position: number): void {
    const i = this.floorIndex(position - 1, (k) => this.positionAt(k))
    this.truncateToEntries(i + 1)
  }

  protected validEntry(bytes: Buffer, at: number, i: number): string | null {
    const relative = bytes.readUInt32BE(at)
    const position = bytes.readUInt32BE(at + 4)
    if (relative > 0x7fffffff) return `relative offset ${relative} is beyond 2^31-1`
    if (position > 0x7fffffff) return `position ${position} is beyond 2^31-1`
    if (i > 0 && (relative <= this.relativeOffsetAt(i - 1) || position <= this.positionAt(i - 1))) {
      return `entry (+${relative}, @${position}) does not follow (+${this.relativeOffsetAt(i - 1)}, @${this.positionAt(i - 1)})`
    }
    return null
  }
}
