// Which segments retention deletes (Kafka's deleteRetentionMsBreachedSegments and
// deleteRetentionSizeBreachedSegments), as a pure decision over the segment list; PartitionLog acts on it.
//
// Rules: only whole closed segments, oldest first, and only a prefix of the log (a segment is never
// deleted while an older one stays). retention.ms: a segment has expired when now - its largest record
// timestamp (or its file's mtime when it holds no timestamp) > retention.ms. If every segment, the active
// one included, has expired, the caller rolls first (as Kafka does) so an idle expired topic empties.
// retention.bytes: drop the oldest closed segments while the rest still holds ≥ retention.bytes.
// -1 disables either rule. Owner: the partition's worker thread.

import type {LogConfig} from './log-config.js'
import type {LogSegment} from './log-segment.js'

export interface RetentionPlan {
  /** Delete segments [0, count). */
  count: number
  /** Everything has expired, the active segment too: roll, then plan again. */
  rollFirst: boolean
}

export function selectRetention(segments: readonly LogSegment[], config: LogConfig, now: number): RetentionPlan {
  const closed = segments.length - 1
  let count = 0
  const retentionMs = config['retention.ms']
  if (retentionMs >= 0) {
    while (count < closed && expired(segments[count]!, now, retentionMs)) count++
    const active = segments[closed]!
    if (count === closed && active.size > 0 && expired(active, now, retentionMs)) return {count, rollFirst: true}
  }
  const retentionBytes = config['retention.bytes']
  if (retentionBytes >= 0) {
    let total = 0
    for (let i = count; i < segments.length; i++) total += segments[i]!.size
    while (count < closed && total - segments[count]!.size >= retentionBytes) {
      total -= segments[count]!.size
      count++
    }
  }
  return {count, rollFirst: false}
}

function expired(segment: LogSegment, now: number, retentionMs: number): boolean {
  let ts = segment.largestTimestamp
  if (ts < 0) ts = segment.lastModified
  return now - ts > retentionMs
}
