// Fetch, ListOffsets and DeleteRecords on the worker thread: reads of the partitions this worker owns,
// and the one write that only moves the log start offset. Reads work on partitions that are offline for
// writes (a failed write, a quarantine): what is stored below the damage is still served.
// A corrupt batch found by a fetch fails that partition's share only (CORRUPT_LOG, with the next offset
// that reads); it does not take the partition offline: the damage is in old bytes, not in the write path.
import {SamsaError} from '../../errors.js'
import {CorruptBatchError} from '../../storage/corrupt-batch-error.js'
import type {
  DeleteRecordsResult,
  FetchPartitionResult,
  FetchResult,
  FetchWorkerRequest,
  ListOffsetsResult,
} from './messages.js'
import {toWire, type OpenOwned, type WorkerContext} from './context.js'

export function fetch(ctx: WorkerContext, msg: FetchWorkerRequest): void {
  const parts: FetchPartitionResult[] = []
  const chunks: Buffer[] = []
  let budget = msg.maxBytes
  let total = 0
  for (const q of msg.partitions) {
    const entry: FetchPartitionResult = {partition: q.partition, highWatermark: -1, logStartOffset: -1, bytes: 0}
    parts.push(entry)
    let p: OpenOwned | null = null
    try {
      p = ctx.readable(q.partition)
      entry.highWatermark = p.log.highWatermark
      entry.logStartOffset = p.log.logStartOffset
      if (budget <= 0) continue
      const r = p.log.read(q.offset, Math.min(q.maxBytes, budget))
      entry.highWatermark = r.highWatermark
      entry.logStartOffset = r.logStartOffset
      if (r.bytes.length > 0) {
        entry.bytes = r.bytes.length
        chunks.push(r.bytes)
        total += r.bytes.length
        budget -= r.bytes.length
      }
    } catch (err) {
      if (p && err instanceof CorruptBatchError) {
        entry.error = toWire(err)
        entry.nextOffset = err.nextOffset
        reportDamage(ctx, p, err)
      } else {
        entry.error = toWire(p ? ctx.storageFailed(p, err) : err)
      }
    }
  }
  // One fresh ArrayBuffer for the whole share: storage's buffers may be pooled, so never transfer those.
  let data: ArrayBuffer | null = null
  if (total > 0) {
    data = new ArrayBuffer(total)
    const view = new Uint8Array(data)
    let at = 0
    for (const c of chunks) {
      view.set(c, at)
      at += c.length
    }
  }
  const result: FetchResult = {partitions: parts, data}
  ctx.reply(msg.id, result, data ? [data] : undefined)
}

// Once per damaged batch in the daemon's log, not once per fetch that reaches it.
function reportDamage(ctx: WorkerContext, p: OpenOwned, err: CorruptBatchError): void {
  const key = `${err.file}:${err.position}`
  if (p.reportedDamage.has(key)) return
  p.reportedDamage.add(key)
  ctx.log(`partition ${p.label}: a fetch failed: ${err.message}`)
}

export function listOffsets(ctx: WorkerContext, partitions: {partition: number; timestamp: number}[]): ListOffsetsResult {
  const out: ListOffsetsResult = {partitions: []}
  for (const q of partitions) {
    try {
      const p = ctx.readable(q.partition)
      let offset = -1
      let timestamp = -1
      if (q.timestamp === -1) offset = p.log.highWatermark
      else if (q.timestamp === -2) offset = p.log.logStartOffset
      else if (q.timestamp >= 0) {
        const found = p.log.offsetForTimestamp(q.timestamp)
        if (found) ({offset, timestamp} = found)
      } else {
        throw new SamsaError('INVALID_REQUEST', `timestamp ${q.timestamp} is neither -1 (latest), -2 (earliest) nor ≥ 0`)
      }
      out.partitions.push({partition: q.partition, offset, timestamp})
    } catch (err) {
      out.partitions.push({partition: q.partition, offset: -1, timestamp: -1, error: toWire(err)})
    }
  }
  return out
}

export function deleteRecords(ctx: WorkerContext, partitions: {partition: number; offset: number}[]): DeleteRecordsResult {
  const out: DeleteRecordsResult = {partitions: []}
  for (const q of partitions) {
    let p: OpenOwned | null = null
    try {
      p = ctx.online(q.partition)
      const hwm = p.log.highWatermark
      const offset = q.offset === -1 ? hwm : q.offset
      if (offset < 0 || offset > hwm) {
        throw new SamsaError('OFFSET_OUT_OF_RANGE', `cannot delete records before offset ${offset} of ${p.label}: the high watermark is ${hwm}`)
      }
      p.log.deleteRecordsBefore(offset)
      ctx.markChanged(p)
      out.partitions.push({partition: q.partition, lowWatermark: p.log.logStartOffset})
    } catch (err) {
      const e = p ? ctx.storageFailed(p, err) : err
      out.partitions.push({partition: q.partition, lowWatermark: -1, error: toWire(e)})
    }
  }
  return out
}
