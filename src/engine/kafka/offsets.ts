// OffsetCommit (v0–3) and OffsetFetch (v0–3): the committed offsets of groups/offset-store.ts, the same the
// control protocol's clients read and write (`samsa consume --group G` starts where a kcat commit left
// off, and the reverse). Main thread.
//
// OffsetCommit goes through the group coordinator, which checks it as Kafka's validateOffsetCommit does
// (coordinator.ts commitOffsetsClassic): generation -1 with member "" (a simple commit: kcat -C with a
// group.id, admin tools) is stored while the group has no members; otherwise the member and generation
// must be the group's — UNKNOWN_MEMBER_ID (25), ILLEGAL_GENERATION (22), REBALANCE_IN_PROGRESS (27) while
// the group waits for its leader's assignments — and a group of samsa members takes no commit from a
// Kafka client (25 without a member id, else INCONSISTENT_GROUP_PROTOCOL 23). Such a refusal is every
// partition's code. An empty (or over-long) group id → INVALID_GROUP_ID (24). Per partition: an unknown
// topic or partition → 3, a negative offset → 42, metadata above 4096 characters →
// OFFSET_METADATA_TOO_LARGE (12); the rest is one durable append (acks=all), and when that fails every
// partition gets COORDINATOR_NOT_AVAILABLE (15). A null metadata (kafkajs) is stored as "".
// retention_time_ms is ignored: commits live until the group or the topic is deleted.
// OffsetFetch: the partitions asked for, in order — a partition without a commit has offset -1, metadata
// "" and error 0 (the client then applies its reset policy); null topics (v2+) → every committed
// partition. An invalid group id → 24 (top-level from v2, per partition before). Whatever the group's
// state (Kafka answers it always).
import type {SamsaError} from '../../errors.js'
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {MAX_METADATA_LENGTH, type CommittedOffset, type OffsetCommit} from '../groups/offset-store.js'
import {kafkaErrorCode} from './error-codes.js'
import {isValidGroupId} from './groups.js'
import type {KafkaHandlers} from './handler.js'

type FetchedTopic = ResponseBody<'OffsetFetch'>['topics'][number]

export const OFFSET_HANDLERS: KafkaHandlers = {
  OffsetCommit: {
    operation: 'commitOffsets',
    async handle({groups}, body) {
      const group = body.groupId
      const commits: OffsetCommit[] = body.topics.flatMap((t) =>
        t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? ''})),
      )
      let codes: number[]
      if (!isValidGroupId(group)) codes = commits.map(() => KafkaErrorCode.INVALID_GROUP_ID)
      else {
        try {
          const who = {memberId: body.memberId, generationId: body.generationId}
          const results = await groups.commitOffsetsClassic(group, who, commits)
          codes = results.map((r, i) => (r.error ? partitionCode(r.error, commits[i]!) : KafkaErrorCode.NONE))
        } catch (err) {
          const code = kafkaErrorCode(err, 'commit') // the group refused the whole commit, or the append failed
          codes = commits.map(() => code)
        }
      }
      let i = 0
      const topics = body.topics.map((t) => ({name: t.name, partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: codes[i++]!}))}))
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

// A partition the offset store did not commit: metadata too long is Kafka's OFFSET_METADATA_TOO_LARGE (12).
function partitionCode(error: SamsaError, commit: OffsetCommit): number {
  if (error.code === 'INVALID_REQUEST' && commit.metadata.length > MAX_METADATA_LENGTH) return KafkaErrorCode.OFFSET_METADATA_TOO_LARGE
  return kafkaErrorCode(error, 'commit')
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
