// The control protocol's APIs: one key per request type, and the JSON bodies each carries. This file is
// the contract between the daemon (src/engine) and the client library (src/client): change it first,
// then both sides. Record data never goes into JSON: it travels in the frame's raw section (frame.ts).
//
// Every response body is either the API's response type or {error: WireError}. Per-partition errors
// inside multi-partition responses are WireError objects on that partition's entry, so one bad partition
// does not fail the others.

import type {WireError} from '../../wire-error.js'

export type {WireError} // the one error-to-wire mapping (src/wire-error.ts) defines the shape

export const ApiKey = {
  Hello: 0, // first request on a connection: versions, daemon identity
  Produce: 1,
  Fetch: 2,
  ListOffsets: 3,
  DeleteRecords: 4,
  OffsetCommit: 5,
  OffsetFetch: 6,
  InitProducerId: 7, // an idempotent producer's id and epoch
  ListTopics: 10,
  DescribeTopics: 11,
  CreateTopic: 12,
  AlterTopic: 13,
  DeleteTopic: 14,
  Status: 20,
  Shutdown: 21,
  GroupHeartbeat: 30, // consumer-group membership: join, heartbeat, give back, leave
  ListGroups: 31,
  DescribeGroups: 32,
  DeleteGroup: 33,
  CompactTopic: 40, // the log cleaner on request: roll and clean a compacted topic now (or a dry run)
  CompactionProgress: 41, // how far a CompactTopic of that topic is, per partition
} as const
export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey]

export const API_VERSION = 0

export interface ErrorResponse {
  error: WireError
}

// ── Hello ───────────────────────────────────────────────────────────────────────────────────────────
export interface HelloRequest {
  client: string // e.g. "samsa-cli/0.1.0"
}
export interface HelloResponse {
  daemonVersion: string
  pid: number
  dataDir: string
  apis: {key: number; minVersion: number; maxVersion: number}[]
}

// ── Produce ─────────────────────────────────────────────────────────────────────────────────────────
// raw = one or more complete RecordBatch v2 batches for ONE partition, as the client built them
// (baseOffset 0, CRC over attributes..end). The owning worker validates each (structure, CRC-32C,
// record count, decompressed size, max.message.bytes) and appends them in order, all or nothing.
export type Acks = 0 | 1 | -1 // -1 = all: reply after a group-committed fdatasync that began after the write
export interface ProduceRequest {
  topic: string
  partition: number
  acks: Acks
  timeoutMs: number
}
// With acks=0 the daemon sends no response frame at all.
// Batches stamped with a producer id (InitProducerId), an epoch and a per-partition baseSequence are an
// idempotent producer's: a retry of batches already appended is answered with their first offsets
// (duplicate: true) and not appended again; a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch
// INVALID_PRODUCER_EPOCH. A request is all retried batches, all new ones, or retried then new (the retry of a
// request a daemon crash cut in two): then `retried` holds the first batches' offsets, the rest are new.
export interface ProduceResponse {
  baseOffset: number // offset of the first record of the first batch
  lastOffset: number // offset of the last record of the last batch
  logAppendTime: number // -1 unless the topic uses LogAppendTime
  logStartOffset: number
  duplicate?: true // the batches were appended before (a retry): nothing was written now
  retried?: {baseOffset: number; lastOffset: number; bytes: number} // the first `bytes` of the request were (offsets); the rest written now
}

// ── InitProducerId ──────────────────────────────────────────────────────────────────────────────────
// Kafka's, without transactions: a producer id no producer of this data directory had, epoch 0. The
// producer stamps it into every batch, with a sequence number per partition starting at 0.
export type InitProducerIdRequest = Record<string, never>
export interface InitProducerIdResponse {
  producerId: number
  producerEpoch: number
}

// ── Fetch ───────────────────────────────────────────────────────────────────────────────────────────
// Returns stored batch bytes as they are. For each partition, whole batches starting with the one that
// contains `offset` (so the first batch may start before it: clients skip earlier records), the first
// batch always whole even if larger than maxBytes. Long poll: if fewer than minBytes are available in
// total, wait up to maxWaitMs for new data on any listed partition, waking as soon as it arrives.
export interface FetchPartitionRequest {
  topic: string
  partition: number
  offset: number
  maxBytes: number // per-partition limit
}
export interface FetchRequest {
  partitions: FetchPartitionRequest[]
  maxWaitMs: number
  minBytes: number
  maxBytes: number // whole-response limit
}
// raw = the partitions' bytes concatenated in request order; `bytes` says how many belong to each.
export interface FetchPartitionResponse {
  topic: string
  partition: number
  highWatermark: number
  logStartOffset: number
  bytes: number
  error?: WireError // e.g. OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC, PARTITION_OFFLINE, CORRUPT_LOG
  // With CORRUPT_LOG (the batch holding the offset asked for is damaged): the first offset after the
  // damage. Fetching from there reads past it; everything below it was served by earlier fetches.
  nextOffset?: number
}
export interface FetchResponse {
  partitions: FetchPartitionResponse[]
}

// ── ListOffsets ─────────────────────────────────────────────────────────────────────────────────────
export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export interface ListOffsetsRequest {
  partitions: {topic: string; partition: number; timestamp: number}[] // -1 latest, -2 earliest, else ms
}
export interface ListOffsetsResponse {
  // offset -1 and timestamp -1 when no record has a timestamp ≥ the one asked
  partitions: {topic: string; partition: number; offset: number; timestamp: number; error?: WireError}[]
}

// ── DeleteRecords ───────────────────────────────────────────────────────────────────────────────────
export interface DeleteRecordsRequest {
  partitions: {topic: string; partition: number; offset: number}[] // -1 = up to the high watermark
}
export interface DeleteRecordsResponse {
  partitions: {topic: string; partition: number; lowWatermark: number; error?: WireError}[]
}

// ── Committed offsets (consumer groups) ─────────────────────────────────────────────────────────────
// A group's committed offset for a partition is the NEXT offset to consume (Kafka's convention). Group ids
// are free-form user text: the daemon keeps them in Maps and encodes them before they touch a path.
// A group with members takes commits only from them (memberId and memberEpoch as the last heartbeat
// answered), each for the partitions it owns: others get STALE_MEMBER_EPOCH. Without memberId (a
// "simple" commit, e.g. `samsa group reset`) it is refused with NON_EMPTY_GROUP while the group has members.
export interface OffsetCommitRequest {
  group: string
  memberId?: string
  memberEpoch?: number
  offsets: {topic: string; partition: number; offset: number; metadata?: string}[]
}
export interface OffsetCommitResponse {
  partitions: {topic: string; partition: number; error?: WireError}[]
}
export interface OffsetFetchRequest {
  group: string
  partitions?: {topic: string; partition: number}[] // omitted: every partition the group has committed
}
export interface OffsetFetchResponse {
  // offset -1 when the group has no commit for that partition
  offsets: {topic: string; partition: number; offset: number; metadata: string}[]
}

// ── Consumer groups: membership (Kafka 4's consumer protocol, KIP-848: server-side assignment) ──────
// One request does it all. memberEpoch 0 joins (memberId "", topics required; the answer carries the new
// member id); -1 leaves; -2 leaves but, for a static member (instanceId), keeps its partitions for it
// until its session times out; any other value is a heartbeat at the epoch last received. The daemon
// assigns partitions (assignor: range | roundrobin | sticky, default sticky) and hands them over
// incrementally: `assignment` is what the member owns from now on. A partition it owned that is not in
// it must be given back — stop reading it, commit it, then send a heartbeat whose `owned` leaves it out —
// and only then is it given to its new member. New partitions in `assignment` are free already: start
// them at the group's committed offset. `pending` counts partitions of its target still held by others.
// waitMs makes the heartbeat a long poll: answered as soon as the member's answer changes, else after
// waitMs (capped at heartbeatIntervalMs). A member not heard from for sessionTimeoutMs is removed; one
// that has not given back what it was asked to within rebalanceTimeoutMs is fenced.
// Errors: UNKNOWN_MEMBER_ID (rejoin with epoch 0), FENCED_INSTANCE_ID (another member took this
// instance id: stop), FENCED_MEMBER_EPOCH, UNSUPPORTED_ASSIGNOR, INVALID_SESSION_TIMEOUT,
// INCONSISTENT_GROUP_PROTOCOL (the group has members of the classic protocol), GROUP_MAX_SIZE_REACHED.
export interface GroupHeartbeatRequest {
  group: string
  memberId: string
  memberEpoch: number
  instanceId?: string
  clientId?: string
  clientHost?: string
  topics?: string[] // the subscription: on join, and when it changes
  assignor?: string
  sessionTimeoutMs?: number // join: default 10000, 1000 to 1800000
  rebalanceTimeoutMs?: number // join: default 300000
  owned?: {topic: string; partition: number}[] // omitted: unchanged
  waitMs?: number
}
export interface GroupHeartbeatResponse {
  memberId: string
  memberEpoch: number
  heartbeatIntervalMs: number
  sessionTimeoutMs: number
  assignment: {topic: string; partition: number}[]
  pending: number
}

export type GroupType = 'consumer' | 'classic' | '' // '' — committed offsets only, no members
export interface GroupListing {
  group: string
  type: GroupType
  state: string // Empty | Reconciling | Stable (consumer); PreparingRebalance | CompletingRebalance | Stable (classic)
  members: number
}
export type ListGroupsRequest = Record<string, never>
export interface ListGroupsResponse {
  groups: GroupListing[]
}

export interface GroupMemberDescription {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  memberEpoch: number
  topics: string[]
  assignment: {topic: string; partition: number}[] // owned now
  target: {topic: string; partition: number}[] // owned once the handover is done
}
export interface GroupPartitionLag {
  topic: string
  partition: number
  currentOffset: number // committed (the next offset to read); -1 when none
  logStartOffset: number
  logEndOffset: number
  lag: number // logEndOffset − max(currentOffset, logStartOffset), ≥ 0
  memberId: string // '' when no member owns it
  clientId: string
}
export interface GroupDescription {
  group: string
  type: GroupType
  state: string
  epoch: number
  assignor: string
  members: GroupMemberDescription[]
  partitions: GroupPartitionLag[]
  totalLag: number
}
export interface DescribeGroupsRequest {
  groups: string[]
}
export interface DescribeGroupsResponse {
  // in request order; a group with neither members nor committed offsets: {group, error: GROUP_ID_NOT_FOUND}
  groups: (GroupDescription | {group: string; error: WireError})[]
}

// Forgets the group's committed offsets (tombstones in __consumer_offsets). NON_EMPTY_GROUP while it has
// members, GROUP_ID_NOT_FOUND when it has nothing to forget.
export interface DeleteGroupRequest {
  group: string
}
export interface DeleteGroupResponse {
  deleted: true
}

// ── Topics ──────────────────────────────────────────────────────────────────────────────────────────
export interface TopicSummary {
  name: string
  partitions: number
  compact: boolean
  sizeInBytes: number
  messages: number // sum over partitions of logEndOffset − logStartOffset
  internal?: boolean // the daemon's own "__"-prefixed topics (e.g. __consumer_offsets); absent = false
}
export type ListTopicsRequest = Record<string, never>
export interface ListTopicsResponse {
  topics: TopicSummary[]
}

export interface ConfigEntry {
  name: string
  value: string
  isDefault: boolean
}
export interface PartitionDescription {
  partition: number
  logStartOffset: number
  logEndOffset: number
  sizeInBytes: number
  segments: number
  worker: number // index of the owning worker thread
  online: boolean
  cleaner?: PartitionCleanerInfo // present for a compacted topic (cleanup.policy has compact)
}
// The log cleaner's view of a compacted partition. Sections by whole closed segments: clean (compacted
// by an earlier pass, below firstDirtyOffset), dirty (written since, cleanable now); the rest of
// sizeInBytes is the active segment and what min.compaction.lag.ms holds back.
export interface PartitionCleanerInfo {
  cleanBytes: number
  dirtyBytes: number
  dirtyRatio: number // dirtyBytes / (cleanBytes + dirtyBytes); the daemon cleans at min.cleanable.dirty.ratio
  firstDirtyOffset: number
  lastCleanedAt: number | null // ms; null: never cleaned
  cleanableBecause: 'dirty-ratio' | 'max-compaction-lag' | null // why the daemon would clean it now
  cleaning: boolean // a pass over it is running now
  uncleanable: string | null // why the daemon stopped cleaning it until restart (a pass failed)
}
export interface TopicDescription {
  name: string
  partitions: PartitionDescription[]
  configs: ConfigEntry[] // every known config, defaults marked
}
export interface DescribeTopicsRequest {
  topics: string[]
}
export interface DescribeTopicsResponse {
  topics: TopicDescription[]
}

export interface CreateTopicRequest {
  name: string
  partitions: number
  configs: Record<string, string> // Kafka config names → raw string values, validated by the daemon
  ifNotExists: boolean
}
export interface CreateTopicResponse {
  created: boolean // false when ifNotExists and it already existed
  topic: TopicDescription
}

export interface AlterTopicRequest {
  name: string
  set: Record<string, string>
  delete: string[]
  partitions?: number // increase only
}
export interface AlterTopicResponse {
  topic: TopicDescription
}

export interface DeleteTopicRequest {
  name: string
  ifExists: boolean
}
export interface DeleteTopicResponse {
  deleted: boolean
}

// ── Compaction (the log cleaner) ────────────────────────────────────────────────────────────────────
// CompactTopic rolls each partition's active segment and cleans it now, whatever its dirty ratio
// (min.compaction.lag.ms still holds), and answers when every partition is done; dryRun reads and counts
// what would go, writing nothing. A topic whose cleanup.policy lacks compact: INVALID_CONFIG. Not a
// barrier: CompactionProgress may be polled on the same connection while it runs.
export interface CompactTopicRequest {
  name: string
  dryRun: boolean
}
export interface CleanerStats {
  mapRecords: number // records of the dirty section read into the offset map
  mapBytes: number
  segmentsRead: number // segments, records and bytes read while recopying
  recordsRead: number
  bytesRead: number
  recordsKept: number
  bytesWritten: number // of the cleaned segments (0 on a dry run)
  superseded: number // records removed: a later record has the same key
  tombstonesExpired: number // tombstones removed: past delete.retention.ms
  keyless: number // records removed: no key
  segmentsReplaced: number
  segmentsWritten: number
}
export interface CompactedPartition {
  partition: number
  passes: number // cleaning passes run (0: nothing to clean)
  complete: boolean // the whole dirty section was cleaned (false on a dry run when the offset map filled)
  firstDirtyOffset: number // where the first pass began (-1: no pass)
  endOffset: number // the log is clean below this now (a dry run: would be)
  sizeBefore: number // bytes, after the roll
  sizeAfter: number
  stats: CleanerStats // summed over the passes
  retention: {deletedSegments: number; deletedBytes: number} | null // compact,delete: retention after cleaning
  abandoned: string | null // why the last pass gave up (the log changed under it), or null
  error?: WireError
}
export interface CompactTopicResponse {
  topic: string
  dryRun: boolean
  partitions: CompactedPartition[]
}
export interface CompactionProgressRequest {
  name: string
}
export interface CompactionProgressResponse {
  // idle: no CompactTopic covers the partition now; done/total: bytes its passes read, of about how many
  partitions: {partition: number; state: 'idle' | 'queued' | 'cleaning'; done: number; total: number}[]
}

// ── Daemon ──────────────────────────────────────────────────────────────────────────────────────────
export type StatusRequest = Record<string, never>
export interface StatusResponse {
  pid: number
  version: string
  uptimeMs: number
  dataDir: string
  socket: string
  topics: number
  partitions: number
  sizeInBytes: number
  workers: {index: number; partitions: number}[]
  kafka: KafkaListenerStatus
}
// The daemon's Kafka listener (protocol/control/daemon-config.ts says how it is configured).
export interface KafkaListenerStatus {
  listener: string | null // HOST:PORT it listens on; null when turned off or when it could not listen
  advertised: string | null // the address Metadata and FindCoordinator give Kafka clients
  problem: string | null // why it does not listen although asked to (e.g. the port is in use)
  saslUsers?: number | null // with --kafka-sasl-users: how many users the file names (clients must authenticate); else null
}
export type ShutdownRequest = Record<string, never>
export interface ShutdownResponse {
  stopping: true
}

// Keys on plain objects decoded from JSON are user data (topic names, config names): read them with
// Object.hasOwn / Map, never as `obj[name]` on an object with a prototype.
