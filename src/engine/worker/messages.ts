// The messages between the daemon's main thread and its partition workers (worker_threads). Types and
// one constant only, so both sides import this file: the worker without loading any socket code, the main
// thread (broker/worker-pool.ts) without loading any worker code.
//
// Main → worker: a WorkerRequest carries an `id`; the worker answers every one with exactly one
// WorkerReply of the same id (ok or error). Record data never crosses as JS objects: produce batches go
// down as one transferred ArrayBuffer per request, fetch results come back as one transferred ArrayBuffer
// per worker per fetch (the partitions' bytes concatenated). Never one message per record.
//
// Worker → main, unsolicited: `hwm` announcements (batched: one message per worker event-loop turn, as a
// flat number array) that wake long-poll fetches; `log` lines; `offline` when a partition hits a storage
// error. Partitions are named by a numeric id the main thread assigns (unique for the daemon's life).
import {emptyCleanerStats, type CleanerStats} from '../../storage/log-cleaner-types.js'
import type {LogConfig} from '../../storage/log-config.js'
import type {WireError} from '../../wire-error.js'

export interface PartitionSpec {
  id: number
  topic: string
  partition: number
  dir: string // absolute; the main thread built it from a validated topic name
  config: LogConfig
}

export interface RecoveryReport {
  clean: boolean
  recoveredFrom: number | null
  truncatedBytes: number
  messages: string[]
  quarantined: null | {file: string; position: number; problem: string}
}

export interface PartitionStats {
  id: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  sizeInBytes: number
  segments: number
  online: boolean
  cleaner?: PartitionCleanerInfo // with StatsRequest.cleaner, for a compacted partition
  compaction?: CompactionProgress // with StatsRequest.cleaner, while a requested compaction covers it
}

// The log cleaner's view of one compacted partition (storage/log-to-clean.ts cleanerState, plus the
// worker's own state), for `topic describe`.
export interface PartitionCleanerInfo {
  cleanBytes: number // closed segments below firstDirtyOffset: compacted by an earlier pass
  dirtyBytes: number // closed segments from firstDirtyOffset that a pass may clean now
  dirtyRatio: number // dirtyBytes / (cleanBytes + dirtyBytes)
  firstDirtyOffset: number
  lastCleanedAt: number | null // when a pass last finished (ms), null: never
  cleanableBecause: 'dirty-ratio' | 'max-compaction-lag' | null // why the daemon would clean it now
  cleaning: boolean // a pass over it is running now
  uncleanable: string | null // why the daemon stopped cleaning it until restart (a pass failed), or null
}

// A requested compaction's progress on one partition, in bytes read (estimated until its pass starts).
export interface CompactionProgress {
  state: 'queued' | 'cleaning'
  done: number
  total: number
}

// Errors cross as the one wire form (src/wire-error.ts): toWireError on the worker, fromWireError back.
export type {WireError}

// ── requests ─────────────────────────────────────────────────────────────────────────────────────────
export interface OpenRequest {
  type: 'open'
  id: number
  partitions: PartitionSpec[]
}
export interface OpenResult {
  partitions: {id: number; stats: PartitionStats | null; recovery: RecoveryReport | null; error?: WireError}[]
}

// Closes (and with destroy: deletes from disk) partitions. A partition closed by id is forgotten.
export interface CloseRequest {
  type: 'close'
  id: number
  partitions: number[]
  destroy: boolean
}

export interface ProduceWorkerRequest {
  type: 'produce'
  id: number
  partition: number
  acks: 0 | 1 | -1
  bytes: ArrayBuffer // one or more RecordBatch v2 batches, transferred
}
export interface ProduceResult {
  baseOffset: number
  lastOffset: number
  logAppendTime: number
  logStartOffset: number
  duplicate?: true // an idempotent producer's retry of batches already appended: nothing was written
  retried?: {baseOffset: number; lastOffset: number; bytes: number} // its first batches were, the rest written now
}

export interface FetchWorkerRequest {
  type: 'fetch'
  id: number
  // in request order; maxBytes already capped by the main thread
  partitions: {partition: number; offset: number; maxBytes: number}[]
  maxBytes: number // budget for this worker's share of the response
}
export interface FetchPartitionResult {
  partition: number
  highWatermark: number
  logStartOffset: number
  bytes: number // how many bytes of `data` belong to this partition, in order
  error?: WireError
  nextOffset?: number // with a CORRUPT_LOG error: the first offset after the damage, where reading can go on
}
export interface FetchResult {
  partitions: FetchPartitionResult[]
  data: ArrayBuffer | null // transferred; null when every partition returned 0 bytes
}

export interface ListOffsetsWorkerRequest {
  type: 'listOffsets'
  id: number
  partitions: {partition: number; timestamp: number}[]
}
export interface ListOffsetsResult {
  partitions: {partition: number; offset: number; timestamp: number; error?: WireError}[]
}

export interface DeleteRecordsWorkerRequest {
  type: 'deleteRecords'
  id: number
  partitions: {partition: number; offset: number}[] // offset -1 = the high watermark
}
export interface DeleteRecordsResult {
  partitions: {partition: number; lowWatermark: number; error?: WireError}[]
}

export interface StatsRequest {
  type: 'stats'
  id: number
  partitions: number[] | null // null = every partition the worker owns
  cleaner?: boolean // add `cleaner` and `compaction` to the compacted partitions' stats
}
export interface StatsResult {
  partitions: PartitionStats[]
}

export interface UpdateConfigRequest {
  type: 'updateConfig'
  id: number
  partitions: number[]
  config: LogConfig
}

// `samsa topic compact`: roll each partition's active segment and clean it now (passes with force until
// one covers the whole dirty section), or with dryRun count what a pass would remove and write nothing.
// Answered once every listed partition is done; a partition's failure is its entry's error.
export interface CompactWorkerRequest {
  type: 'compact'
  id: number
  partitions: number[]
  dryRun: boolean
}
export interface CompactPartitionResult {
  partition: number // the partition's id
  passes: number // cleaning passes run (0: nothing to clean)
  complete: boolean // the whole dirty section was cleaned (a dry run: counted) — false when the offset map filled on a dry run
  firstDirtyOffset: number // where the first pass began
  endOffset: number // the log is clean below this now (a dry run: would be)
  sizeBefore: number // the partition's bytes before (after the roll)
  sizeAfter: number
  stats: CleanerStats // summed over the passes
  retention: {deletedSegments: number; deletedBytes: number} | null // cleanup.policy=compact,delete
  abandoned: string | null // why the last pass gave up (the log changed under it), or null
  error?: WireError
}
export interface CompactResult {
  partitions: CompactPartitionResult[]
}
/** A partition no pass has touched (yet): where a compaction's answer starts, and what a failure fills in. */
export function untouchedPartition(id: number): CompactPartitionResult {
  return {
    partition: id,
    passes: 0,
    complete: true,
    firstDirtyOffset: -1,
    endOffset: -1,
    sizeBefore: 0,
    sizeAfter: 0,
    stats: emptyCleanerStats(),
    retention: null,
    abandoned: null,
  }
}

// The daemon is stopping: the cleaner gives its pass up and fails the compactions waiting, so a stop does
// not wait for them (answered at once; the shutdown request comes later).
export interface StopCleaningRequest {
  type: 'stopCleaning'
  id: number
}

// Flush and close every partition (clean-shutdown markers), then answer; the worker then exits.
export interface ShutdownWorkerRequest {
  type: 'shutdown'
  id: number
}

export type WorkerRequest =
  | OpenRequest
  | CloseRequest
  | ProduceWorkerRequest
  | FetchWorkerRequest
  | ListOffsetsWorkerRequest
  | DeleteRecordsWorkerRequest
  | StatsRequest
  | UpdateConfigRequest
  | CompactWorkerRequest
  | StopCleaningRequest
  | ShutdownWorkerRequest

// Fire-and-forget (no id, no reply): partitions with parked long-poll fetches. For a watched partition
// the worker hands the bytes of each append back with its high-watermark announcement (the produce
// request's own ArrayBuffer, transferred again: no copy), so a parked fetch at the old log end is
// answered without another round trip to the worker — the long-poll wake-up path.
export interface WatchMessage {
  type: 'watch'
  partitions: number[]
  on: boolean
}

// ── worker → main ────────────────────────────────────────────────────────────────────────────────────
export interface ReplyMessage {
  type: 'reply'
  id: number
  result?: unknown
  error?: WireError
}
// updates = [partitionId, highWatermark, logStartOffset, partitionId, …]: a flat array clones cheaply.
// tails: what was appended to watched partitions this turn (whole batches from offset `from`), transferred.
export interface HwmMessage {
  type: 'hwm'
  updates: number[]
  tails?: Tail[]
}
export interface Tail {
  partition: number
  from: number
  bytes: ArrayBuffer
}
export interface LogMessage {
  type: 'log'
  line: string
}
export interface OfflineMessage {
  type: 'offline'
  partition: number
  message: string
}
export type WorkerMessage = ReplyMessage | HwmMessage | LogMessage | OfflineMessage

// Data passed to the worker at start (workerData).
export interface WorkerInit {
  index: number
  generation: number // 0 for a slot's first worker, +1 for each replacement after a worker died
  retentionCheckMs: number // how often retention runs (also after every roll)
  tickMs: number // how often flush.ms and segment.ms are checked
}

export const HWM_STRIDE = 3
