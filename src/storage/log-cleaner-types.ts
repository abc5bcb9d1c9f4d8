// The shapes the log cleaner (log-cleaner.ts) exchanges with its callers: the partition worker that
// schedules it, `samsa topic compact [--dry-run]`, tests and the bench. Pure types, no layout.
// Owner: whoever holds the cleaning pass.

export interface CleaningOptions {
  /** The time the pass judges by (min/max.compaction.lag.ms, delete.retention.ms). Default: the log's clock. */
  now?: number
  /** Clean whatever the dirty ratio says (`samsa topic compact`); min.compaction.lag.ms still holds. */
  force?: boolean
  /** Read and count what would go, write nothing (`samsa topic compact --dry-run`). */
  dryRun?: boolean
}

export interface CleanerStats {
  /** Records and bytes of the dirty section read into the offset map. */
  mapRecords: number
  mapBytes: number
  /** Segments, records and bytes read while recopying. */
  segmentsRead: number
  recordsRead: number
  bytesRead: number
  /** Records that stay, and the bytes of the cleaned segments written (0 on a dry run). */
  recordsKept: number
  bytesWritten: number
  /** Records that go, by reason: a later record has the same key; a tombstone past delete.retention.ms; no key. */
  superseded: number
  tombstonesExpired: number
  keyless: number
  /** Old segments replaced, and the cleaned segments that took their place. */
  segmentsReplaced: number
  segmentsWritten: number
}

export interface CleaningResult {
  dryRun: boolean
  /** Where the pass's dirty section began. */
  firstDirtyOffset: number
  /** The log is clean below this offset now (the new cleaner checkpoint); on a dry run, it would be. */
  endOffset: number
  /** The whole cleanable dirty section fitted in the offset map (false: another pass has more to do). */
  complete: boolean
  stats: CleanerStats
  /** What retention deleted after cleaning (cleanup.policy=compact,delete), or null. */
  retention: {deletedSegments: number; deletedBytes: number} | null
  /** Why the pass stopped before its end (the log changed under it, or was closed), or null. */
  abandoned: string | null
}

export function emptyCleanerStats(): CleanerStats {
  return {
    mapRecords: 0,
    mapBytes: 0,
    segmentsRead: 0,
    recordsRead: 0,
    bytesRead: 0,
    recordsKept: 0,
    bytesWritten: 0,
    superseded: 0,
    tombstonesExpired: 0,
    keyless: 0,
    segmentsReplaced: 0,
    segmentsWritten: 0,
  }
}
