// The worker thread's shared state and its small helpers: the partitions this worker owns, the channel to
// the main thread (post, reply, log), and the rules that turn storage errors into wire errors and take a
// partition offline. Every module in src/engine/worker/ runs on that one worker thread only: no locks,
// no races — one owner per partition (DESIGN.md).
import {parentPort, workerData} from 'node:worker_threads'
import {SamsaError, isSamsaError} from '../../errors.js'
import type {PartitionLog} from '../../storage/partition-log.js'
import {toWireError, type WireError} from '../../wire-error.js'
import type {PartitionSpec, PartitionStats, Tail, WorkerInit, WorkerMessage} from './messages.js'

export interface Owned {
  spec: PartitionSpec
  label: string // "topic-partition", for log lines
  log: PartitionLog | null // null when open failed
  offline: string | null // why, once a storage error took it offline
  activeBase: number // base offset of the active segment as last seen
  activeSince: number // when that segment was first seen non-empty (segment.ms is measured from here)
  announcedHwm: number
  announcedLogStart: number
  reportedDamage: Set<string> // corrupt batches a fetch found and daemon.log was told of ("file:byte")
}

export type OpenOwned = Owned & {log: PartitionLog}

// Errors that are the request's fault, not the disk's: they never take a partition offline.
const CLIENT_ERRORS = new Set([
  'CORRUPT_MESSAGE', 'MESSAGE_TOO_LARGE', 'OFFSET_OUT_OF_RANGE', 'INVALID_REQUEST', 'INVALID_INPUT', 'INVALID_CONFIG',
  'UNKNOWN_PARTITION', 'PARTITION_OFFLINE',
])

const port = parentPort!
export const init = workerData as WorkerInit
export const owned = new Map<number, Owned>()
export const watched = new Set<number>() // partitions with parked long-polls on the main thread
// mutable scalars shared by the worker's modules
export const state = {
  tails: [] as Tail[], // appended bytes of watched partitions, handed over with the next announcement
  stopping: false,
}

export function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer)
}

export function log(line: string): void {
  post({type: 'log', line: `worker ${init.index}: ${line}`})
}

// On this thread, whatever is not a SamsaError was thrown by storage.
export function toWire(err: unknown): WireError {
  return toWireError(err, 'STORAGE_ERROR')
}

export function reply(id: number, result: unknown, transfer?: ArrayBuffer[]): void {
  post({type: 'reply', id, result}, transfer)
}

export function replyError(id: number, err: unknown): void {
  post({type: 'reply', id, error: toWire(err)})
}

// The partition, online, or a SamsaError the caller turns into that partition's error.
export function online(id: number): OpenOwned {
  const p = owned.get(id)
  if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${init.index}`)
  if (p.offline !== null || !p.log || !p.log.online) {
    throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
  }
  return p as OpenOwned
}

// Reads also work on a partition taken offline by a write failure or quarantined by recovery (storage
// serves what lies below the log end), so a consumer can still drain what was stored.
export function readable(id: number): OpenOwned {
  const p = owned.get(id)
  if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${init.index}`)
  if (!p.log) throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
  return p as OpenOwned
}

// Called with any error thrown by storage: a disk problem takes the partition offline (README Guarantees,
// rule 2: never retry an fsync and then acknowledge), a request problem is just rethrown.
export function storageFailed(p: Owned, err: unknown): SamsaError {
  if (isSamsaError(err) && CLIENT_ERRORS.has(err.code) && (p.log?.online ?? true)) return err
  const wire = toWire(err)
  if (p.offline === null) {
    p.offline = wire.message
    log(`partition ${p.label} is now offline: ${wire.message}`)
    post({type: 'offline', partition: p.spec.id, message: wire.message})
  }
  // the request that hit the failure learns what failed; later ones get PARTITION_OFFLINE (online())
  if (isSamsaError(err) && (err.code === 'STORAGE_ERROR' || err.code === 'CORRUPT_LOG')) return err
  if (isSamsaError(err) && err.code === 'PARTITION_OFFLINE') return err
  return new SamsaError('STORAGE_ERROR', wire.message)
}

export function stats(p: Owned): PartitionStats {
  const l = p.log
  if (!l) {
    return {id: p.spec.id, logStartOffset: 0, logEndOffset: 0, highWatermark: 0, sizeInBytes: 0, segments: 0, online: false}
  }
  return {
    id: p.spec.id,
    logStartOffset: l.logStartOffset,
    logEndOffset: l.logEndOffset,
    highWatermark: l.highWatermark,
    sizeInBytes: l.sizeInBytes,
    segments: l.segmentCount,
    online: p.offline === null && l.online,
  }
}
