// OffsetCommit (v0–3) and OffsetFetch (v0–3) through groups/offset-store.ts: the same committed offsets the
// control protocol's clients read and write (`samsa consume --group G` starts where a kcat commit left
// off, and the reverse). Main thread.
//
// OffsetCommit: an empty (or over-long) group id → INVALID_GROUP_ID (24) for every partition; the group's
// membership may refuse the whole commit (groups.ts commitRefusal: ILLEGAL_GENERATION 22 for a generation
// ≥ 0 while samsa has no group coordinator). Per partition: metadata above 4096 characters →
// OFFSET_METADATA_TOO_LARGE (12), an unknown topic or partition → 3, a negative offset → 42; the rest is
// one durable append (acks=all); when that fails every one of them gets COORDINATOR_NOT_AVAILABLE (15).
// A null metadata (kafkajs) is stored as "". retention_time_ms is ignored: commits live until the topic
// is deleted.
// OffsetFetch: the partitions asked for, in order — a partition without a commit has offset -1, metadata
// "" and error 0 (the client then applies its reset policy); null topics (v2+) → every committed
// partition. An invalid group id → 24 (top-level from v2, per partition before).
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {MAX_METADATA_LENGTH, type CommittedOffset, type OffsetCommit} from '../groups/offset-store.js'
import {kafkaErrorCode} from './error-codes.js'
import {commitRefusal, isValidGroupId} from './groups.js'
import type {KafkaHandlers} from './handler.js'

type FetchedTopic = ResponseBody<'OffsetFetch'>['topics'][number]

export const OFFSET_HANDLERS: KafkaHandlers = {
  OffsetCommit: {
    operation: 'commitOffsets',
    async handle({offsets}, body) {
      const group = body.groupId
      const refusal = isValidGroupId(group) ? commitRefusal(group, body.generationId, body.memberId) : KafkaErrorCode.INVALID_GROUP_ID
      // one code per partition, in request order; 0 = to be committed
      const codes = body.topics.map((t) =>
        t.partitions.map((p) => refusal || ((p.committedMetadata ?? '').length > MAX_METADATA_LENGTH ? KafkaErrorCode.OFFSET_METADATA_TOO_LARGE : 0)),
      )
      const commits: OffsetCommit[] = []
      const slots: [number, number][] = [] // where each commit's answer goes
      body.topics.forEach((t, ti) =>
        t.partitions.forEach((p, pi) => {
          if (codes[ti]![pi] !== 0) return
          commits.push({topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? ''})
          slots.push([ti, pi])
        }),
      )
      if (commits.length > 0) {
        try {
          const results = await offsets.commitOffsets(group, commits)
          results.forEach((r, i) => (codes[slots[i]![0]]![slots[i]![1]] = r.error ? kafkaErrorCode(r.error, 'commit') : KafkaErrorCode.NONE))
        } catch (err) {
          const code = kafkaErrorCode(err, 'commit')
          for (const [ti, pi] of slots) codes[ti]![pi] = code
        }
      }
      const topics = body.topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p, pi) => ({partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]!})),
      }))
      return {throttleTimeMs: 0, topics}
    },
  },

  OffsetFetch: {
    operation: 'fetchOffsets',
    async handle({offsets}, body, header) {
      const group = body.groupId
      if (!isValidGroupId(group)) {
        const code = KafkaErrorCode.INVALID_GROUP_ID
        if (header.apiVersion >= 2) return {throttleTimeMs: 0, topics: [], errorCode: code}
        const topics = (body.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({partitionIndex, committedOffset: -1, metadata: '', errorCode: code})),
        }))
        return {throttleTimeMs: 0, topics, errorCode: code}
      }
      const asked = body.topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({topic: t.name, partition})))
      const found = offsets.fetchOffsets(group, asked)
      if (!asked) found.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      return {throttleTimeMs: 0, topics: byTopic(found), errorCode: KafkaErrorCode.NONE}
    },
  },
}

// Consecutive entries of one topic become one topic entry: the request's order and shape, kept.
function byTopic(committed: CommittedOffset[]): FetchedTopic[] {
  const out: FetchedTopic[] = []
  for (const c of committed) {
    let last = out.at(-1)
    if (!last || last.name !== c.topic) out.push((last = {name: c.topic, partitions: []}))
    last.partitions.push({partitionIndex: c.partition, committedOffset: c.offset, metadata: c.metadata, errorCode: KafkaErrorCode.NONE})
  }
  return out
}
