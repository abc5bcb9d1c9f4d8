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
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** The broker time stamped on the batch for LogAppendTime topics, else -1. */
  logAppendTime: number
  logStartOffset: number
}

export interface ReadResult {
  /** Whole batches, the first holding the requested offset; empty at the log end. */
  bytes: Buffer
  highWatermark: number
  logStartOffset: number
}

export interface SegmentInfo {
  baseOffset: number
  sizeInBytes: number
  lastModified: number
}
