// Consumer: reads one or more topics from resolved start positions to an end, over the raw record API.
//
// open(): DescribeTopics (unknown topic → UNKNOWN_TOPIC), then ListOffsets for earliest and latest of
// every assigned partition (and by time, for @TIME / -DURATION specs) in one request each, and resolves:
//   from: beginning → logStartOffset; end → logEndOffset; N → N clamped to [start, end];
//         -N → max(start, end − N); time → first offset with timestamp ≥ T (none → end)
//   until (exclusive): same grammar; without --until, the end snapshot taken at open() — like `cat`,
//         records produced later are not waited for — or no end at all with follow. A time that no
//         record has reached yet, while following, stops at the first record with timestamp ≥ T.
// poll(visit): one Fetch for every unfinished partition (or a given subset), long-polling up to
// maxWaitMs. Records are walked in place (format/record-reader.ts RecordView, reused; copy what you keep):
// records before a partition's position are skipped (a fetch starts at the batch that holds the
// position), records at or past its end finish it. visit may return true to stop everything after
// that record (--count). Positions then advance to the next offset to read.
// Prefetch: without a subset, the next Fetch is sent as soon as a response arrives (its positions are
// known from the batch headers), so the daemon's next read overlaps with this batch's output — when the
// response left records behind on the daemon. Once every partition is caught up, the next fetch can only
// long-poll, so it is sent by the next poll(), after the caller has written this batch out: a tailing
// consumer's output is not held back behind a request write (end-to-end latency, issue 4).
// Positions behind the log start (retention deleted them) jump to the log start; onWarning says so.
// A daemon restart (reconnectTimeoutMs): a fetch that fails with a retriable error (the connection lost)
// is sent again from the same positions — the offset after the last record visited, as the caller has
// written those out — until the outage outlasts reconnectTimeoutMs (retry.ts); the backend's request
// waits for the daemon meanwhile. A fetch reads nothing, so repeating it repeats nothing.
// A partition that fails (a corrupt batch: CORRUPT_LOG with the next offset that reads; offline; deleted)
// stops alone, after every record below the failure was visited: its cursor is done and keeps the error
// (`failure` is the first), and the other partitions read on, as a Kafka consumer serves every record
// below a bad batch. The same holds when this client's own CRC check rejects a batch.
import {SamsaError, isSamsaError} from '../errors.js'
import {BATCH_HEADER_SIZE, BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD, readInt64} from '../format/batch-header.js'
import {forEachRecord, type RecordView} from '../format/record-batch.js'
import type {Lz4Output} from '../format/lz4-frame.js'
import type {OffsetSpec} from './offset-spec.js'
import {retryDelay, sleep} from './retry.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type AdminApi,
  type FetchPartitionRequest,
  type FetchRequest,
  type FetchedPartition,
  type FetchResult,
  type RecordApi,
} from './types.js'

export const DEFAULT_PARTITION_MAX_BYTES = 1024 * 1024
export const DEFAULT_FETCH_MAX_BYTES = 8 * 1024 * 1024
export const DEFAULT_FOLLOW_WAIT_MS = 10_000

export interface ConsumerOptions {
  topics: string[]
  partitions?: number[] // only these partition numbers (of every topic); default all
  topicPartitions?: {topic: string; partition: number}[] // exactly these (a group member's share); overrides partitions
  from?: OffsetSpec // default beginning
  until?: OffsetSpec // default: the end at open(), or none with follow
  follow?: boolean
  maxWaitMs?: number // long-poll wait per fetch; default 10 s when following, else 500 ms
  partitionMaxBytes?: number
  maxBytes?: number
  verifyCrc?: boolean // default true
  decompressInto?: Lz4Output // where compressed batches are decompressed (forEachRecord's scratch)
  startAt?: (topic: string, partition: number) => number | undefined // e.g. a group's committed offsets
  onWarning?: (message: string) => void
  reconnectTimeoutMs?: number // fetch again after a lost connection for this long (default 0: fail at once)
}

export interface PartitionCursor {
  index: number // position in assignments: topics in the order given, partitions ascending
  topic: string
  partition: number
  position: number // next offset to read
  end: number // exclusive; Infinity when open (follow)
  endTime: number // stop at the first record with timestamp ≥ endTime (Infinity: none)
  highWatermark: number // as of the last fetch
  logStartOffset: number
  done: boolean
  error: SamsaError | null // why this partition stopped early (then done); null otherwise
  nextOffset: number | null // with a corrupt batch: the first offset after it, where reading can go on
}

export type RecordVisitor = (cursor: PartitionCursor, record: RecordView) => boolean | void

export class Consumer {
  readonly assignments: PartitionCursor[]
  private readonly records: RecordApi
  private readonly options: ConsumerOptions
  private prefetched: Promise<FetchResult> | null = null
  private prefetchedFor: PartitionCursor[] = []
  private stopped = false
  private readonly failed: PartitionCursor[] = []

  private constructor(records: RecordApi, assignments: PartitionCursor[], options: ConsumerOptions) {
    this.records = records
    this.assignments = assignments
    this.options = options
  }

  static async open(client: {records: RecordApi; admin: AdminApi}, options: ConsumerOptions): Promise<Consumer> {
    if (options.topics.length === 0) throw new SamsaError('USAGE', 'no topic given')
    const described = await client.admin.describeTopics(options.topics)
    const byName = new Map(described.map((t) => [t.name, t]))
    const list: {topic: string; partition: number}[] = []
    for (const topic of options.topics) {
      const d = byName.get(topic)
      if (!d) throw new SamsaError('UNKNOWN_TOPIC', `topic ${topic} does not exist`)
      const all = d.partitions.map((p) => p.partition).sort((a, b) => a - b)
      const mine = options.topicPartitions?.filter((tp) => tp.topic === topic).map((tp) => tp.partition).sort((a, b) => a - b)
      const wanted = mine ?? options.partitions ?? all
      for (const p of wanted) {
        if (!all.includes(p)) {
          throw new SamsaError('UNKNOWN_PARTITION', `partition ${p} does not exist: topic ${topic} has ${all.length} partition${all.length === 1 ? '' : 's'}`)
        }
        list.push({topic, partition: p})
      }
    }
    const assignments = await resolvePositions(client.admin, list, options)
    return new Consumer(client.records, assignments, options)
  }

  /** True once every partition reached its end (never while following without --until). */
  get done(): boolean {
    return this.stopped || this.assignments.every((c) => c.done)
  }

  /** The first partition that failed (its cursor's error says why), or undefined. */
  get failure(): PartitionCursor | undefined {
    return this.failed[0]
  }

  /** Caught up: position at the partition's high watermark as of the last fetch. */
  caughtUp(c: PartitionCursor): boolean {
    return c.position >= c.highWatermark
  }

  /** Stops: done becomes true, no more fetches. */
  stop(): void {
    this.stopped = true
    this.prefetched?.catch(() => {})
    this.prefetched = null
  }

  /**
   * One fetch round: waits for records (long poll), visits them, advances positions. Returns the number
   * of records visited (0 when the wait ended without new records). only: fetch just these cursors.
   */
  async poll(visit: RecordVisitor, only?: PartitionCursor[]): Promise<number> {
    if (this.done) return 0
    let result: FetchResult
    let asked: PartitionCursor[]
    if (this.prefetched && only === undefined) {
      const prefetched = this.prefetched
      this.prefetched = null
      asked = this.prefetchedFor.filter((c) => !c.done)
      result = await prefetched.catch((err: unknown) => this.fetchAgain(asked, err))
    } else {
      this.prefetched?.catch(() => {})
      this.prefetched = null
      asked = (only ?? this.active()).filter((c) => !c.done)
      if (asked.length === 0) return 0
      result = await this.records.fetch(this.request(asked)).catch((err: unknown) => this.fetchAgain(asked, err))
    }
    const byKey = new Map<string, FetchedPartition>()
    for (const p of result.partitions) byKey.set(`${p.topic}\0${p.partition}`, p)
    // Advance positions from batch headers first, so the next fetch can go out before we walk records.
    const work: {cursor: PartitionCursor; data: FetchedPartition; start: number}[] = []
    for (const c of asked) {
      const data = byKey.get(`${c.topic}\0${c.partition}`)
      if (!data) continue
      if (data.error) this.partitionError(c, data)
      if (c.error) continue
      c.highWatermark = data.highWatermark
      c.logStartOffset = data.logStartOffset
      if (data.error) continue
      const start = c.position
      const next = nextPosition(data.records, start)
      if (next > c.position) c.position = Math.min(next, c.end)
      if (c.position >= c.end) c.done = true
      // Without follow, a partition whose log ends before the snapshot (truncated, recreated) is done.
      if (!this.options.follow && c.position >= c.highWatermark) c.done = true
      work.push({cursor: c, data, start})
    }
    if (only === undefined && !this.done && this.active().some((c) => c.position < c.highWatermark)) {
      this.prefetchedFor = this.active()
      this.prefetched = this.records.fetch(this.request(this.prefetchedFor))
      this.prefetched.catch(() => {}) // if nobody awaits it (an error below, a stop), it must fail quietly
    }
    let visited = 0
    for (let i = 0; i < work.length; i++) {
      const {cursor, data, start} = work[i]
      if (this.stopped) {
        // stopped (--count) before these records were visited: they were not consumed
        cursor.position = start
        continue
      }
      visited += this.walk(cursor, data.records, start, visit)
    }
    if (this.stopped) this.stop()
    return visited
  }

  // A fetch failed: while the error is retriable and the outage young, fetch again from the same positions.
  private async fetchAgain(cursors: PartitionCursor[], err: unknown): Promise<FetchResult> {
    const since = Date.now()
    for (let attempt = 1; ; attempt++) {
      const wait = this.stopped ? null : retryDelay(err, since, attempt, this.options.reconnectTimeoutMs ?? 0)
      if (wait === null) throw err
      await sleep(wait)
      try {
        return await this.records.fetch(this.request(cursors))
      } catch (again) {
        err = again
      }
    }
  }

  private active(): PartitionCursor[] {
    return this.assignments.filter((c) => !c.done)
  }

  private request(cursors: PartitionCursor[]): FetchRequest {
    const partitionMaxBytes = this.options.partitionMaxBytes ?? DEFAULT_PARTITION_MAX_BYTES
    const partitions: FetchPartitionRequest[] = cursors.map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: c.position,
      maxBytes: partitionMaxBytes,
    }))
    return {
      partitions,
      maxWaitMs: this.options.maxWaitMs ?? (this.options.follow ? DEFAULT_FOLLOW_WAIT_MS : 500),
      minBytes: 1,
      maxBytes: this.options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
    }
  }

  private partitionError(c: PartitionCursor, data: FetchedPartition): void {
    const e = data.error!
    if (e.code === 'OFFSET_OUT_OF_RANGE') {
      if (c.position < data.logStartOffset) {
        this.options.onWarning?.(
          `${c.topic}-${c.partition}: offsets ${c.position}..${data.logStartOffset - 1} were deleted (retention); continuing at ${data.logStartOffset}`,
        )
        c.position = data.logStartOffset
        return
      }
      if (c.position > data.highWatermark) {
        this.options.onWarning?.(`${c.topic}-${c.partition}: offset ${c.position} is past the log end ${data.highWatermark}; continuing there`)
        c.position = data.highWatermark
        return
      }
    }
    this.fail(c, new SamsaError(e.code, `${c.topic}-${c.partition}: ${e.message}`), data.nextOffset ?? null)
  }

  private fail(c: PartitionCursor, error: SamsaError, nextOffset: number | null): void {
    c.done = true
    c.error = error
    c.nextOffset = nextOffset
    this.failed.push(c)
  }

  // Walks the fetched batches of one partition from `from`, to the cursor's end. Returns records visited.
  private walk(c: PartitionCursor, bytes: Buffer, from: number, visit: RecordVisitor): number {
    let visited = 0
    let pos = 0
    let stop = false
    const end = c.end
    const endTime = c.endTime
    const verifyCrc = this.options.verifyCrc ?? true
    let limit = end
    let next = from // after the last record visited
    const visitor = (r: RecordView): void => {
      if (stop || r.offset < from || r.offset >= limit) return
      if (r.timestamp >= endTime) {
        // --until @T while following: this record is the first at or after T
        limit = r.offset
        return
      }
      visited++
      next = r.offset + 1
      if (visit(c, r) === true) {
        stop = true
        this.stopped = true
        limit = r.offset + 1
      }
    }
    while (pos + BATCH_HEADER_SIZE <= bytes.length && !stop && from < limit) {
      const size = bytes.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
      if (pos + size > bytes.length) break // a partial batch at the end: fetched again next round
      try {
        forEachRecord(bytes, visitor, {pos, verifyCrc, scratch: this.options.decompressInto})
      } catch (err) {
        if (!isSamsaError(err)) throw err
        // this client cannot read the batch: the partition stops at it, everything before it was visited
        const at = Math.max(next, readInt64(bytes, pos))
        const after = readInt64(bytes, pos) + bytes.readInt32BE(pos + LAST_OFFSET_DELTA_POS) + 1
        c.position = at
        this.fail(c, new SamsaError('CORRUPT_LOG', `${c.topic}-${c.partition}: offset ${at} is in a corrupt record batch (${err.message})`), after > at ? after : null)
        return visited
      }
      pos += size
    }
    if (limit < c.end) {
      c.end = limit
      if (c.position >= limit) {
        c.position = limit
        c.done = true
      }
    }
    return visited
  }
}

// The offset after the last whole batch in bytes (from its header: baseOffset + lastOffsetDelta + 1);
// `from` when there is none.
function nextPosition(bytes: Buffer, from: number): number {
  let pos = 0
  let next = from
  while (pos + BATCH_HEADER_SIZE <= bytes.length) {
    const size = bytes.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (size < BATCH_HEADER_SIZE || pos + size > bytes.length) break
    const last = readInt64(bytes, pos) + bytes.readInt32BE(pos + LAST_OFFSET_DELTA_POS)
    if (last + 1 > next) next = last + 1
    pos += size
  }
  return next
}

async function resolvePositions(
  admin: AdminApi,
  list: {topic: string; partition: number}[],
  options: ConsumerOptions,
): Promise<PartitionCursor[]> {
  const ask = async (timestamp: number): Promise<number[]> => {
    const res = await admin.listOffsets(list.map((p) => ({...p, timestamp})))
    const m = new Map(res.map((r) => [`${r.topic}\0${r.partition}`, r]))
    return list.map((p) => {
      const r = m.get(`${p.topic}\0${p.partition}`)
      if (!r) throw new SamsaError('INTERNAL', `ListOffsets gave no answer for ${p.topic}-${p.partition}`)
      if (r.error) throw new SamsaError(r.error.code, `${p.topic}-${p.partition}: ${r.error.message}`)
      return r.offset
    })
  }
  const [earliest, latest] = await Promise.all([ask(EARLIEST_TIMESTAMP), ask(LATEST_TIMESTAMP)])
  const byTime = new Map<number, Promise<number[]>>()
  const timeOffsets = (t: number): Promise<number[]> => {
    let p = byTime.get(t)
    if (!p) byTime.set(t, (p = ask(t)))
    return p
  }
  const from = options.from ?? {kind: 'beginning'}
  const fromTime = from.kind === 'time' ? await timeOffsets(from.timestamp) : null
  const until = options.until
  const untilTime = until?.kind === 'time' ? await timeOffsets(until.timestamp) : null

  return list.map(({topic, partition}, i) => {
    const start = earliest[i]
    const endNow = latest[i]
    const at = (spec: OffsetSpec, timeResult: number[] | null): number => {
      switch (spec.kind) {
        case 'beginning':
          return start
        case 'end':
          return endNow
        case 'offset':
          return Math.min(Math.max(spec.offset, start), endNow)
        case 'last':
          return Math.max(start, endNow - spec.count)
        case 'time':
          return timeResult![i] < 0 ? endNow : timeResult![i]
      }
    }
    let position = at(from, fromTime)
    const committed = options.startAt?.(topic, partition)
    if (committed !== undefined && committed >= 0) position = Math.min(Math.max(committed, start), endNow)
    let end = options.follow ? Infinity : endNow
    let endTime = Infinity
    if (until) {
      if (until.kind === 'time' && untilTime![i] < 0 && options.follow) {
        endTime = until.timestamp
      } else {
        end = until.kind === 'offset' ? until.offset : at(until, untilTime)
      }
    }
    return {
      index: i,
      topic,
      partition,
      position,
      end,
      endTime,
      highWatermark: endNow,
      logStartOffset: start,
      done: position >= end,
      error: null,
      nextOffset: null,
    }
  })
}
