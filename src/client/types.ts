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
// (fetch and commit). Group membership (join, sync, heartbeat, leave) will be its own capability.
export type Capability = 'groups'

export interface Client {
  readonly admin: AdminApi
  readonly records: RecordApi
  readonly groups: GroupApi
  supports(capability: Capability): boolean
  close(): Promise<void>
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
