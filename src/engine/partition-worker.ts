// The partition worker: the entry of each worker thread in the daemon's pool (worker-pool.ts starts it).
// It owns the PartitionLogs assigned to it — the only writer of those partitions, so appends, reads,
// retention and rolls of a partition never race — and answers WorkerRequests from the main thread.
//
// Imports only storage, format, errors and worker-messages (checked by dependency-cruiser), so a worker
// thread never loads socket or CLI code.
//
// Produce: every batch of a request is validated (structure, CRC-32C, record count, LZ4, decompressed size,
// max.message.bytes) before any is appended: all or nothing. acks=all is a group commit: the appends done
// in one turn of this thread's event loop share one flush() per partition, and their replies go out after
// it (an fdatasync that began after every one of those writes).
// Timers: flush.ms and segment.ms checks (tick), retention (every retentionCheckMs and after a roll).
// A storage error takes that partition offline until restart; the worker's other partitions keep working.
import {rmSync} from 'node:fs'
import {parentPort, workerData} from 'node:worker_threads'
import {SamsaError, isSamsaError} from '../errors.js'
import {BATCH_HEADER_SIZE, BATCH_LENGTH_POS, LOG_OVERHEAD} from '../format/batch-header.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {validateBatch} from '../format/validate-batch.js'
import {createFaultyFileIo, type FaultAction, type FaultOp} from '../storage/faulty-file-io.js'
import {nodeFileIo, type FileIo} from '../storage/file-io.js'
import {NEVER, type LogConfig} from '../storage/log-config.js'
import {PartitionLog} from '../storage/partition-log.js'
import {
  type DeleteRecordsResult,
  type FetchPartitionResult,
  type FetchResult,
  type FetchWorkerRequest,
  type ListOffsetsResult,
  type OpenResult,
  type PartitionSpec,
  type PartitionStats,
  type ProduceResult,
  type ProduceWorkerRequest,
  type Tail,
  type WatchMessage,
  type WireErrorLike,
  type WorkerInit,
  type WorkerMessage,
  type WorkerRequest,
} from './worker-messages.js'

interface Owned {
  spec: PartitionSpec
  label: string // "topic-partition", for log lines
  log: PartitionLog | null // null when open failed
  offline: string | null // why, once a storage error took it offline
  activeBase: number // base offset of the active segment as last seen
  activeSince: number // when that segment was first seen non-empty (segment.ms is measured from here)
  announcedHwm: number
  announcedLogStart: number
}

// Errors that are the request's fault, not the disk's: they never take a partition offline.
const CLIENT_ERRORS = new Set([
  'CORRUPT_MESSAGE', 'MESSAGE_TOO_LARGE', 'OFFSET_OUT_OF_RANGE', 'INVALID_REQUEST', 'INVALID_INPUT', 'INVALID_CONFIG',
  'UNKNOWN_PARTITION', 'PARTITION_OFFLINE',
])

const port = parentPort!
const init = workerData as WorkerInit
const owned = new Map<number, Owned>()
const pendingSync = new Map<Owned, {id: number; result: ProduceResult}[]>()
const changed = new Set<Owned>()
const watched = new Set<number>() // partitions with parked long-polls on the main thread
let tails: Tail[] = []
let syncScheduled = false
let announceScheduled = false
let stopping = false

function post(msg: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer)
}

function log(line: string): void {
  post({type: 'log', line: `worker ${init.index}: ${line}`})
}

function toWire(err: unknown): WireErrorLike {
  if (isSamsaError(err)) return {code: err.code, message: err.message}
  const e = err as {code?: unknown; message?: unknown}
  const text = e && typeof e.message === 'string' ? e.message : String(err)
  return {code: 'STORAGE_ERROR', message: typeof e?.code === 'string' ? `storage error (${e.code}): ${text}` : `internal error: ${text}`}
}

function reply(id: number, result: unknown, transfer?: ArrayBuffer[]): void {
  post({type: 'reply', id, result}, transfer)
}

function replyError(id: number, err: unknown): void {
  post({type: 'reply', id, error: toWire(err)})
}

// The partition, online, or a SamsaError the caller turns into that partition's error.
function online(id: number): Owned & {log: PartitionLog} {
  const p = owned.get(id)
  if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${init.index}`)
  if (p.offline !== null || !p.log || !p.log.online) {
    throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
  }
  return p as Owned & {log: PartitionLog}
}

// Reads also work on a partition taken offline by a write failure or quarantined by recovery (storage
// serves what lies below the log end), so a consumer can still drain what was stored.
function readable(id: number): Owned & {log: PartitionLog} {
  const p = owned.get(id)
  if (!p) throw new SamsaError('UNKNOWN_PARTITION', `partition ${id} is not open on worker ${init.index}`)
  if (!p.log) throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline ?? 'its log did not open'}`)
  return p as Owned & {log: PartitionLog}
}

// Called with any error thrown by storage: a disk problem takes the partition offline (RELIABILITY.md
// rule 2: never retry an fsync and then acknowledge), a request problem is just rethrown.
function storageFailed(p: Owned, err: unknown): SamsaError {
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

function stats(p: Owned): PartitionStats {
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

// Failpoints (RELIABILITY.md): SAMSA_FAILPOINTS='[{"op":"write","action":"ENOSPC","path":".log","after":3}]'
// arms storage's FaultyFileIo for every partition of this worker (path: a suffix; pathPattern: a RegExp).
// For crash and fault tests only; a daemon without the variable uses the plain file I/O.
function failpointIo(): FileIo | undefined {
  const spec = process.env.SAMSA_FAILPOINTS
  if (!spec) return undefined
  try {
    const rules = JSON.parse(spec) as {op: FaultOp; action: FaultAction; path?: string; pathPattern?: string; after?: number; times?: number}[]
    const io = createFaultyFileIo(nodeFileIo)
    for (const r of rules) {
      io.fail({op: r.op, action: r.action, path: r.pathPattern ? new RegExp(r.pathPattern) : r.path, after: r.after, times: r.times})
    }
    log(`failpoints armed: ${spec}`)
    return io
  } catch (err) {
    log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
    return undefined
  }
}
const io = failpointIo()

// ── high-watermark announcements: one message per turn, whatever the number of appends ──────────────
function markChanged(p: Owned): void {
  changed.add(p)
  if (!announceScheduled) {
    announceScheduled = true
    setImmediate(announce)
  }
}

function announce(): void {
  announceScheduled = false
  const updates: number[] = []
  for (const p of changed) {
    if (!p.log || !owned.has(p.spec.id)) continue
    const hwm = p.log.highWatermark
    const logStart = p.log.logStartOffset
    if (hwm === p.announcedHwm && logStart === p.announcedLogStart) continue
    p.announcedHwm = hwm
    p.announcedLogStart = logStart
    updates.push(p.spec.id, hwm, logStart) // HWM_STRIDE numbers per partition
  }
  changed.clear()
  if (tails.length > 0) {
    const sent = tails
    tails = []
    post({type: 'hwm', updates, tails: sent}, sent.map((t) => t.bytes))
  } else if (updates.length > 0) {
    post({type: 'hwm', updates})
  }
}

// ── open / close ───────────────────────────────────────────────────────────────────────────────────
function open(specs: PartitionSpec[]): OpenResult {
  const result: OpenResult = {partitions: []}
  const now = Date.now()
  for (const spec of specs) {
    const label = `${spec.topic}-${spec.partition}`
    const p: Owned = {
      spec, label, log: null, offline: null, activeBase: -1, activeSince: now,
      announcedHwm: -1, announcedLogStart: -1,
    }
    try {
      p.log = PartitionLog.open({dir: spec.dir, config: spec.config, io, log: (line: string) => log(`${label}: ${line}`)})
      const r = p.log.recovery
      if (r.quarantined) p.offline = `quarantined: ${r.quarantined.file} at byte ${r.quarantined.position}: ${r.quarantined.problem}`
      owned.set(spec.id, p)
      p.announcedHwm = p.log.highWatermark
      p.announcedLogStart = p.log.logStartOffset
      result.partitions.push({id: spec.id, stats: stats(p), recovery: {...r, messages: [...r.messages]}})
    } catch (err) {
      p.offline = toWire(err).message
      owned.set(spec.id, p)
      result.partitions.push({id: spec.id, stats: null, recovery: null, error: toWire(err)})
    }
  }
  scheduleTick()
  return result
}

function close(ids: number[], destroy: boolean): void {
  groupCommit() // answer every acks=all append still waiting for its flush before its log goes away
  for (const id of ids) {
    const p = owned.get(id)
    if (!p) continue
    owned.delete(id)
    watched.delete(id)
    changed.delete(p)
    try {
      if (destroy) {
        if (p.log) p.log.destroy()
        rmSync(p.spec.dir, {recursive: true, force: true}) // also when the log never opened
      } else {
        p.log?.close()
      }
    } catch (err) {
      log(`closing ${p.label}: ${toWire(err).message}`)
    }
  }
}

// ── produce ────────────────────────────────────────────────────────────────────────────────────────
function produce(msg: ProduceWorkerRequest): void {
  const p = online(msg.partition)
  const buf = Buffer.from(msg.bytes)
  const config = p.spec.config
  const maxMessageBytes = config['max.message.bytes']
  // First pass: check every batch; nothing is appended unless all are good.
  let batches = 0
  let pos = 0
  while (pos < buf.length) {
    const left = buf.length - pos
    if (left < BATCH_HEADER_SIZE) {
      throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos} is truncated: ${left} bytes, a header alone is ${BATCH_HEADER_SIZE}`)
    }
    const size = buf.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (size < BATCH_HEADER_SIZE || size > left) {
      throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos} claims ${size} bytes; ${left} remain in the request`)
    }
    if (size > maxMessageBytes) {
      throw new SamsaError('MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes=${maxMessageBytes} of topic ${p.spec.topic}`)
    }
    const problem = validateBatch(buf, pos, pos + size, {deep: true, maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES, producer: true})
    if (problem !== null) throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos}: ${problem}`)
    batches++
    pos += size
  }
  if (batches === 0) throw new SamsaError('INVALID_REQUEST', 'produce request carries no record batch')
  let result: ProduceResult
  try {
    result = p.log.appendBatches(buf) // every batch in one write syscall
  } catch (err) {
    throw storageFailed(p, err)
  }
  // storage is done with the buffer (it may be reused after append): hand it to the parked fetches as is
  if (watched.has(p.spec.id)) tails.push({partition: p.spec.id, from: result.baseOffset, bytes: msg.bytes})
  markChanged(p)
  if (msg.acks === -1) {
    let waiting = pendingSync.get(p)
    if (!waiting) pendingSync.set(p, (waiting = []))
    waiting.push({id: msg.id, result})
    if (!syncScheduled) {
      syncScheduled = true
      setImmediate(groupCommit)
    }
  } else {
    reply(msg.id, result)
  }
}

// One flush per partition for every acks=all append of this turn; then all their replies.
function groupCommit(): void {
  syncScheduled = false
  for (const [p, waiting] of pendingSync) {
    let failure: SamsaError | null = null
    try {
      if (p.offline !== null || !p.log) throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline}`)
      p.log.flush()
    } catch (err) {
      failure = storageFailed(p, err)
    }
    for (const w of waiting) {
      if (failure) replyError(w.id, failure)
      else reply(w.id, w.result)
    }
    markChanged(p) // with flush.messages the high watermark may move only now
  }
  pendingSync.clear()
}

// ── fetch and offsets ──────────────────────────────────────────────────────────────────────────────
function fetch(msg: FetchWorkerRequest): void {
  const parts: FetchPartitionResult[] = []
  const chunks: Buffer[] = []
  let budget = msg.maxBytes
  let total = 0
  for (const q of msg.partitions) {
    const entry: FetchPartitionResult = {partition: q.partition, highWatermark: -1, logStartOffset: -1, bytes: 0}
    parts.push(entry)
    let p: (Owned & {log: PartitionLog}) | null = null
    try {
      p = readable(q.partition)
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
      entry.error = toWire(p ? storageFailed(p, err) : err)
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
  reply(msg.id, result, data ? [data] : undefined)
}

function listOffsets(partitions: {partition: number; timestamp: number}[]): ListOffsetsResult {
  const out: ListOffsetsResult = {partitions: []}
  for (const q of partitions) {
    try {
      const p = online(q.partition)
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

function deleteRecords(partitions: {partition: number; offset: number}[]): DeleteRecordsResult {
  const out: DeleteRecordsResult = {partitions: []}
  for (const q of partitions) {
    let p: (Owned & {log: PartitionLog}) | null = null
    try {
      p = online(q.partition)
      const hwm = p.log.highWatermark
      const offset = q.offset === -1 ? hwm : q.offset
      if (offset < 0 || offset > hwm) {
        throw new SamsaError('OFFSET_OUT_OF_RANGE', `cannot delete records before offset ${offset} of ${p.label}: the high watermark is ${hwm}`)
      }
      p.log.deleteRecordsBefore(offset)
      markChanged(p)
      out.partitions.push({partition: q.partition, lowWatermark: p.log.logStartOffset})
    } catch (err) {
      const e = p ? storageFailed(p, err) : err
      out.partitions.push({partition: q.partition, lowWatermark: -1, error: toWire(e)})
    }
  }
  return out
}

function updateConfig(ids: number[], config: LogConfig): void {
  for (const id of ids) {
    const p = owned.get(id)
    if (!p) continue
    p.spec.config = config
    try {
      p.log?.updateConfig(config)
    } catch (err) {
      storageFailed(p, err)
    }
  }
  scheduleTick()
}

// ── timers: flush.ms, segment.ms, retention ───────────────────────────────────────────────────────
let tickTimer: NodeJS.Timeout | null = null
let lastRetentionAt = Date.now()
let lastSlowTickAt = 0

function tickInterval(): number {
  let ms = init.tickMs
  for (const p of owned.values()) {
    const f = p.spec.config['flush.ms']
    if (f < ms) ms = f
  }
  return Math.max(10, ms)
}

function scheduleTick(): void {
  if (stopping) return
  if (tickTimer) clearTimeout(tickTimer)
  tickTimer = setTimeout(tick, tickInterval())
  tickTimer.unref()
}

function tick(): void {
  tickTimer = null
  const now = Date.now()
  const retentionDue = now - lastRetentionAt >= init.retentionCheckMs
  if (retentionDue) lastRetentionAt = now
  // a small flush.ms makes the tick fast; segment and retention checks keep the tickMs pace
  const slow = now - lastSlowTickAt >= init.tickMs
  if (slow) lastSlowTickAt = now
  for (const p of owned.values()) {
    if (p.offline !== null || !p.log) continue
    try {
      const config = p.spec.config
      const l = p.log
      if (config['flush.ms'] < NEVER) l.flushIfDue(now)
      if (!slow && !retentionDue) continue
      let rolled = false
      const segments = l.segments()
      const active = segments[segments.length - 1]
      if (active && active.baseOffset !== p.activeBase) {
        p.activeBase = active.baseOffset
        p.activeSince = now
        if (segments.length > 1) rolled = true // storage rolled by size since the last tick
      }
      if (active && active.sizeInBytes === 0) p.activeSince = now // segment.ms counts from the first write
      if (active && active.sizeInBytes > 0 && now - p.activeSince >= config['segment.ms']) {
        l.roll()
        rolled = true
        log(`${p.label}: rolled a new segment after segment.ms=${config['segment.ms']}`)
      }
      if (rolled || retentionDue) {
        const r = l.applyRetention(now)
        if (r.deletedSegments > 0) {
          log(`${p.label}: retention deleted ${r.deletedSegments} segment(s), ${r.deletedBytes} bytes; log start offset now ${l.logStartOffset}`)
          markChanged(p)
        }
      }
    } catch (err) {
      storageFailed(p, err)
    }
  }
  scheduleTick()
}

function shutdown(): number {
  stopping = true
  if (tickTimer) clearTimeout(tickTimer)
  groupCommit() // nobody waiting on an acks=all reply is left without one
  let closed = 0
  for (const p of owned.values()) {
    try {
      if (p.log && p.offline === null) p.log.flush()
      p.log?.close()
      closed++
    } catch (err) {
      log(`closing ${p.label}: ${toWire(err).message}`)
    }
  }
  owned.clear()
  return closed
}

function watch(msg: WatchMessage): void {
  for (const id of msg.partitions) {
    if (msg.on && owned.has(id)) watched.add(id)
    else watched.delete(id)
  }
}

port.on('message', (msg: WorkerRequest | WatchMessage) => {
  try {
    switch (msg.type) {
      case 'watch':
        return watch(msg)
      case 'produce':
        return produce(msg)
      case 'fetch':
        return fetch(msg)
      case 'open':
        return reply(msg.id, open(msg.partitions))
      case 'close':
        close(msg.partitions, msg.destroy)
        return reply(msg.id, null)
      case 'listOffsets':
        return reply(msg.id, listOffsets(msg.partitions))
      case 'deleteRecords':
        return reply(msg.id, deleteRecords(msg.partitions))
      case 'stats': {
        const ids = msg.partitions ?? [...owned.keys()]
        const list = ids.map((id) => owned.get(id)).filter((p): p is Owned => p !== undefined)
        return reply(msg.id, {partitions: list.map(stats)})
      }
      case 'updateConfig':
        updateConfig(msg.partitions, msg.config)
        return reply(msg.id, null)
      case 'shutdown':
        return reply(msg.id, shutdown())
    }
  } catch (err) {
    replyError((msg as {id: number}).id, err)
  }
})
