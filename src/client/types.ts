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
// (fetch and commit). 'idempotence': producer ids (RecordApi.initProducerId), so a retried batch is
// appended once. Group membership (join, sync, heartbeat, leave) will be its own capability.
export type Capability = 'groups' | 'idempotence'

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

export interface AdminApi {
  createTopic(name: string, options?: CreateTopicOptions): Promise<CreateTopicResult>
  listTopics(): Promise<TopicSummary[]>
  describeTopics(names: string[]): Promise<TopicDescription[]>
  describeTopic(name: string): Promise<TopicDescription>
  alterTopic(name: string, options: AlterTopicOptions): Promise<TopicDescription>
  deleteTopic(name: string, options?: {ifExists?: boolean}): Promise<boolean>
  listOffsets(partitions: (TopicPartition & {timestamp: number})[]): Promise<ListedOffset[]>
  deleteRecords(partitions: (TopicPartition & {offset: number})[]): Promise<DeletedRecords[]> // offset -1: to the high watermark
}

// ── Records: produce and fetch RecordBatch v2 bytes ─────────────────────────────────────────────────
export type Acks = 0 | 1 | -1 // -1 = all: the answer comes after an fsync that began after the write

export interface ProduceResult {
  baseOffset: number // offset of the first record of the first batch
  lastOffset: number // offset of the last record of the last batch
  logAppendTime: number // -1 unless the topic uses LogAppendTime
  logStartOffset: number
  duplicate?: true // an idempotent producer's retry of batches already appended: these are their offsets
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
  fetch(request: FetchRequest): Promise<FetchResult>
  // With the 'idempotence' capability: a producer id no producer had before, epoch 0.
  initProducerId?(): Promise<ProducerIdentity>
}

// ── Groups: committed offsets (membership comes later: join, sync, heartbeat, leave) ────────────────
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

export interface GroupApi {
  // partitions omitted: every partition the group has committed
  fetchOffsets(group: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]>
  commitOffsets(group: string, offsets: OffsetToCommit[]): Promise<CommitResult[]>
}
