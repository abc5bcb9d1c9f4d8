// The shapes PartitionLog's callers (the daemon's partition worker, tests, the bench) exchange with it;
// see partition-log.ts for the semantics. Pure types, no layout. Owner: whoever holds the PartitionLog.

import type {FileIo} from './file-io.js'
import type {LogConfig} from './log-config.js'

export interface PartitionLogOptions {
  dir: string
  config: LogConfig
  io?: FileIo
  now?: () => number
  log?: (line: string) => void
  /** flush() rewrites recovery-point.checkpoint at most this often (ms). Default 1000; 0 = every flush. */
  checkpointIntervalMs?: number
  /** Kafka's producer.id.expiration.ms: an idempotent producer idle this long is forgotten. Default 1 day. */
  producerIdExpirationMs?: number
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** The broker time stamped on the batch for LogAppendTime topics, else -1. */
  logAppendTime: number
  logStartOffset: number
  /** The batches are an idempotent producer's retry of batches already appended: nothing was written. */
  duplicate?: true
  /**
   * The request's first batches were appended before (a retry of a request a crash cut between two runs of
   * its append): their offsets, and their length in the request; baseOffset/lastOffset are of the rest,
   * written now.
   */
  retried?: {baseOffset: number; lastOffset: number; bytes: number}
}

export interface ReadResult {
  /** Whole batches, the first holding the requested offset; empty at the log end. */
  bytes: Buffer
  highWatermark: number
  logStartOffset: number
}

/** What recovery did when the log was opened (log-loader.ts), kept as PartitionLog.recovery. */
export interface RecoveryReport {
  /** True when the clean-shutdown marker was present and the log matched it (nothing re-validated). */
  clean: boolean
  /** Offset validation started from (= logEndOffset after a clean start). */
  recoveredFrom: number
  /** Bytes cut from torn tails (and from later segments with no valid batch). */
  truncatedBytes: number
  /** One line per thing recovery did or found, also sent to the `log` callback. */
  messages: string[]
  /** Where corruption with valid data after it was found; the log is then offline. */
  quarantined: null | Quarantine
}

/**
 * Damage in the middle of the log: the first bad batch (file, byte, problem; `offset` is the first offset
 * it hides) and the intact batch where the log resumes after it (null: the log ends at the damage).
 */
export interface Quarantine {
  file: string
  position: number
  problem: string
  offset: number
  resume: null | {file: string; position: number; offset: number}
}

export interface SegmentInfo {
  baseOffset: number
  sizeInBytes: number
  lastModified: number
}
