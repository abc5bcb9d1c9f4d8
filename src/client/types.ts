// The client API every backend implements: the local daemon (local/) today, a Kafka cluster later.
// Commands (`samsa topic …`, `samsa produce`, `samsa consume`) program against these interfaces only, and
// the backend-neutral parts of this folder (Producer, Consumer, GroupConsumer) are built on them.
//
// The shapes are the client's own, in Kafka's vocabulary. Today they are structurally the control
// protocol's (protocol/control/messages.ts), so the local backend hands the daemon's answers through
// without copying; the compiler checks that they still fit there. They are also the `--json` output of
// the commands, so fields are added, never renamed.
import type {ErrorCode} from '../errors.js'

// What a backend can do beyond topics, produce and fetch (Client.supports). 'groups': committed offsets
// (fetch and commit). 'membership': consumer groups with members — heartbeats, server-side assignment,
// list, describe and delete. 'idempotence': producer ids (RecordApi.initProducerId), so a retried batch is
// appended once.
export type Capability = 'groups' | 'membership' | 'idempotence'

export interface Client {
  readonly admin: AdminApi
  readonly records: RecordApi
  readonly groups: GroupApi
  supports(capability: Capability): boolean
  close(): Promise<void>
}

// A client that rode out a daemon restart (ClientOptions.onReconnected): how long the daemon was away.
export interface ReconnectedInfo {
  downMs: number // from the lost connection to the first answer of the new one
  startedPid: number | null // a daemon this client started meanwhile (auto-start), if it did
}

// A per-partition failure inside a multi-partition answer: one bad partition does not fail the others.
export interface PartitionError {
  code: ErrorCode
  message: string
  retriable: boolean
}

// ── Admin: topics and offsets ───────────────────────────────────────────────────────────────────────
export interface CreateTopicOptions {
  partitions?: number // default 1
  configs?: Record<string, string> // Kafka config names → values; the broker validates them
  ifNotExists?: boolean
  replicationFactor?: number // copies of each partition; default: the backend's (locally 1, the only one)
}

export interface AlterTopicOptions {
  set?: Record<string, string>
  delete?: string[]
  partitions?: number // increase only
}

export interface TopicSummary {
  name: string
  partitions: number
  compact: boolean
  sizeInBytes: number
  messages: number // sum over partitions of logEndOffset − logStartOffset
  internal?: boolean // the broker's own "__"-prefixed topics (e.g. __consumer_offsets); absent = false
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

// The log cleaner's view of a compacted partition: the clean section (compacted by an earlier pass, below
// firstDirtyOffset) and the dirty one (written since, cleanable now), by whole closed segments; the rest
// of sizeInBytes is the active segment and what min.compaction.lag.ms holds back.
export interface PartitionCleanerInfo {
  cleanBytes: number
  dirtyBytes: number
  dirtyRatio: number // dirtyBytes / (cleanBytes + dirtyBytes); cleaned on its own at min.cleanable.dirty.ratio
  firstDirtyOffset: number
  lastCleanedAt: number | null // ms; null: never cleaned
  cleanableBecause: 'dirty-ratio' | 'max-compaction-lag' | null // why the broker would clean it now
  cleaning: boolean // a pass over it is running now
  uncleanable: string | null // why the broker stopped cleaning it until restart (a pass failed)
}

export interface TopicDescription {
  name: string
  partitions: PartitionDescription[]
  configs: ConfigEntry[] // every known config, defaults marked
}

export interface CreateTopicResult {
  created: boolean // false when ifNotExists and it already existed
  topic: TopicDescription
}

// ListOffsets' timestamps for "the log end" and "the log start" (Kafka's -1 and -2); any other is ms.
export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2

export interface TopicPartition {
  topic: string
  partition: number
}

export interface ListedOffset {
  topic: string
  partition: number
  offset: number // -1, with timestamp -1, when no record has a timestamp ≥ the one asked
  timestamp: number
  error?: PartitionError
}

export interface DeletedRecords {
  topic: string
  partition: number
  lowWatermark: number
  error?: PartitionError
}

// What a compaction did (or, on a dry run, would do) to one partition.
export interface CleanerStats {
  mapRecords: number // records of the dirty section read into the offset map
  mapBytes: number
  segmentsRead: number // segments, records and bytes read while recopying
  recordsRead: number
  bytesRead: number
  recordsKept: number
  bytesWritten: number // of the cleaned segments (0 on a dry run)
  superseded: number // records removed: a later record has the same key
  tombstonesExpired: number // tombstones removed: older than delete.retention.ms
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
  sizeBefore: number
  sizeAfter: number
  stats: CleanerStats
  retention: {deletedSegments: number; deletedBytes: number} | null // compact,delete: retention after cleaning
  abandoned: string | null // why the last pass gave up (the log changed under it), or null
  error?: PartitionError
}

export interface CompactTopicResult {
  topic: string
  dryRun: boolean
  partitions: CompactedPartition[]
}

// How far a compaction is on one partition: bytes read by its passes, of about how many in all.
export interface CompactionProgress {
  partition: number
  state: 'idle' | 'queued' | 'cleaning' // idle: no compaction request covers it now
  done: number
  total: number
}

export interface AdminApi {
  createTopic(name: string, options?: CreateTopicOptions): Promise<CreateTopicResult>
  listTopics(): Promise<TopicSummary[]>
  describeTopics(names: string[]): Promise<TopicDescription[]>
  describeTopic(name: string): Promise<TopicDescription>
  alterTopic(name: string, options: AlterTopicOptions): Promise<TopicDescription>
  deleteTopic(name: string, options?: {ifExists?: boolean}): Promise<boolean>
  listOffsets(partitions: (TopicPartition & {timestamp: number})[]): Promise<ListedOffset[]>
  deleteRecords(partitions: (TopicPartition & {offset: number})[]): Promise<DeletedRecords[]> // offset -1: to the high watermark
  // Rolls and cleans a compacted topic now (dryRun: counts what would go, changes nothing); resolves when done.
  compactTopic(name: string, options?: {dryRun?: boolean}): Promise<CompactTopicResult>
  compactionProgress(name: string): Promise<CompactionProgress[]>
}

// ── Records: produce and fetch RecordBatch v2 bytes ─────────────────────────────────────────────────
export type Acks = 0 | 1 | -1 // -1 = all: the answer comes after an fsync that began after the write

export interface ProduceResult {
  baseOffset: number // offset of the first record of the first batch
  lastOffset: number // offset of the last record of the last batch
  logAppendTime: number // -1 unless the topic uses LogAppendTime
  logStartOffset: number
  duplicate?: true // an idempotent producer's retry of batches already appended: these are their offsets
  retried?: {baseOffset: number; lastOffset: number; bytes: number} // its first batches were appended before (their offsets); the rest now
}

// An idempotent producer's identity (Kafka's InitProducerId): stamped into every batch it builds, with a
// sequence number per partition from 0, so that a retried batch is appended once.
export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
}

export interface FetchPartitionRequest {
  topic: string
  partition: number
  offset: number
  maxBytes: number // per-partition limit
}

// Long poll: when fewer than minBytes are there in all, wait up to maxWaitMs for new data on any partition.
export interface FetchRequest {
  partitions: FetchPartitionRequest[]
  maxWaitMs: number
  minBytes: number
  maxBytes: number // whole-response limit
}

// One partition's share of a fetch: its metadata plus its stored batch bytes, as they are on disk (whole
// RecordBatch v2 batches; the first may start before the offset asked for).
export interface FetchedPartition {
  topic: string
  partition: number
  highWatermark: number
  logStartOffset: number
  bytes: number
  error?: PartitionError // e.g. OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC, PARTITION_OFFLINE, CORRUPT_LOG
  // With CORRUPT_LOG: the first offset after the damage, where reading can go on.
  nextOffset?: number
  records: Buffer
}

export interface FetchResult {
  partitions: FetchedPartition[]
}

export interface RecordApi {
  // batches: one or more complete RecordBatch v2 batches for one partition. acks=0 resolves to null once
  // the bytes are handed to the transport; nothing tells whether they were appended.
  produce(topic: string, partition: number, batches: Uint8Array, acks?: Acks, timeoutMs?: number): Promise<ProduceResult | null>
  // The most batches one produce() may carry (absent: no limit) — Kafka's brokers take one per partition.
  readonly maxBatchesPerProduce?: number
  fetch(request: FetchRequest): Promise<FetchResult>
  // With the 'idempotence' capability: a producer id no producer had before, epoch 0.
  initProducerId?(): Promise<ProducerIdentity>
}

// ── Groups: committed offsets, membership, administration ───────────────────────────────────────────
// A committed offset is the NEXT offset to consume (Kafka's convention). Group ids are free-form user text.
export interface CommittedOffset {
  topic: string
  partition: number
  offset: number // -1 when the group has no commit for that partition
  metadata: string
}

export interface OffsetToCommit {
  topic: string
  partition: number
  offset: number
  metadata?: string
}

export interface CommitResult {
  topic: string
  partition: number
  error?: PartitionError
}

// Who commits: a member (its id and the epoch its last heartbeat answer carried), or nobody — a "simple"
// commit, refused (NON_EMPTY_GROUP) while the group has members.
export interface GroupMemberRef {
  memberId: string
  memberEpoch: number
}

// One heartbeat of the consumer protocol (Kafka 4's KIP-848): memberEpoch 0 joins (memberId '', topics
// needed), -1 leaves, -2 leaves but keeps a static member's partitions until its session times out;
// otherwise the epoch of the last answer. owned: what the member holds now, after any give-back it has
// finished (a partition it was told to give back is released only once owned leaves it out). waitMs: a
// long poll, answered at once when the answer changes.
export interface MemberHeartbeat {
  memberId: string
  memberEpoch: number
  instanceId?: string
  clientId?: string
  clientHost?: string
  topics?: string[]
  assignor?: string // range | roundrobin | sticky
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  owned?: TopicPartition[]
  waitMs?: number
}

// assignment: what the member owns from now on — keep reading what it owned and is in here, start new
// ones at the committed offset, give back the rest. pending: partitions of its target others still hold.
export interface MemberAssignment {
  memberId: string
  memberEpoch: number
  heartbeatIntervalMs: number
  sessionTimeoutMs: number
  assignment: TopicPartition[]
  pending: number
}

export type GroupType = 'consumer' | 'classic' | '' // '' — committed offsets only, no members

export interface GroupListing {
  group: string
  type: GroupType
  state: string // Empty | Reconciling | Stable (consumer); PreparingRebalance | CompletingRebalance | Stable (classic)
  members: number
}

export interface GroupMemberDescription {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  memberEpoch: number
  topics: string[]
  assignment: TopicPartition[] // owned now
  target: TopicPartition[] // owned once the handover is done
}

export interface GroupPartitionLag {
  topic: string
  partition: number
  currentOffset: number // committed (the next offset to read); -1 when none
  logStartOffset: number
  logEndOffset: number
  lag: number // logEndOffset − max(currentOffset, logStartOffset), never negative
  memberId: string // '' when no member owns it
  clientId: string
}

export interface GroupDescription {
  group: string
  type: GroupType
  state: string
  epoch: number // group epoch (consumer) or generation (classic)
  assignor: string
  members: GroupMemberDescription[]
  partitions: GroupPartitionLag[]
  totalLag: number
}

export interface GroupApi {
  // partitions omitted: every partition the group has committed
  fetchOffsets(group: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]>
  commitOffsets(group: string, offsets: OffsetToCommit[], member?: GroupMemberRef): Promise<CommitResult[]>
  heartbeat(group: string, request: MemberHeartbeat): Promise<MemberAssignment>
  listGroups(): Promise<GroupListing[]>
  // GROUP_ID_NOT_FOUND when the group has neither members nor committed offsets
  describeGroup(group: string): Promise<GroupDescription>
  // forgets its committed offsets; NON_EMPTY_GROUP while it has members
  deleteGroup(group: string): Promise<void>
}
