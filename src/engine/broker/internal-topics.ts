// The daemon's own topics ("__"-prefixed, topic-name.ts): their fixed shape, and the rule that clients
// read them but never write them. Main thread.
//
// Refused for a client, with INVALID_TOPIC (Kafka answers a produce to an internal topic with
// InvalidTopicException, "Cannot append to internal topic"): create, alter (configs and partitions),
// delete, produce and DeleteRecords. Allowed: fetch, list offsets, describe, list — so
// `samsa consume __consumer_offsets` shows the commits. The daemon writes through Broker.appendInternal,
// which no front end reaches.
//
// Shape: the partitions and configs below are the daemon's, not a default: a stored override that
// differs (an earlier version let a client alter them) is replaced at startup (topic-admin.ts).
//
// Marker: every batch the daemon writes into an internal topic carries producerId DAEMON_PRODUCER_ID.
// Kafka's real producer ids are ≥ 0 and -1 means "none", so no producer's batch carries -2 by accident;
// and since clients cannot write these topics at all, no batch there carries it unless the daemon wrote
// it. Replay (groups/offset-store.ts) trusts marked batches, and unmarked ones only as an earlier
// version's commits, from before the daemon's first marked batch.

import {SamsaError} from '../../errors.js'
import {isInternalTopicName} from '../../topic-name.js'

export const OFFSETS_TOPIC = '__consumer_offsets'
export const DAEMON_PRODUCER_ID = -2

export interface InternalTopicSpec {
  partitions: number
  configs: Readonly<Record<string, string>>
}

// __consumer_offsets rolls at 1 MiB (Kafka: 100 MiB, for a cluster's thousands of groups): the log cleaner
// takes only closed segments, so the segment size is about what the topic holds beyond one record per
// committed partition — a few thousand commits — and what a start replays (groups/offset-store.ts).
export const INTERNAL_TOPICS: ReadonlyMap<string, InternalTopicSpec> = new Map([
  [OFFSETS_TOPIC, {partitions: 1, configs: {'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024), 'segment.bytes': String(1024 * 1024)}}],
])

// Throws INVALID_TOPIC when a client asks to change (`what`) an internal topic.
export function refuseInternalWrite(topic: unknown, what: string): void {
  if (typeof topic === 'string' && isInternalTopicName(topic)) {
    throw new SamsaError('INVALID_TOPIC', `topic ${topic} is internal: only the daemon writes to it (${what} refused; reading it is allowed)`)
  }
}
