// Fetch on the main thread: resolves the requested partitions, asks each owning worker for its share in
// one message (partitions in request order), assembles the response in request order within the
// response byte limit, and long-polls through FetchWaiters when fewer than minBytes are available.
//
// Limits: the response is at most maxBytes (capped at MAX_FETCH_RESPONSE_BYTES), except that the first
// batch of the response is always whole, and each partition's first batch is whole within what the
// partition gets (storage's read rule). Later partitions get only whole batches that still fit.
// Batch bytes are never copied or re-encoded here: they are views into the workers' transferred buffers.
import {SamsaError} from '../../errors.js'
import {BATCH_LENGTH_POS, LOG_OVERHEAD} from '../../format/batch-header.js'
import type {FetchPartitionResponse, FetchResponse} from '../../protocol/control/messages.js'
import {topicNameProblem} from '../../topic-name.js'
import type {FetchWaiters, WakeReason} from './fetch-waiters.js'
import type {PartitionRef, PartitionTable} from './partition-table.js'
import type {Reply, RequestContext} from '../control/request-context.js'
import {asBody, anyValue, int, list, type Body} from '../control/request-body.js'
import type {FetchResult, Tail} from '../worker/messages.js'
import type {WorkerPool} from './worker-pool.js'
import {fromWireError, toWireError as wire} from '../../wire-error.js'

export const MAX_FETCH_RESPONSE_BYTES = 8 * 1024 * 1024
export const MAX_FETCH_WAIT_MS = 5 * 60_000
export const MAX_FETCH_PARTITIONS = 10_000

interface Part {
  entry: FetchPartitionResponse
  ref: PartitionRef | null // null when the partition could not be resolved (entry.error says why)
  offset: number
  maxBytes: number
  seenHwm: number
  data: Buffer | null
}

// How many response bytes a fetch may need: reserved against the connection's output budget while it runs.
export function fetchReserve(body: unknown): number {
  const b = body as {maxBytes?: unknown} | null
  const m = b && typeof b === 'object' && typeof b.maxBytes === 'number' ? b.maxBytes : MAX_FETCH_RESPONSE_BYTES
  return Math.max(0, Math.min(m, MAX_FETCH_RESPONSE_BYTES))
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

export class FetchHandler {
  constructor(
    private readonly table: PartitionTable,
    private readonly pool: WorkerPool,
    private readonly waiters: FetchWaiters,
  ) {}

  async handle(raw: unknown, ctx: RequestContext): Promise<Reply> {
    const body = asBody(raw, 'Fetch')
    const items = list(body, 'partitions', MAX_FETCH_PARTITIONS)
    const maxWaitMs = Math.min(int(body, 'maxWaitMs', {min: 0, default: 0}), MAX_FETCH_WAIT_MS)
    const minBytes = int(body, 'minBytes', {min: 0, default: 1})
    const maxBytes = Math.min(int(body, 'maxBytes', {min: 0, default: MAX_FETCH_RESPONSE_BYTES}), MAX_FETCH_RESPONSE_BYTES)
    const parts = items.map((item) => this.resolve(item))
    const ids = parts.filter((p) => p.ref !== null).map((p) => p.ref!.id)
    const deadline = Date.now() + maxWaitMs
    for (;;) {
      const total = await this.readOnce(parts, maxBytes)
      const failed = parts.some((p) => p.entry.error !== undefined)
      if (total >= minBytes || failed || ctx.closed || ids.length === 0 || Date.now() >= deadline) return this.reply(parts)
      // An announcement may have arrived between the workers' reads and now: read again rather than park.
      if (this.advanced(parts)) continue
      const {reason, tail} = await this.park(ids, deadline - Date.now(), ctx)
      if (reason === 'cancel') return this.reply(parts)
      if (tail && total === 0 && this.fromTail(parts, tail, maxBytes) >= Math.max(minBytes, 1)) return this.reply(parts)
      if (reason === 'timeout' && !this.advanced(parts)) return this.reply(parts)
    }
  }

  // The wake-up fast path: the fetch read nothing, and the worker just appended at exactly the offset
  // this fetch waits at; answer with those bytes (whole batches, within the limits) and no second read.
  private fromTail(parts: Part[], tail: Tail, maxBytes: number): number {
    const p = parts.find((x) => x.ref !== null && x.ref.id === tail.partition)
    if (!p || p.offset !== tail.from || p.entry.error) return 0
    const bytes = Buffer.from(tail.bytes)
    const limit = Math.min(p.maxBytes, maxBytes)
    const keep = bytes.length <= limit ? bytes.length : wholeBatchesWithin(bytes, limit, true)
    p.data = bytes.subarray(0, keep)
    p.entry.bytes = keep
    p.entry.highWatermark = Math.max(p.ref!.highWatermark, tail.from + 1)
    p.entry.logStartOffset = p.ref!.logStartOffset
    return keep
  }

  private resolve(item: Body): Part {
    const topic = anyValue(item, 'topic')
    const partition = anyValue(item, 'partition')
    const offset = int(item, 'offset')
    const maxBytes = Math.min(int(item, 'maxBytes', {min: 0, default: MAX_FETCH_RESPONSE_BYTES}), MAX_FETCH_RESPONSE_BYTES)
    if (typeof topic !== 'string') throw new SamsaError('INVALID_REQUEST', 'field "topic" must be a string')
    if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new SamsaError('INVALID_REQUEST', 'field "partition" must be an integer')
    const entry: FetchPartitionResponse = {topic, partition, highWatermark: -1, logStartOffset: -1, bytes: 0}
    const part: Part = {entry, ref: null, offset, maxBytes, seenHwm: -1, data: null}
    const problem = topicNameProblem(topic)
    try {
      if (problem) throw new SamsaError('INVALID_TOPIC', problem)
      part.ref = this.table.partition(topic, partition)
    } catch (err) {
      entry.error = wire(err)
    }
    return part
  }

  private advanced(parts: Part[]): boolean {
    return parts.some((p) => p.ref !== null && p.ref.highWatermark > p.seenHwm)
  }

  private park(ids: number[], waitMs: number, ctx: RequestContext): Promise<{reason: WakeReason; tail: Tail | null}> {
    return new Promise((resolve) => {
      let removeHook = (): void => {}
      const w = this.waiters.park(ids, waitMs, (reason, tail) => {
        removeHook()
        resolve({reason, tail})
      })
      removeHook = ctx.onClose(() => this.waiters.cancel(w))
    })
  }

  // One read from the workers; fills each part's entry and data; returns the bytes kept.
  private async readOnce(parts: Part[], maxBytes: number): Promise<number> {
    const byWorker = new Map<number, Part[]>()
    for (const p of parts) {
      p.data = null
      p.entry.bytes = 0
      if (!p.ref || p.entry.error) continue
      if (this.table.byPartitionId(p.ref.id) !== p.ref) {
        p.entry.error = wire(new SamsaError('UNKNOWN_TOPIC', `topic ${p.ref.topic} was deleted`))
        continue
      }
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
          for (const p of share) p.entry.error = wire(err)
          return
        }
        const data = result.data ? Buffer.from(result.data) : null
        let at = 0
        result.partitions.forEach((r, i) => {
          const p = share[i]!
          p.entry.highWatermark = r.highWatermark
          p.entry.logStartOffset = r.logStartOffset
          p.seenHwm = r.highWatermark
          if (r.highWatermark > p.ref!.highWatermark) p.ref!.highWatermark = r.highWatermark
          if (r.error) p.entry.error = fromWireError(r.error).toJSON()
          if (r.nextOffset !== undefined) p.entry.nextOffset = r.nextOffset
          if (r.bytes > 0 && data) p.data = data.subarray(at, at + r.bytes)
          at += r.bytes
        })
      }),
    )
    // The response limit, in request order: whole batches only; the response's first batch always whole.
    let budget = maxBytes
    let kept = 0
    for (const p of parts) {
      if (!p.data) continue
      const keep = p.data.length <= budget ? p.data.length : wholeBatchesWithin(p.data, budget, kept === 0)
      p.data = keep > 0 ? p.data.subarray(0, keep) : null
      p.entry.bytes = keep
      kept += keep
      budget = Math.max(0, budget - keep)
    }
    return kept
  }

  private reply(parts: Part[]): Reply {
    const response: FetchResponse = {partitions: parts.map((p) => p.entry)}
    const raw: Buffer[] = []
    for (const p of parts) if (p.data) raw.push(p.data)
    return {body: response, raw}
  }
}
