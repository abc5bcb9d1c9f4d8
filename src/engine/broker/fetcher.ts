// Fetch on the main thread: resolves the requested partitions, answers those it can from the partition
// table (a tailing consumer's: nothing new at the log end, or the tail a worker just announced), asks each
// owning worker for the rest in one message (partitions in request order), assembles the answer in request
// order within the response byte limit, and long-polls through FetchWaiters when fewer than minBytes are
// available.
//
// Limits: the answer is at most maxBytes (capped at MAX_FETCH_RESPONSE_BYTES), except that the first
// batch of the answer is always whole, and each partition's first batch is whole within what the
// partition gets (storage's read rule). Later partitions get only whole batches that still fit.
// Batch bytes are never copied or re-encoded here: they are views into the workers' transferred buffers,
// which a front end writes to its socket as they are.
import {SamsaError} from '../../errors.js'
import {BATCH_LENGTH_POS, LOG_OVERHEAD} from '../../format/batch-header.js'
import {topicNameProblem} from '../../topic-name.js'
import {asSamsaError, fromWireError} from '../../wire-error.js'
import type {FetchResult} from '../worker/messages.js'
import type {FetchWaiters, WakeReason} from './fetch-waiters.js'
import {MAX_FETCH_RESPONSE_BYTES} from './operations.js'
import type {PartitionRef, PartitionTable} from './partition-table.js'
import type {WorkerPool} from './worker-pool.js'

export const MAX_FETCH_WAIT_MS = 5 * 60_000
export const MAX_FETCH_PARTITIONS = 10_000

export interface FetchPartitionQuery {
  topic: string
  partition: number
  offset: number
  maxBytes: number // this partition's limit
}

export interface FetchQuery {
  partitions: FetchPartitionQuery[]
  maxWaitMs: number
  minBytes: number
  maxBytes: number // the whole answer's limit
}

export interface FetchedPartition {
  topic: string
  partition: number
  highWatermark: number
  logStartOffset: number
  records: Buffer | null // whole batches from the one holding the offset asked for; a view, never a copy
  error?: SamsaError // e.g. OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC, PARTITION_OFFLINE, CORRUPT_LOG
  nextOffset?: number // with CORRUPT_LOG: the first offset after the damage, where reading can go on
}

// Who asked, as far as a long poll cares: whether they are gone, and a hook to stop waiting the moment they
// go (a front end's connection).
export interface FetchContext {
  readonly closed: boolean
  // Calls fn once when the asker goes away; returns a function that removes the hook.
  onClose(fn: () => void): () => void
}

interface Part {
  out: FetchedPartition
  ref: PartitionRef | null // null when the partition could not be resolved (out.error says why)
  offset: number
  maxBytes: number
  seenHwm: number
}

// End of the last whole batch of buf that ends within limit (at least the first one when atLeastOne).
function wholeBatchesWithin(buf: Buffer, limit: number, atLeastOne: boolean): number {
  let pos = 0
  while (pos + LOG_OVERHEAD <= buf.length) {
    const end = pos + buf.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (end > buf.length) break
    if (end > limit && !(atLeastOne && pos === 0)) break
    pos = end
  }
  return pos
}

export class Fetcher {
  constructor(
    private readonly table: PartitionTable,
    private readonly pool: WorkerPool,
    private readonly waiters: FetchWaiters,
  ) {}

  async fetch(query: FetchQuery, ctx: FetchContext): Promise<FetchedPartition[]> {
    const maxWaitMs = Math.max(0, Math.min(query.maxWaitMs, MAX_FETCH_WAIT_MS))
    const minBytes = query.minBytes
    const maxBytes = Math.max(0, Math.min(query.maxBytes, MAX_FETCH_RESPONSE_BYTES))
    const parts = query.partitions.map((q) => this.resolve(q))
    const ids = parts.filter((p) => p.ref !== null).map((p) => p.ref!.id)
    const deadline = Date.now() + maxWaitMs
    // A fetch that parks when it finds nothing can take the main thread's word that nothing is at the log
    // end: its high watermark may lag the worker's by an announcement on its way, which wakes the park.
    const endIsEmpty = maxWaitMs > 0 && minBytes > 0
    for (;;) {
      const total = await this.readOnce(parts, maxBytes, endIsEmpty)
      const failed = parts.some((p) => p.out.error !== undefined)
      if (total >= minBytes || failed || ctx.closed || ids.length === 0 || Date.now() >= deadline) return answer(parts)
      // An announcement may have arrived between the workers' reads and now: read again rather than park.
      if (this.advanced(parts)) continue
      const reason = await this.park(ids, deadline - Date.now(), ctx)
      if (reason === 'cancel') return answer(parts)
      if (reason === 'timeout' && !this.advanced(parts)) return answer(parts)
    }
  }

  // Answers a partition from what the main thread knows, without asking its worker: at the log end (when
  // endIsEmpty) nothing, and at the start of the last announced tail its bytes — a tailing consumer's
  // every fetch. False when the worker has to answer (an error to report, or older data to read).
  private answeredHere(p: Part, limit: number, endIsEmpty: boolean): boolean {
    const ref = p.ref!
    if (ref.offline !== null || p.offset < ref.logStartOffset) return false
    let records: Buffer | null = null
    if (p.offset === ref.highWatermark) {
      if (!endIsEmpty) return false
    } else {
      const t = ref.tail
      if (t === null || t.from !== p.offset || t.end > ref.highWatermark) return false
      const keep = t.bytes.length <= limit ? t.bytes.length : wholeBatchesWithin(t.bytes, limit, true)
      records = t.bytes.subarray(0, keep)
    }
    p.out.records = records
    p.out.highWatermark = ref.highWatermark
    p.out.logStartOffset = ref.logStartOffset
    p.seenHwm = ref.highWatermark
    return true
  }

  private resolve(q: FetchPartitionQuery): Part {
    const out: FetchedPartition = {topic: q.topic, partition: q.partition, highWatermark: -1, logStartOffset: -1, records: null}
    const part: Part = {out, ref: null, offset: q.offset, maxBytes: Math.max(0, Math.min(q.maxBytes, MAX_FETCH_RESPONSE_BYTES)), seenHwm: -1}
    const problem = topicNameProblem(q.topic)
    try {
      if (problem) throw new SamsaError('INVALID_TOPIC', problem)
      part.ref = this.table.partition(q.topic, q.partition)
    } catch (err) {
      out.error = asSamsaError(err)
    }
    return part
  }

  private advanced(parts: Part[]): boolean {
    return parts.some((p) => p.ref !== null && p.ref.highWatermark > p.seenHwm)
  }

  private park(ids: number[], waitMs: number, ctx: FetchContext): Promise<WakeReason> {
    return new Promise((resolve) => {
      let removeHook = (): void => {}
      const w = this.waiters.park(ids, waitMs, (reason) => {
        removeHook()
        resolve(reason)
      })
      removeHook = ctx.onClose(() => this.waiters.cancel(w))
    })
  }

  // One read, from the workers where the main thread cannot answer; fills each part's answer; returns the
  // bytes kept.
  private async readOnce(parts: Part[], maxBytes: number, endIsEmpty: boolean): Promise<number> {
    const byWorker = new Map<number, Part[]>()
    for (const p of parts) {
      p.out.records = null
      if (!p.ref || p.out.error) continue
      if (this.table.byPartitionId(p.ref.id) !== p.ref) {
        p.out.error = new SamsaError('UNKNOWN_TOPIC', `topic ${p.ref.topic} was deleted`)
        continue
      }
      if (this.answeredHere(p, Math.min(p.maxBytes, maxBytes), endIsEmpty)) continue
      let share = byWorker.get(p.ref.worker)
      if (!share) byWorker.set(p.ref.worker, (share = []))
      share.push(p)
    }
    await Promise.all(
      [...byWorker].map(async ([worker, share]) => {
        let result: FetchResult
        try {
          result = await this.pool.request<FetchResult>(worker, {
            type: 'fetch',
            partitions: share.map((p) => ({partition: p.ref!.id, offset: p.offset, maxBytes: Math.min(p.maxBytes, maxBytes)})),
            maxBytes,
          })
        } catch (err) {
          for (const p of share) p.out.error = asSamsaError(err)
          return
        }
        const data = result.data ? Buffer.from(result.data) : null
        let at = 0
        result.partitions.forEach((r, i) => {
          const p = share[i]!
          p.out.highWatermark = r.highWatermark
          p.out.logStartOffset = r.logStartOffset
          p.seenHwm = r.highWatermark
          if (r.highWatermark > p.ref!.highWatermark) p.ref!.highWatermark = r.highWatermark
          if (r.error) p.out.error = fromWireError(r.error)
          if (r.nextOffset !== undefined) p.out.nextOffset = r.nextOffset
          if (r.bytes > 0 && data) p.out.records = data.subarray(at, at + r.bytes)
          at += r.bytes
        })
      }),
    )
    // The response limit, in request order: whole batches only; the answer's first batch always whole.
    let budget = maxBytes
    let kept = 0
    for (const p of parts) {
      const records = p.out.records
      if (!records) continue
      const keep = records.length <= budget ? records.length : wholeBatchesWithin(records, budget, kept === 0)
      p.out.records = keep > 0 ? records.subarray(0, keep) : null
      kept += keep
      budget = Math.max(0, budget - keep)
    }
    return kept
  }
}

function answer(parts: Part[]): FetchedPartition[] {
  return parts.map((p) => p.out)
}
