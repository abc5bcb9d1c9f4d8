// Request dispatch on the main thread: one decoded frame in, one Reply (or none, for acks=0) out. Picks
// the handler by API key, resolves topic/partition to the owning worker, and turns every error into the
// wire form {error: {code, message, retriable}} — a handler's exception never escapes to the connection.
// Produce, ListOffsets and DeleteRecords live here (they are one worker round trip each); Fetch, topic
// administration and lifecycle have their own modules. Produce and DeleteRecords refuse internal topics
// (internal-topics.ts): those are written by the daemon only.
import {SamsaError, isSamsaError} from '../../errors.js'
import type {Frame} from '../../protocol/control/frame.js'
import {API_VERSION, ApiKey, type HelloResponse, type StatusResponse} from '../../protocol/control/messages.js'
import {topicNameProblem} from '../../topic-name.js'
import type {FetchHandler} from '../broker/fetch-handler.js'
import type {OffsetStore} from '../groups/offset-store.js'
import {refuseInternalWrite} from '../broker/internal-topics.js'
import type {PartitionRef, PartitionTable} from '../broker/partition-table.js'
import type {Reply, RequestContext} from './request-context.js'
import {asBody, anyValue, int, list, type Body} from './request-body.js'
import type {TopicAdmin} from '../broker/topic-admin.js'
import type {WorkerPool} from '../broker/worker-pool.js'
import {fromWireError, toWireError, type WireError} from '../../wire-error.js'
import type {DeleteRecordsResult, ListOffsetsResult, ProduceResult} from '../worker/messages.js'

export const MAX_LIST_PARTITIONS = 10_000

// The APIs this daemon answers (Hello lists them).
export const SUPPORTED_APIS: number[] = [
  ApiKey.Hello, ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.DeleteRecords, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.ListTopics,
  ApiKey.DescribeTopics, ApiKey.CreateTopic, ApiKey.AlterTopic, ApiKey.DeleteTopic, ApiKey.Status, ApiKey.Shutdown,
]

// Requests that change topics, committed offsets or the daemon: later requests on the same connection
// start only after they complete, so "create topic, then produce" pipelined on one connection behaves as
// written, and a commit is seen by the OffsetFetch sent after it.
export const BARRIER_APIS: ReadonlySet<number> = new Set([
  ApiKey.CreateTopic, ApiKey.AlterTopic, ApiKey.DeleteTopic, ApiKey.DeleteRecords, ApiKey.OffsetCommit, ApiKey.Shutdown,
])

export interface DaemonInfo {
  version: string
  pid: number
  dataDir: string
  socket: string
  startedAt: number
  workers: number
}

export interface RouterDeps {
  info: DaemonInfo
  table: PartitionTable
  pool: WorkerPool
  admin: TopicAdmin
  fetch: FetchHandler
  offsets: OffsetStore
  ready: Promise<void> // settles when startup (recovery, offsets) is done; requests other than Hello wait
  requestShutdown: () => void
}

export class Router {
  private started = false

  constructor(private readonly deps: RouterDeps) {
    deps.ready.then(
      () => (this.started = true),
      () => {},
    )
  }

  // Never rejects: errors become {error} bodies.
  async handle(frame: Frame, ctx: RequestContext): Promise<Reply | null> {
    try {
      if (frame.apiVersion !== API_VERSION) {
        throw new SamsaError('INVALID_REQUEST', `API ${frame.apiKey} version ${frame.apiVersion} is not supported (this daemon speaks version ${API_VERSION})`)
      }
      if (!this.started && frame.apiKey !== ApiKey.Hello && frame.apiKey !== ApiKey.Shutdown) {
        await this.deps.ready.catch((err: unknown) => {
          const why = isSamsaError(err) ? err.message : String(err)
          throw new SamsaError('DAEMON_UNAVAILABLE', `the daemon failed to start: ${why}`)
        })
      }
      return await this.dispatch(frame, ctx)
    } catch (err) {
      if (frame.apiKey === ApiKey.Produce && (frame.body as {acks?: unknown} | null)?.acks === 0) {
        // no reply to carry the error: close the connection so the producer notices (Kafka does the same)
        const body = frame.body as {topic?: unknown; partition?: unknown}
        const e = toWireError(err)
        ctx.abort(`acks=0 produce to ${String(body.topic)}-${String(body.partition)} failed: ${e.code}: ${e.message}`)
        return null
      }
      return {body: {error: toWireError(err)}}
    }
  }

  private async dispatch(frame: Frame, ctx: RequestContext): Promise<Reply | null> {
    const {admin} = this.deps
    switch (frame.apiKey) {
      case ApiKey.Hello:
        return {body: this.hello()}
      case ApiKey.Produce:
        return this.produce(frame)
      case ApiKey.Fetch:
        return this.deps.fetch.handle(frame.body, ctx)
      case ApiKey.ListOffsets:
        return {body: await this.listOffsets(frame.body)}
      case ApiKey.DeleteRecords:
        return {body: await this.deleteRecords(frame.body)}
      case ApiKey.OffsetCommit:
        return {body: await this.deps.offsets.commit(frame.body)}
      case ApiKey.OffsetFetch:
        return {body: this.deps.offsets.fetch(frame.body)}
      case ApiKey.ListTopics:
        return {body: await admin.list()}
      case ApiKey.DescribeTopics:
        return {body: await admin.describe(frame.body)}
      case ApiKey.CreateTopic:
        return {body: await admin.create(frame.body)}
      case ApiKey.AlterTopic:
        return {body: await admin.alter(frame.body)}
      case ApiKey.DeleteTopic:
        return {body: await admin.delete(frame.body)}
      case ApiKey.Status:
        return {body: await this.status()}
      case ApiKey.Shutdown:
        // after this reply is written: stop() waits for in-flight requests, and this one is done by then
        setImmediate(this.deps.requestShutdown)
        return {body: {stopping: true}}
      default:
        throw new SamsaError('INVALID_REQUEST', `unknown or unsupported API key ${frame.apiKey}`)
    }
  }

  private hello(): HelloResponse {
    const {info} = this.deps
    return {
      daemonVersion: info.version,
      pid: info.pid,
      dataDir: info.dataDir,
      apis: SUPPORTED_APIS.map((key) => ({key, minVersion: API_VERSION, maxVersion: API_VERSION})),
    }
  }

  private async status(): Promise<StatusResponse> {
    const {info, table, pool, admin} = this.deps
    const stats = await admin.stats([...table.allPartitions()])
    let sizeInBytes = 0
    for (const s of stats.values()) sizeInBytes += s.sizeInBytes
    const perWorker = new Array<number>(pool.size).fill(0)
    for (const p of table.allPartitions()) perWorker[p.worker]!++
    return {
      pid: info.pid,
      version: info.version,
      uptimeMs: Date.now() - info.startedAt,
      dataDir: info.dataDir,
      socket: info.socket,
      topics: table.topics.size,
      partitions: table.partitionCount,
      sizeInBytes,
      workers: perWorker.map((partitions, index) => ({index, partitions})),
    }
  }

  // `write` names the change asked for, when the request changes the partition: internal topics refuse it.
  private resolve(item: Body, write?: string): PartitionRef {
    const topic = anyValue(item, 'topic')
    const problem = topicNameProblem(topic)
    if (problem) throw new SamsaError('INVALID_TOPIC', problem)
    if (write) refuseInternalWrite(topic, write)
    // No offline check here: the owning worker refuses writes to an offline partition and still serves
    // its reads (ListOffsets too), so a consumer can drain what lies below a failure or a quarantine.
    const ref = this.deps.table.partition(topic, anyValue(item, 'partition'))
    return ref
  }

  private async produce(frame: Frame): Promise<Reply | null> {
    const body = asBody(frame.body, 'Produce')
    const acks = int(body, 'acks', {default: 1})
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new SamsaError('INVALID_REQUEST', `acks must be 0, 1 or -1 (all), got ${acks}`)
    const timeoutMs = int(body, 'timeoutMs', {default: 0, min: 0, max: 0x7fffffff}) // Kafka's int32; 0: no deadline
    const ref = this.resolve(body, 'produce')
    if (frame.raw.length === 0) throw new SamsaError('INVALID_REQUEST', 'produce request carries no record batch')
    // The raw bytes are a view into a socket chunk that may hold other frames: copy them once into a
    // buffer of their own, which is then transferred (not copied again) to the worker.
    const bytes = new ArrayBuffer(frame.raw.length)
    new Uint8Array(bytes).set(frame.raw)
    const work = this.deps.pool.request<ProduceResult>(ref.worker, {type: 'produce', partition: ref.id, acks, bytes}, [bytes])
    const result = acks === -1 && timeoutMs > 0 ? await syncDeadline(work, timeoutMs, `${ref.topic}-${ref.partition}`) : await work
    return acks === 0 ? null : {body: result}
  }

  // Resolves each entry, groups by worker, asks each worker once, answers in request order.
  private async perPartition<R extends {partition: number; error?: WireError}>(
    items: Body[],
    ask: (worker: number, entries: {item: Body; ref: PartitionRef}[]) => Promise<{partitions: R[]}>,
    write?: string,
  ): Promise<(R | WireError)[]> {
    const out: (R | WireError)[] = new Array(items.length)
    const byWorker = new Map<number, {index: number; item: Body; ref: PartitionRef}[]>()
    items.forEach((item, index) => {
      try {
        const ref = this.resolve(item, write)
        let share = byWorker.get(ref.worker)
        if (!share) byWorker.set(ref.worker, (share = []))
        share.push({index, item, ref})
      } catch (err) {
        out[index] = toWireError(err)
      }
    })
    await Promise.all(
      [...byWorker].map(async ([worker, share]) => {
        try {
          const r = await ask(worker, share)
          r.partitions.forEach((p, i) => (out[share[i]!.index] = p))
        } catch (err) {
          for (const s of share) out[s.index] = toWireError(err)
        }
      }),
    )
    return out
  }

  private async listOffsets(raw: unknown): Promise<unknown> {
    const items = list(asBody(raw, 'ListOffsets'), 'partitions', MAX_LIST_PARTITIONS)
    for (const item of items) int(item, 'timestamp') // one bad entry fails the request before any work
    const answers = await this.perPartition(items, (worker, share) =>
      this.deps.pool.request<ListOffsetsResult>(worker, {
        type: 'listOffsets',
        partitions: share.map((s) => ({partition: s.ref.id, timestamp: int(s.item, 'timestamp')})),
      }),
    )
    return {
      partitions: answers.map((a, i) => {
        const {topic, partition} = echo(items[i]!)
        if ('code' in a) return {topic, partition, offset: -1, timestamp: -1, error: a}
        return {topic, partition, offset: a.offset, timestamp: a.timestamp, ...(a.error ? {error: fromWireError(a.error).toJSON()} : {})}
      }),
    }
  }

  private async deleteRecords(raw: unknown): Promise<unknown> {
    const items = list(asBody(raw, 'DeleteRecords'), 'partitions', MAX_LIST_PARTITIONS)
    for (const item of items) int(item, 'offset', {min: -1})
    const answers = await this.perPartition(
      items,
      (worker, share) =>
        this.deps.pool.request<DeleteRecordsResult>(worker, {
          type: 'deleteRecords',
          partitions: share.map((s) => ({partition: s.ref.id, offset: int(s.item, 'offset')})),
        }),
      'DeleteRecords',
    )
    return {
      partitions: answers.map((a, i) => {
        const {topic, partition} = echo(items[i]!)
        if ('code' in a) return {topic, partition, lowWatermark: -1, error: a}
        return {topic, partition, lowWatermark: a.lowWatermark, ...(a.error ? {error: fromWireError(a.error).toJSON()} : {})}
      }),
    }
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

function echo(item: Body): {topic: string; partition: number} {
  const topic = anyValue(item, 'topic')
  const partition = anyValue(item, 'partition')
  return {topic: typeof topic === 'string' ? topic : String(topic), partition: typeof partition === 'number' ? partition : -1}
}
