// Kafka's LogSegments: one partition's segments in baseOffset order, and the lookups over them.
// Invariants: never empty once the log is open; baseOffsets strictly increase; the last segment is the
// active one (the only one appended to). Segments leave at the ends (retention and deleteRecordsBefore
// take the oldest, truncateTo the newest) or are replaced in the middle (the log cleaner: a contiguous
// run of closed segments by one or more segments holding what is left of the same offsets), so the list
// stays one contiguous run of the log and the active segment is never replaced.
// This is the in-memory list only: the files of a replacement follow the suffix protocol in
// segment-swap.ts, which calls replace() once the replacement is durable.
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

  /** Every segment but the active one, oldest first: what the cleaner may replace. */
  get closed(): readonly LogSegment[] {
    return this.list.slice(0, -1)
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

  /**
   * Why `newSegments` cannot replace `oldSegments` (null: they can). The old ones must be a contiguous run
   * of this list, oldest first, without the active segment; the new ones must be in baseOffset order, the
   * first based where the run begins (so the list keeps its key, and the log start its segment), the last
   * based below the segment after the run. Which offsets each new segment holds is the caller's to check
   * against the files (segment-swap.ts).
   */
  replacementProblem(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): string | null {
    if (oldSegments.length === 0 || newSegments.length === 0) return 'a replacement needs old and new segments'
    const first = this.list.indexOf(oldSegments[0]!)
    if (first < 0) return `segment ${oldSegments[0]!.baseOffset} is not in the log`
    const end = first + oldSegments.length // index of the segment after the run
    if (end >= this.list.length) return 'the active segment cannot be replaced'
    for (let i = 1; i < oldSegments.length; i++) {
      if (this.list[first + i] !== oldSegments[i]) return `segments ${oldSegments.map((s) => s.baseOffset).join(', ')} are not a run of the log`
    }
    if (newSegments[0]!.baseOffset !== oldSegments[0]!.baseOffset) {
      return `the first new segment is based at ${newSegments[0]!.baseOffset}, the run at ${oldSegments[0]!.baseOffset}`
    }
    for (let i = 1; i < newSegments.length; i++) {
      if (newSegments[i]!.baseOffset <= newSegments[i - 1]!.baseOffset) return 'new segments are not in baseOffset order'
    }
    const next = this.list[end]!.baseOffset
    const last = newSegments[newSegments.length - 1]!.baseOffset
    if (last >= next) return `new segment ${last} is not below the segment after the run (${next})`
    return null
  }

  /**
   * Kafka's replaceSegments, in memory: puts `newSegments` where the run `oldSegments` was (see
   * replacementProblem, thrown as an Error when not met; the list is then unchanged) and returns the
   * segments removed.
   */
  replace(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[]): LogSegment[] {
    const problem = this.replacementProblem(newSegments, oldSegments)
    if (problem !== null) throw new Error(`cannot replace segments: ${problem}`)
    return this.list.splice(this.list.indexOf(oldSegments[0]!), oldSegments.length, ...newSegments)
  }
}
