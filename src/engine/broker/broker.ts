// The broker core: the daemon's operations as typed methods, knowing nothing of any wire format. Front
// ends (engine/control/ for the Unix socket, engine/kafka/ next) decode their protocol, call these, and
// encode what comes back; errors are SamsaErrors (thrown for the request, or on a partition's entry), which
// each front end maps to its own codes. Main thread.
//
// Owns the partition table (partition-table.ts), the worker pool (worker-pool.ts) and its announcements,
// the fetch waiters and the fetch algorithm (fetcher.ts), and topic administration (topic-admin.ts).
// Produce, ListOffsets and DeleteRecords live here: one worker round trip each. Produce and DeleteRecords
// refuse internal topics (internal-topics.ts): the daemon writes those itself, through appendInternal().
// Idempotent producers get their ids here (initProducerId, producer-ids.ts); their sequence numbers are
// checked where the batches are appended, by the partition's own log (storage/producer-state.ts).
// What each operation means to a front end (barriers, the fetch reserve) is operations.ts. Compaction on
// request (`topic compact`) is topic-compaction.ts; the workers clean on their own too (worker/cleaner.ts).
import {SamsaError} from '../../errors.js'
import {endOffsetOf} from '../../format/batch-header.js'
import {armFailpoints} from '../../storage/failpoints.js'
import {nodeFileIo, type FileIo} from '../../storage/file-io.js'
import {topicNameProblem, validateTopicName} from '../../topic-name.js'
import {asSamsaError, fromWireError, type WireError} from '../../wire-error.js'
import {HWM_STRIDE, type DeleteRecordsResult, type ListOffsetsResult, type ProduceResult, type Tail} from '../worker/messages.js'
import {Fetcher, type FetchContext, type FetchQuery, type FetchedPartition} from './fetcher.js'
import {FetchWaiters} from './fetch-waiters.js'
import {INTERNAL_TOPICS, refuseInternalWrite} from './internal-topics.js'
import {PartitionTable, type PartitionRef} from './partition-table.js'
import {ProducerIds, type ProducerIdAndEpoch} from './producer-ids.js'
import {TopicAdmin, type TopicChange, type TopicDescription, type TopicSummary} from './topic-admin.js'
import {TopicCatalog} from './topic-catalog.js'
import {TopicCompactor, type CompactionProgressEntry, type TopicCompaction} from './topic-compaction.js'
import {WorkerPool} from './worker-pool.js'

export type {ProduceResult}
export type {CompactedPartition, CompactionProgressEntry, TopicCompaction} from './topic-compaction.js'
export const MAX_LIST_PARTITIONS = 10_000

export type Acks = 0 | 1 | -1 // -1 = all: answered after a group-committed fdatasync that began after the write

// Throws INVALID_REQUEST unless acks is one of Kafka's three values.
export function requireAcks(acks: number): Acks {
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new SamsaError('INVALID_REQUEST', `acks must be 0, 1 or -1 (all), got ${acks}`)
  return acks
}

export interface ListOffsetsQuery {
  topic: string
  partition: number
  timestamp: number // -1 latest (the high watermark), -2 earliest (the log start offset), else ms
}
export interface ListedOffset {
  topic: string
  partition: number
  offset: number // -1 (and timestamp -1) when no record has a timestamp ≥ the one asked
  timestamp: number
  error?: SamsaError
}

export interface DeleteRecordsQuery {
  topic: string
  partition: number
  offset: number // -1 = up to the high watermark
}
export interface DeletedRecords {
  topic: string
  partition: number
  lowWatermark: number
  error?: SamsaError
}

export interface BrokerStatus {
  topics: number
  partitions: number
  sizeInBytes: number
  workers: {index: number; partitions: number}[]
}

export interface BrokerOptions {
  dataDir: string // resolved
  workers?: number
  retentionCheckMs?: number
  tickMs?: number
  log: (line: string) => void
  // Runs inside a topic delete, before it is answered (groups/ forgets the topic's committed offsets).
  onTopicDeleted?: (name: string) => Promise<void>
}

export class Broker {
  private readonly table = new PartitionTable()
  private readonly pool: WorkerPool
  private readonly waiters: FetchWaiters
  private readonly admin: TopicAdmin
  private readonly fetcher: Fetcher
  private readonly compactor: TopicCompactor
  private readonly producerIds: ProducerIds
  private readonly log: (line: string) => void
  private stopping = false

  // Starts the worker threads (USAGE for a bad count); open() then opens the catalogued partitions.
  constructor(options: BrokerOptions) {
    const {table} = this
    this.log = options.log
    this.waiters = new FetchWaiters((id, on) => {
      const ref = table.byPartitionId(id)
      if (!ref) return
      if (!on) ref.tail = null // no more tails come: the last one would only go stale
      this.pool.post(ref.worker, {type: 'watch', partitions: [id], on})
    })
    this.pool = new WorkerPool({
      workers: options.workers,
      retentionCheckMs: options.retentionCheckMs,
      tickMs: options.tickMs,
      onHwm: (updates, tails) => this.announced(updates, tails),
      onLog: options.log,
      onOffline: (id, message) => {
        const ref = table.byPartitionId(id)
        if (ref) ref.offline = message
        this.waiters.notify(id)
      },
      onWorkerExit: (index, reason, restarting) => this.workerExited(index, reason, restarting),
      onWorkerRestarted: (index) => this.workerRestarted(index),
    })
    this.admin = new TopicAdmin({
      dataDir: options.dataDir,
      catalog: new TopicCatalog(options.dataDir, catalogIo(options.log)),
      table,
      pool: this.pool,
      log: options.log,
      onPartitionsRemoved: (refs) => {
        for (const r of refs) this.waiters.forget(r.id)
      },
      onTopicDeleted: options.onTopicDeleted,
    })
    this.fetcher = new Fetcher(table, this.pool, this.waiters)
    this.compactor = new TopicCompactor(table, this.pool, (refs, cleaner) => this.admin.stats(refs, cleaner))
    this.producerIds = new ProducerIds(options.dataDir, options.log)
  }

  get workers(): number {
    return this.pool.size
  }

  // Startup: the catalog, leftovers of a crash, and every partition opened (recovery runs on the workers).
  open(): Promise<void> {
    return this.admin.openAll()
  }

  // ── data ───────────────────────────────────────────────────────────────────────────────────────────
  // Appends `batches` (one or more RecordBatch v2, as a client built them) to one partition, all or
  // nothing; the owning worker validates each. acks=0 and 1 are answered once appended; acks=all after the
  // group commit's fdatasync, or TIMEOUT when that takes longer than timeoutMs (> 0).
  async produce(topic: string, partition: number, acks: Acks, batches: Uint8Array, timeoutMs: number): Promise<ProduceResult> {
    const ref = this.resolve(topic, partition, 'produce')
    if (batches.length === 0) throw new SamsaError('INVALID_REQUEST', 'produce request carries no record batch')
    // The bytes are a view into a socket chunk that may hold other frames: copy them once into a buffer
    // of their own, which is then transferred (not copied again) to the worker.
    const bytes = new ArrayBuffer(batches.length)
    new Uint8Array(bytes).set(batches)
    const work = this.pool.request<ProduceResult>(ref.worker, {type: 'produce', partition: ref.id, acks, bytes}, [bytes])
    return acks === -1 && timeoutMs > 0 ? syncDeadline(work, timeoutMs, `${ref.topic}-${ref.partition}`) : work
  }

  // Kafka's InitProducerId without a transactional id: a producer id never handed out before, epoch 0.
  // Batches the producer stamps with it (and a sequence per partition) are appended once however often
  // they are retried, across daemon restarts too.
  async initProducerId(): Promise<ProducerIdAndEpoch> {
    return this.producerIds.allocate()
  }

  fetch(query: FetchQuery, ctx: FetchContext): Promise<FetchedPartition[]> {
    return this.fetcher.fetch(query, ctx)
  }

  async listOffsets(queries: ListOffsetsQuery[]): Promise<ListedOffset[]> {
    const answers = await this.perPartition(queries, (worker, share) =>
      this.pool.request<ListOffsetsResult>(worker, {
        type: 'listOffsets',
        partitions: share.map((s) => ({partition: s.ref.id, timestamp: s.query.timestamp})),
      }),
    )
    return answers.map((a, i) => {
      const {topic, partition} = queries[i]!
      if (a instanceof SamsaError) return {topic, partition, offset: -1, timestamp: -1, error: a}
      return {topic, partition, offset: a.offset, timestamp: a.timestamp, ...(a.error ? {error: fromWireError(a.error)} : {})}
    })
  }

  async deleteRecords(queries: DeleteRecordsQuery[]): Promise<DeletedRecords[]> {
    const answers = await this.perPartition(
      queries,
      (worker, share) =>
        this.pool.request<DeleteRecordsResult>(worker, {
          type: 'deleteRecords',
          partitions: share.map((s) => ({partition: s.ref.id, offset: s.query.offset})),
        }),
      'DeleteRecords',
    )
    return answers.map((a, i) => {
      const {topic, partition} = queries[i]!
      if (a instanceof SamsaError) return {topic, partition, lowWatermark: -1, error: a}
      return {topic, partition, lowWatermark: a.lowWatermark, ...(a.error ? {error: fromWireError(a.error)} : {})}
    })
  }

  // The daemon's own writes into its internal topics (groups/ keeps committed offsets there): acks=all,
  // the topic created on first use. Clients never get here: produce() refuses internal topics.
  async appendInternal(topic: string, partition: number, batch: Uint8Array): Promise<ProduceResult> {
    if (!INTERNAL_TOPICS.has(topic)) throw new SamsaError('INTERNAL', `${topic} is not an internal topic`)
    // ensureInternal queues behind topic changes; a caller inside one (a delete's onTopicDeleted) only gets
    // here when the topic exists already
    const entry = this.table.topics.get(topic) ?? (await this.admin.ensureInternal(topic))
    const ref = this.table.partition(entry.meta.name, partition)
    if (ref.offline !== null) throw new SamsaError('PARTITION_OFFLINE', `${topic} is offline: ${ref.offline}`)
    const bytes = new ArrayBuffer(batch.length) // a buffer of its own, to transfer
    new Uint8Array(bytes).set(batch)
    return this.pool.request<ProduceResult>(ref.worker, {type: 'produce', partition: ref.id, acks: -1, bytes}, [bytes])
  }

  // ── topics ─────────────────────────────────────────────────────────────────────────────────────────
  createTopic(
    name: string,
    partitions: number,
    configs: ReadonlyMap<string, string>,
    options: {ifNotExists: boolean; validateOnly?: boolean}, // validateOnly: check everything, create nothing
  ): Promise<{created: boolean; topic: TopicDescription}> {
    return this.admin.create(name, partitions, configs, options)
  }

  alterTopic(name: string, change: TopicChange): Promise<TopicDescription> {
    return this.admin.alter(name, change)
  }

  // Resolves false when the topic did not exist and ifExists allowed that.
  deleteTopic(name: string, options: {ifExists: boolean}): Promise<boolean> {
    return this.admin.delete(name, options)
  }

  describeTopics(names: string[]): Promise<TopicDescription[]> {
    return this.admin.describe(names)
  }

  listTopics(): Promise<TopicSummary[]> {
    return this.admin.list()
  }

  // Rolls every partition's active segment and cleans it now (dryRun: counts what would go, writes
  // nothing); resolves when every partition is done. INVALID_CONFIG for a topic that is not compacted.
  compactTopic(name: string, options: {dryRun: boolean}): Promise<TopicCompaction> {
    validateTopicName(name)
    return this.compactor.compact(name, options.dryRun)
  }

  // How far a compactTopic of this topic is, per partition.
  compactionProgress(name: string): Promise<CompactionProgressEntry[]> {
    validateTopicName(name)
    return this.compactor.progress(name)
  }

  // How many partitions a topic has, or undefined when there is no such topic.
  partitionCount(topic: string): number | undefined {
    return this.table.topics.get(topic)?.partitions.length
  }

  // Every topic's name, internal ones included, without asking the workers (listTopics() does, for sizes).
  topicNames(): string[] {
    return [...this.table.topics.keys()]
  }

  async status(): Promise<BrokerStatus> {
    const {table, pool} = this
    const stats = await this.admin.stats([...table.allPartitions()])
    let sizeInBytes = 0
    for (const s of stats.values()) sizeInBytes += s.sizeInBytes
    const perWorker = new Array<number>(pool.size).fill(0)
    for (const p of table.allPartitions()) perWorker[p.worker]!++
    return {topics: table.topics.size, partitions: table.partitionCount, sizeInBytes, workers: perWorker.map((partitions, index) => ({index, partitions}))}
  }

  // ── stopping ───────────────────────────────────────────────────────────────────────────────────────
  // The daemon is stopping: a worker that dies from now on is neither reported nor reopened.
  beginStop(): void {
    if (this.stopping) return
    this.stopping = true
    // cleaning passes give up and requested compactions fail now, so the stop does not wait for them
    this.pool.broadcast({type: 'stopCleaning'}).catch(() => {})
  }

  // Every parked long-poll answers now with what it has, so in-flight work can finish.
  answerParkedFetches(): void {
    this.waiters.close()
  }

  // Workers flush and close every partition log (clean-shutdown markers), then end.
  async close(): Promise<void> {
    this.beginStop()
    this.waiters.close()
    await this.pool.shutdown()
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  // `write` names the change asked for, when the request changes the partition: internal topics refuse it.
  private resolve(topic: string, partition: number, write?: string): PartitionRef {
    const problem = topicNameProblem(topic)
    if (problem) throw new SamsaError('INVALID_TOPIC', problem)
    if (write) refuseInternalWrite(topic, write)
    // No offline check here: the owning worker refuses writes to an offline partition and still serves
    // its reads (ListOffsets too), so a consumer can drain what lies below a failure or a quarantine.
    return this.table.partition(topic, partition)
  }

  // Resolves each query, groups by worker, asks each worker once, answers in request order.
  private async perPartition<Q extends {topic: string; partition: number}, R extends {partition: number; error?: WireError}>(
    queries: Q[],
    ask: (worker: number, share: {query: Q; ref: PartitionRef}[]) => Promise<{partitions: R[]}>,
    write?: string,
  ): Promise<(R | SamsaError)[]> {
    const out: (R | SamsaError)[] = new Array(queries.length)
    const byWorker = new Map<number, {index: number; query: Q; ref: PartitionRef}[]>()
    queries.forEach((query, index) => {
      try {
        const ref = this.resolve(query.topic, query.partition, write)
        let share = byWorker.get(ref.worker)
        if (!share) byWorker.set(ref.worker, (share = []))
        share.push({index, query, ref})
      } catch (err) {
        out[index] = asSamsaError(err)
      }
    })
    await Promise.all(
      [...byWorker].map(async ([worker, share]) => {
        try {
          const r = await ask(worker, share)
          r.partitions.forEach((p, i) => (out[share[i]!.index] = p))
        } catch (err) {
          for (const s of share) out[s.index] = asSamsaError(err)
        }
      }),
    )
    return out
  }

  // A worker's announcements: new high watermarks and log starts (flat, HWM_STRIDE numbers each), and the
  // appended bytes of watched partitions, kept on the partition's ref: they answer fetches at the old log
  // end (the parked ones woken here, and a tailing consumer's next one) without asking the worker.
  private announced(updates: number[], tails: Tail[] | undefined): void {
    for (let i = 0; i < updates.length; i += HWM_STRIDE) {
      const ref = this.table.byPartitionId(updates[i]!)
      if (!ref) continue
      ref.highWatermark = updates[i + 1]!
      ref.logStartOffset = updates[i + 2]!
    }
    for (const t of tails ?? []) {
      const ref = this.table.byPartitionId(t.partition)
      const bytes = Buffer.from(t.bytes)
      if (ref) ref.tail = {from: t.from, end: endOffsetOf(bytes), bytes}
    }
    // a tail whose append did not move the high watermark (flush.messages) has nothing to answer yet
    for (let i = 0; i < updates.length; i += HWM_STRIDE) this.waiters.notify(updates[i]!)
  }

  private workerExited(index: number, reason: string, restarting: boolean): void {
    if (this.stopping) return
    this.log(`worker ${index} ${reason}; ${restarting ? 'starting a replacement that reopens its partitions' : 'its partitions are offline until restart'}`)
    for (const ref of this.table.allPartitions()) {
      if (ref.worker !== index) continue
      if (!restarting) ref.offline = `worker ${index} ${reason}`
      this.waiters.notify(ref.id) // parked fetches answer (a retry reaches the replacement)
    }
  }

  private workerRestarted(index: number): void {
    if (this.stopping) return
    // posted first, so every later request to this worker finds its partitions open
    this.admin.reopenWorker(index).catch((err: Error) => this.log(`worker ${index}: reopening its partitions failed: ${err.message}`))
    const watched = this.waiters.watching().filter((id) => this.table.byPartitionId(id)?.worker === index)
    if (watched.length > 0) this.pool.post(index, {type: 'watch', partitions: watched, on: true})
  }
}

// Produce timeoutMs, for acks=all (as in Kafka, acks=0 and 1 ignore it): answer TIMEOUT when the worker's
// reply — which comes only after the group commit's fdatasync — is not there in time. A TIMEOUT is not an
// acknowledgement: the records may still be appended and synced (indeterminate, as Kafka's
// REQUEST_TIMED_OUT), so no unsynced write is ever acknowledged. The late reply is dropped.
function syncDeadline<T>(work: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new SamsaError('TIMEOUT', `acks=all produce to ${label}: not synced within timeoutMs=${ms}; the records may or may not be stored`))
    }, ms)
  })
  work.catch(() => {}) // a failure after the deadline has nobody left to tell
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

// The catalog's file I/O: SAMSA_FAILPOINTS's (fault tests: checkpoint-* points on catalog.json), else the
// plain one. A bad value is the workers' to report.
function catalogIo(log: (line: string) => void): FileIo {
  try {
    return armFailpoints(process.env.SAMSA_FAILPOINTS, nodeFileIo, log).io ?? nodeFileIo
  } catch {
    return nodeFileIo
  }
}
