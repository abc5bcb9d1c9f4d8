// Producer: records in, acknowledged offsets out, over the raw record API (types.ts RecordApi).
//
// Each (topic, partition) has one RecordBatchBuilder. A batch is sealed when it reaches batchBytes, on
// flush(), or when lingerMs (default 0: the end of the current input chunk) has passed since its first
// record — unless the partition's previous request is still in flight, in which case the batch keeps
// filling until that acknowledgement: low latency when idle, large batches under load, without tuning.
// Sealed batches queue per partition.
// Ordering: at most ONE produce request per partition is in flight; when it is acknowledged, every batch
// queued meanwhile goes in the next request (the local API takes several batches for one partition, appended
// in order, all or nothing). So order per partition holds whatever the daemon does with pipelined
// requests, and a busy partition's requests grow instead of queueing. Different partitions are in flight
// at once on the one pipelined connection.
// Memory: bytes held (open builders + queued + in flight) are bounded by maxBufferedBytes; append()
// returns false past it and the caller waits with whenReady() (streams: pause, then resume).
// Idempotence (option idempotent, Kafka's enable.idempotence): prepare() asks for a producer id, and
// every batch is stamped with it and the partition's next sequence number when sealed, so the daemon
// appends a batch once however often it is sent (storage/producer-state.ts). A request then carries at
// most IDEMPOTENT_REQUEST_BATCHES batches: the daemon recognises a retry among the last 5 batches it keeps
// per producer and partition. With retryTimeoutMs, a request that fails with a retriable error (the
// connection lost, a daemon restarting) is kept and sent again (produce-request.ts) — still the only
// request in flight for its partition, so order holds — until it is acknowledged or the outage outlasts
// retryTimeoutMs. Its bytes stay counted in maxBufferedBytes meanwhile, so a producer whose daemon is away
// stops taking input once its buffer is full.
// Failure: any other failed request (or one past its retries) puts the producer in a failed state.
// Nothing more is sent (without idempotence a request lost with the connection may or may not have been
// appended), later append()s throw, and flush() rejects with that SamsaError once everything in flight
// has settled, so every acknowledgement that does arrive is still reported.
// Per-record results without a promise per record: append() takes an optional tag (e.g. the key, or a
// line number); onAck receives, per acknowledged request, the base offset and the tags in order.
import {SamsaError} from '../errors.js'
import {Compression, nextSequence} from '../format/batch-header.js'
import type {ByteArena} from '../format/byte-arena.js'
import {RecordBatchBuilder} from '../format/record-batch.js'
import type {RecordHeader} from '../format/record.js'
import {Partitioner} from './partitioner.js'
import {IDEMPOTENT_REQUEST_BATCHES, ProduceRequest, type SealedBatch} from './produce-request.js'
import type {Acks, AdminApi, ProducerIdentity, RecordApi} from './types.js'

export const DEFAULT_LINGER_MS = 0
export const DEFAULT_BATCH_BYTES = 256 * 1024
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024
export const DEFAULT_MAX_MESSAGE_BYTES = 1048588 // Kafka's max.message.bytes default
// Room kept below max.message.bytes for the batch header and the LZ4 frame (header, block sizes, end mark)
const BATCH_OVERHEAD = 61 + 64

export interface ProducerOptions {
  acks?: Acks
  compression?: 'lz4' | 'none'
  lingerMs?: number
  batchBytes?: number
  maxBufferedBytes?: number
  maxRequestBytes?: number
  timeoutMs?: number
  /** Keep append()'s tags and pass them to onAck (costs an array entry per record). */
  trackTags?: boolean
  /**
   * Called once per acknowledged request — twice for a retry the daemon had half appended before a crash,
   * once per range of offsets. baseOffset is the first record's; -1 with acks=0.
   */
  onAck?: (ack: ProduceAck) => void
  partitioner?: Partitioner
  /** Stamp batches with a producer id and sequence numbers (needs RecordApi.initProducerId; not with acks=0). */
  idempotent?: boolean
  /** With idempotent: keep re-sending a request that failed with a retriable error for this long. 0: fail at once. */
  retryTimeoutMs?: number
  /** Batch builders' scratch comes from here while it has room (see RecordBatchBuilder's arena). */
  arena?: ByteArena
}

export interface ProduceAck {
  topic: string
  partition: number
  baseOffset: number
  count: number
  tags: unknown[] | null // append()'s tags in offset order, when trackTags
}

export interface TopicInfo {
  name: string
  partitions: number
  maxMessageBytes: number
}

interface PartitionState {
  topic: TopicState
  partition: number
  builder: RecordBatchBuilder
  tags: unknown[] | null
  firstAppendAt: number
  timer: NodeJS.Timeout | null
  queue: SealedBatch[]
  inFlight: ProduceRequest | null
  lingerDue: boolean // linger expired while a request was in flight: seal when it is acknowledged
  nextSequence: number // idempotent: the base sequence of the next batch sealed
}

interface TopicState {
  info: TopicInfo
  sticky: number // the partitioner's current choice for null keys, cached (-1: ask it)
  batchBytes: number
  partitions: (PartitionState | undefined)[]
}

export class Producer {
  private readonly records: RecordApi
  private readonly admin: AdminApi
  private readonly acks: Acks
  private readonly compression: Compression
  private readonly lingerMs: number
  private readonly batchBytes: number
  private readonly maxBufferedBytes: number
  private readonly maxRequestBytes: number
  private readonly timeoutMs: number | undefined
  private readonly trackTags: boolean
  private readonly onAck: ((ack: ProduceAck) => void) | undefined
  private readonly partitioner: Partitioner
  private readonly idempotent: boolean
  private readonly retryTimeoutMs: number
  private readonly arena: ByteArena | undefined
  private identity: ProducerIdentity | null = null
  private readonly topics = new Map<string, TopicState>()
  private lastTopic: TopicState | null = null
  private buffered = 0 // bytes in open builders (estimated), queues and requests in flight
  private inFlight = 0
  private failure: SamsaError | null = null
  private readyWaiters: (() => void)[] = [] // whenReady() callers
  private progressWaiters: (() => void)[] = [] // flush() callers: woken on every settled request
  private failureWaiters: ((err: SamsaError) => void)[] = [] // whenFailed() callers
  /** Records appended, and records acknowledged (for acks=0: handed to the socket). */
  appended = 0
  acknowledged = 0
  /** Records of retried requests the daemon had appended already (their acknowledgement was lost). */
  duplicates = 0

  constructor(client: {records: RecordApi; admin: AdminApi}, options: ProducerOptions = {}) {
    this.records = client.records
    this.admin = client.admin
    this.acks = options.acks ?? 1
    this.compression = options.compression === 'none' ? Compression.None : Compression.Lz4
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
    this.timeoutMs = options.timeoutMs
    this.trackTags = options.trackTags ?? false
    this.onAck = options.onAck
    this.partitioner = options.partitioner ?? new Partitioner()
    this.idempotent = options.idempotent ?? false
    this.arena = options.arena
    this.retryTimeoutMs = this.idempotent ? (options.retryTimeoutMs ?? 0) : 0
    if (this.idempotent && (this.acks === 0 || !this.records.initProducerId)) {
      throw new SamsaError('USAGE', 'an idempotent producer needs acks 1 or all, and a backend that hands out producer ids')
    }
    if (!(this.lingerMs >= 0)) throw new SamsaError('USAGE', `linger must be ≥ 0 ms, not ${this.lingerMs}`)
    if (!(this.batchBytes >= 1)) throw new SamsaError('USAGE', `batch size must be ≥ 1 byte, not ${this.batchBytes}`)
  }

  /**
   * Looks up a topic's partition count and max.message.bytes; needed once before append() to it. An
   * idempotent producer also gets its producer id here, the first time.
   */
  async prepare(topic: string): Promise<TopicInfo> {
    if (this.idempotent && this.identity === null) this.identity = await this.records.initProducerId!()
    const known = this.topics.get(topic)
    if (known) return known.info
    const d = await this.admin.describeTopic(topic)
    const max = d.configs.find((c) => c.name === 'max.message.bytes')
    const info: TopicInfo = {
      name: topic,
      partitions: d.partitions.length,
      maxMessageBytes: max && Number.isSafeInteger(Number(max.value)) ? Number(max.value) : DEFAULT_MAX_MESSAGE_BYTES,
    }
    this.addTopic(info)
    return info
  }

  /** Registers a topic whose metadata the caller already has. */
  addTopic(info: TopicInfo): void {
    if (info.partitions < 1) throw new SamsaError('UNKNOWN_PARTITION', `topic ${info.name} has no partitions`)
    const batchBytes = Math.max(1, Math.min(this.batchBytes, info.maxMessageBytes - BATCH_OVERHEAD))
    this.topics.set(info.name, {info, sticky: -1, batchBytes, partitions: new Array(info.partitions)})
  }

  topicInfo(topic: string): TopicInfo | undefined {
    return this.topics.get(topic)?.info
  }

  /** The largest key + value + headers a single record may have on this topic. */
  maxRecordBytes(topic: string): number {
    const t = this.topics.get(topic)
    return t ? t.info.maxMessageBytes - BATCH_OVERHEAD - 32 : DEFAULT_MAX_MESSAGE_BYTES
  }

  get failed(): SamsaError | null {
    return this.failure
  }

  /** The producer id and epoch stamped into every batch, once prepare() got them (idempotent only). */
  get producerIdentity(): ProducerIdentity | null {
    return this.identity
  }

  /** What waits to be sent again after a failure: its records and partitions (a daemon restarting). */
  retrying(): {records: number; partitions: {topic: string; partition: number}[]} {
    let records = 0
    const partitions: {topic: string; partition: number}[] = []
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        const r = p?.inFlight
        if (!r || r.attempts === 0) continue
        records += r.count
        partitions.push({topic: t.info.name, partition: p.partition})
      }
    }
    return {records, partitions}
  }

  /** True while more may be appended without passing maxBufferedBytes. */
  get ready(): boolean {
    return this.buffered < this.maxBufferedBytes
  }

  /**
   * Adds a record. partition < 0: the partitioner chooses; timestamp < 0: now. Returns the partition.
   * Throws MESSAGE_TOO_LARGE for a record that can never fit max.message.bytes, UNKNOWN_PARTITION for a
   * partition the topic does not have, or the producer's failure once a request has failed.
   */
  append(
    topic: string,
    value: Buffer | null,
    key: Buffer | null = null,
    headers?: RecordHeader[],
    timestamp = -1,
    partition = -1,
    tag?: unknown,
  ): number {
    return this.appendRange(topic, value, 0, value === null ? 0 : value.length, key, headers, timestamp, partition, tag)
  }

  /**
   * append() with the value given as src[start, end) (src null: a null value): the bytes are copied out
   * of src at once, so a caller holding a chunk of lines needs no Buffer view per line.
   */
  appendRange(
    topic: string,
    src: Uint8Array | null,
    start: number,
    end: number,
    key: Buffer | null = null,
    headers?: RecordHeader[],
    timestamp = -1,
    partition = -1,
    tag?: unknown,
  ): number {
    return this.appendParts(topic, key, 0, key === null ? 0 : key.length, src, start, end, headers, timestamp, partition, tag)
  }

  /**
   * append() with the key given as keySrc[keyStart, keyEnd) (keySrc null: a null key) and the value as
   * valueSrc[valueStart, valueEnd): `produce --key-delimiter` passes two ranges of one input line, so
   * neither the key nor the value needs a Buffer view per line. The bytes are copied at once.
   */
  appendParts(
    topic: string,
    keySrc: Uint8Array | null,
    keyStart: number,
    keyEnd: number,
    valueSrc: Uint8Array | null,
    valueStart: number,
    valueEnd: number,
    headers?: RecordHeader[],
    timestamp = -1,
    partition = -1,
    tag?: unknown,
  ): number {
    if (this.failure) throw this.failure
    // one topic per command in practice: remember the last one instead of a Map lookup per record
    let t = this.lastTopic
    if (t === null || t.info.name !== topic) {
      t = this.topics.get(topic) ?? null
      if (t === null) throw new SamsaError('INTERNAL', `producer: topic ${topic} was not prepared`)
      this.lastTopic = t
    }
    const n = t.info.partitions
    if (partition < 0) {
      if (keySrc === null) {
        // the sticky choice can change only when a batch is sealed: skip the partitioner's Map per record
        if (t.sticky < 0) t.sticky = this.partitioner.partition(topic, null, n)
        partition = t.sticky
      } else {
        partition = this.partitioner.partitionKeyRange(keySrc, keyStart, keyEnd, n)
      }
    } else if (partition >= n) {
      throw new SamsaError('UNKNOWN_PARTITION', `partition ${partition} does not exist: topic ${topic} has ${n} partition${n === 1 ? '' : 's'}`)
    }
    let size = (valueSrc === null ? 0 : valueEnd - valueStart) + (keySrc === null ? 0 : keyEnd - keyStart) + 24
    if (headers !== undefined) for (const h of headers) size += h.key.length * 3 + (h.value === null ? 0 : h.value.length) + 10
    if (size > t.info.maxMessageBytes - BATCH_OVERHEAD) {
      throw new SamsaError(
        'MESSAGE_TOO_LARGE',
        `a record of ${size} bytes is larger than max.message.bytes (${t.info.maxMessageBytes}) of topic ${topic}`,
      )
    }
    let p = t.partitions[partition]
    if (p === undefined) p = t.partitions[partition] = this.newPartition(t, partition)
    const b = p.builder
    if (b.count > 0 && b.estimatedSize + size > t.batchBytes) this.seal(p)
    const before = b.estimatedSize
    b.appendParts(keySrc, keyStart, keyEnd, valueSrc, valueStart, valueEnd, timestamp < 0 ? Date.now() : timestamp, headers)
    const after = b.estimatedSize
    this.buffered += after - before
    if (p.tags !== null) p.tags.push(tag)
    this.appended++
    if (b.count === 1) {
      p.firstAppendAt = Date.now()
      const q = p
      if (this.lingerMs === 0) queueMicrotask(() => this.onLingerExpired(q))
      else if (q.timer === null) q.timer = setTimeout(() => this.onLinger(q), this.lingerMs)
    }
    if (after >= t.batchBytes) this.seal(p)
    return partition
  }

  /** Resolves when append() may go on (buffered bytes below half the limit) or the producer failed. */
  whenReady(): Promise<void> {
    if (this.buffered < this.maxBufferedBytes / 2 || this.failure) return Promise.resolve()
    return new Promise((resolve) => this.readyWaiters.push(resolve))
  }

  /** Resolves with the failure once the producer has failed — so an idle input can stop being waited on. */
  whenFailed(): Promise<SamsaError> {
    if (this.failure) return Promise.resolve(this.failure)
    return new Promise((resolve) => this.failureWaiters.push(resolve))
  }

  /** Seals every open batch and waits until everything sent is acknowledged; rejects on failure. */
  async flush(): Promise<void> {
    if (!this.failure) for (const t of this.topics.values()) for (const p of t.partitions) if (p) this.sealIfOpen(p)
    // After a failure nothing more is sent: wait only for the requests already in flight.
    while (this.inFlight > 0 || (!this.failure && this.hasQueued())) {
      await new Promise<void>((resolve) => this.progressWaiters.push(resolve))
    }
    if (this.failure) throw this.failure
  }

  /** Drops everything not yet sent (after a failure, or when the caller gives up). Clears timers. */
  abort(): void {
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        if (!p) continue
        if (p.timer) clearTimeout(p.timer)
        p.timer = null
        p.builder.reset()
        p.queue = []
        if (p.tags) p.tags = []
      }
    }
    this.buffered = 0
    this.wake()
  }

  private newPartition(t: TopicState, partition: number): PartitionState {
    return {
      topic: t,
      partition,
      builder: new RecordBatchBuilder({compression: this.compression, maxBytes: t.batchBytes, arena: this.arena}),
      tags: this.trackTags ? [] : null,
      firstAppendAt: 0,
      timer: null,
      queue: [],
      inFlight: null,
      lingerDue: false,
      nextSequence: 0,
    }
  }

  private hasQueued(): boolean {
    for (const t of this.topics.values()) for (const p of t.partitions) if (p && (p.queue.length > 0 || p.builder.count > 0)) return true
    return false
  }

  private onLinger(p: PartitionState): void {
    p.timer = null
    if (p.builder.count === 0) return
    const left = p.firstAppendAt + this.lingerMs - Date.now()
    if (left > 0) p.timer = setTimeout(() => this.onLinger(p), left)
    else this.onLingerExpired(p)
  }

  // Linger is over. If the partition's previous request is still in flight, sealing now would only
  // queue a small batch behind it: keep filling this one and seal it when that request is acknowledged.
  // So an idle partition sends a line at once, and a busy one sends as few, as large batches as it can.
  private onLingerExpired(p: PartitionState): void {
    if (p.builder.count === 0) return
    if (p.inFlight) p.lingerDue = true
    else this.seal(p)
  }

  private sealIfOpen(p: PartitionState): void {
    if (p.builder.count > 0) this.seal(p)
  }

  private seal(p: PartitionState): void {
    p.lingerDue = false
    if (p.timer) {
      clearTimeout(p.timer)
      p.timer = null
    }
    const b = p.builder
    const estimated = b.estimatedSize
    const id = this.identity
    let batch: Buffer
    if (id === null) batch = b.build()
    else {
      batch = b.build({producerId: id.producerId, producerEpoch: id.producerEpoch, baseSequence: p.nextSequence})
      p.nextSequence = nextSequence(p.nextSequence, b.count)
    }
    const sealed: SealedBatch = {batch, count: b.count, tags: p.tags}
    b.reset()
    if (p.tags !== null) p.tags = []
    this.buffered += batch.length - estimated
    p.queue.push(sealed)
    this.partitioner.onBatchSealed(p.topic.info.name, p.partition, p.topic.info.partitions, estimated, p.topic.batchBytes)
    if (p.topic.sticky === p.partition) p.topic.sticky = -1
    this.send(p)
  }

  private send(p: PartitionState): void {
    if (p.inFlight || p.queue.length === 0 || this.failure) return
    // everything queued, up to maxRequestBytes (always at least one batch), as many batches as the backend
    // takes in one request, and for an idempotent producer no more than the daemon keeps to recognise a retry
    const maxBatches = Math.min(this.records.maxBatchesPerProduce ?? Infinity, this.identity === null ? Infinity : IDEMPOTENT_REQUEST_BATCHES)
    p.inFlight = ProduceRequest.take(p.queue, this.maxRequestBytes, maxBatches)
    this.inFlight++
    this.dispatch(p, p.inFlight)
  }

  private dispatch(p: PartitionState, r: ProduceRequest): void {
    const topic = p.topic.info.name
    this.records.produce(topic, p.partition, r.raw, this.acks, this.timeoutMs).then(
      (response) => {
        const count = r.count
        this.acknowledged += count
        if (response?.duplicate) this.duplicates += count
        else if (response?.retried) this.duplicates += response.retried.lastOffset - response.retried.baseOffset + 1
        const tags = this.trackTags ? r.tags() : null
        if (response?.retried) {
          // the retry of a request a daemon crash cut in two: its first records at their first offsets, the rest now
          const first = response.retried.lastOffset - response.retried.baseOffset + 1
          this.onAck?.({topic, partition: p.partition, baseOffset: response.retried.baseOffset, count: first, tags: tags?.slice(0, first) ?? null})
          this.onAck?.({topic, partition: p.partition, baseOffset: response.baseOffset, count: count - first, tags: tags?.slice(first) ?? null})
        } else {
          this.onAck?.({topic, partition: p.partition, baseOffset: response === null ? -1 : response.baseOffset, count, tags})
        }
        this.settle(p, r.bytes)
      },
      (err: unknown) => {
        // idempotent: the same bytes again (the daemon appends them once), while the outage is young enough
        const wait = this.failure ? null : r.retryAfter(err, this.retryTimeoutMs)
        if (wait !== null) {
          setTimeout(() => this.dispatch(p, r), wait)
          return
        }
        if (!this.failure) {
          this.failure =
            err instanceof SamsaError ? err : new SamsaError('INTERNAL', `produce to ${topic}-${p.partition} failed: ${(err as Error).message}`, {cause: err})
          for (const w of this.failureWaiters.splice(0)) w(this.failure)
        }
        this.settle(p, r.bytes)
      },
    )
  }

  private settle(p: PartitionState, bytes: number): void {
    p.inFlight = null
    this.inFlight--
    this.buffered -= bytes
    if (this.failure) {
      // Nothing more is sent; drop what waits so flush() can settle.
      this.buffered -= p.queue.reduce((n, s) => n + s.batch.length, 0)
      p.queue = []
    } else if (p.lingerDue && p.queue.length === 0) {
      this.seal(p) // sends it
    } else {
      this.send(p)
    }
    this.wake()
  }

  private wake(): void {
    if (this.progressWaiters.length > 0) {
      const waiters = this.progressWaiters
      this.progressWaiters = []
      for (const w of waiters) w()
    }
    if (this.readyWaiters.length > 0 && (this.buffered < this.maxBufferedBytes / 2 || this.failure)) {
      const waiters = this.readyWaiters
      this.readyWaiters = []
      for (const w of waiters) w()
    }
  }

}
