// Kafka's LogSegments: one partition's segments in baseOffset order, and the lookups over them.
// Invariants: never empty once the log is open; baseOffsets strictly increase; the last segment is the
// active one (the only one appended to); removals are of the oldest (retention, deleteRecordsBefore) or
// the newest (truncateTo) only, so the list stays a contiguous run of the log.
// Owner: the partition's worker thread, inside PartitionLog.

import type {LogSegment} from './log-segment.js'

export class LogSegments implements Iterable<LogSegment> {
  private list: LogSegment[]

  constructor(segments: LogSegment[]) {
    this.list = segments
  }

  [Symbol.iterator](): Iterator<LogSegment> {
    return this.list[Symbol.iterator]()
  }

  get all(): readonly LogSegment[] {
    return this.list
  }

  get length(): number {
    return this.list.length
  }

  at(i: number): LogSegment {
    return this.list[i]!
  }

  get active(): LogSegment {
    return this.list[this.list.length - 1]!
  }

  get sizeInBytes(): number {
    let n = 0
    for (const s of this.list) n += s.size
    return n
  }

  /** Index of the last segment among the first `limit` with baseOffset ≤ offset (0 when none is). */
  floorIndex(offset: number, limit = this.list.length): number {
    let lo = 0
    let hi = limit - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.list[mid]!.baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  indexOfFile(logPath: string): number {
    return this.list.findIndex((s) => s.logPath === logPath)
  }

  /** Adds a new active segment. */
  push(segment: LogSegment): void {
    const last = this.list[this.list.length - 1]
    if (last && segment.baseOffset <= last.baseOffset) {
      throw new Error(`segment ${segment.baseOffset} does not follow ${last.baseOffset}`)
    }
    this.list.push(segment)
  }

  /** Removes and returns the oldest `count` segments. */
  removeOldest(count: number): LogSegment[] {
    return this.list.splice(0, count)
  }

  /** Removes and returns the segments after index i. */
  removeAfter(i: number): LogSegment[] {
    return this.list.splice(i + 1)
  }

  /** Removes and returns the newest segment. */
  removeNewest(): LogSegment {
    return this.list.pop()!
  }
}
