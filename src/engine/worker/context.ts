// A worker thread's shared state and its small helpers: the partitions this worker owns, the channel to
// the main thread (post, reply, log, the high-watermark announcements), and the rules that turn storage
// errors into wire errors and take a partition offline. Every module in src/engine/worker/ runs on that
// one worker thread only: no locks, no races — one owner per partition (DESIGN.md).
//
// Nothing here reads parentPort or workerData: main.ts builds one context around the thread's real port;
// a test builds one around a port of its own and drives the worker in-process, on real storage.
//
// Announcements: one `hwm` message per event-loop turn, whatever the number of appends, carrying the new
// high watermarks and log start offsets of the partitions that changed, plus the appended bytes of watched
// partitions (the long-poll wake-up path, messages.ts).
import {SamsaError, isSamsaError} from '../../errors.js'
import type {PartitionLog} from '../../storage/partition-log.js'
import {toWireError, type WireError} from '../../wire-error.js'
import type {PartitionSpec, PartitionStats, Tail, WorkerInit, WorkerMessage} from './messages.js'

// The thread's side of its channel to the main thread (a MessagePort: parentPort in a real worker).
export interface WorkerPort {
  postMessage(msg: WorkerMessage, transfer?: readonly ArrayBuffer[]): void
}

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
  'UNKNOWN_PARTITION', 'PARTITION_OFFLINE', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH',
])

// On a worker thread, whatever is not a SamsaError was thrown by storage.
export function toWire(err: unknown): WireError {
  return toWireError(err, 'STORAGE_ERROR')
}

export class WorkerContext {
  readonly owned = new Map<number, Owned>()
  readonly watched = new Set<number>() // partitions with parked long-polls on the main thread
  tails: Tail[] = [] // appended bytes of watched partitions, handed over with the next announcement
  stopping = false
  private readonly changed = new Set<Owned>()
  private announceScheduled = false
  private readonly announceSoon = (): void => this.announce()

  constructor(
    private readonly port: WorkerPort,
    readonly init: WorkerInit,
  ) {}

  post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(msg, transfer)
  }

  log(line: string): void {
    this.post({type: 'log', line: `worker ${this.init.index}: ${line}`})
  }

  reply(id: number, result: unknown, transfer?: ArrayBuffer[]): void {
    this.post({type: 'reply', id, result}, transfer)
  }

  replyError(id: number, err: unknown): void {
    this.post({type: 'reply', id, error: toWire(err)})
  }

  // The partition, online, or a SamsaError the caller turns into that partition's error.
  online(id: number): OpenOwned {
    const p = this.owned.get(id)
    if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${this.init.index}`)
    if (p.offline !== null || !p.log || !p.log.online) {
      throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
    }
    return p as OpenOwned
  }

  // Reads also work on a partition taken offline by a write failure or quarantined by recovery (storage
  // serves what lies below the log end), so a consumer can still drain what was stored.
  readable(id: number): OpenOwned {
    const p = this.owned.get(id)
    if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${this.init.index}`)
    if (!p.log) throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
    return p as OpenOwned
  }

  // Called with any error thrown by storage: a disk problem takes the partition offline (README
  // Guarantees, rule 2: never retry an fsync and then acknowledge), a request problem is just rethrown.
  storageFailed(p: Owned, err: unknown): SamsaError {
    if (isSamsaError(err) && CLIENT_ERRORS.has(err.code) && (p.log?.online ?? true)) return err
    const wire = toWire(err)
    if (p.offline === null) {
      p.offline = wire.message
      this.log(`partition ${p.label} is now offline: ${wire.message}`)
      this.post({type: 'offline', partition: p.spec.id, message: wire.message})
    }
    // the request that hit the failure learns what failed; later ones get PARTITION_OFFLINE (online())
    if (isSamsaError(err) && (err.code === 'STORAGE_ERROR' || err.code === 'CORRUPT_LOG')) return err
    if (isSamsaError(err) && err.code === 'PARTITION_OFFLINE') return err
    return new SamsaError('STORAGE_ERROR', wire.message)
  }

  stats(p: Owned): PartitionStats {
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

  // The partition's high watermark or log start may have moved: announce it at the end of this turn.
  markChanged(p: Owned): void {
    this.changed.add(p)
    if (!this.announceScheduled) {
      this.announceScheduled = true
      setImmediate(this.announceSoon)
    }
  }

  forgetChanged(p: Owned): void {
    this.changed.delete(p)
  }

  private announce(): void {
    this.announceScheduled = false
    const updates: number[] = []
    for (const p of this.changed) {
      if (!p.log || !this.owned.has(p.spec.id)) continue
      const hwm = p.log.highWatermark
      const logStart = p.log.logStartOffset
      if (hwm === p.announcedHwm && logStart === p.announcedLogStart) continue
      p.announcedHwm = hwm
      p.announcedLogStart = logStart
      updates.push(p.spec.id, hwm, logStart) // HWM_STRIDE numbers per partition
    }
    this.changed.clear()
    if (this.tails.length > 0) {
      const sent = this.tails
      this.tails = []
      this.post({type: 'hwm', updates, tails: sent}, sent.map((t) => t.bytes))
    } else if (updates.length > 0) {
      this.post({type: 'hwm', updates})
    }
  }
}
