// The control front end's dispatch, on the main thread: one decoded frame in, one Reply (or none, for
// acks=0) out. Each control API is an entry of APIS: the broker operation it is (whose traits, such as
// being a barrier, the connection honours: broker/operations.ts), and a call that decodes the body
// (requests.ts), calls the Broker, the OffsetStore or the GroupCoordinator with typed arguments and
// encodes the answer as the control protocol's JSON. Every error becomes the wire form
// {error: {code, message, retriable}} (src/wire-error.ts): a handler's exception never escapes to the
// connection.
//
// Until the daemon is ready (recovery and committed offsets loaded) every request but Hello and Shutdown
// waits; a daemon that failed to start answers DAEMON_UNAVAILABLE.
import {SamsaError, isSamsaError} from '../../errors.js'
import type {Frame} from '../../protocol/control/frame.js'
import {
  API_VERSION,
  ApiKey,
  type AlterTopicResponse,
  type CompactionProgressResponse,
  type CompactTopicResponse,
  type CreateTopicResponse,
  type DeleteRecordsResponse,
  type DeleteGroupResponse,
  type DeleteTopicResponse,
  type DescribeGroupsResponse,
  type DescribeTopicsResponse,
  type FetchPartitionResponse,
  type FetchResponse,
  type GroupHeartbeatResponse,
  type HelloResponse,
  type KafkaListenerStatus,
  type ListGroupsResponse,
  type InitProducerIdResponse,
  type ListOffsetsResponse,
  type ListTopicsResponse,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
  type ProduceResponse,
  type ShutdownResponse,
  type StatusResponse,
} from '../../protocol/control/messages.js'
import {toWireError} from '../../wire-error.js'
import type {Broker} from '../broker/broker.js'
import type {FetchedPartition} from '../broker/fetcher.js'
import {OPERATIONS, fetchResponseBound, type Operation} from '../broker/operations.js'
import type {GroupCoordinator} from '../groups/coordinator.js'
import type {OffsetStore} from '../groups/offset-store.js'
import type {Reply, RequestContext} from './request-context.js'
import {
  decodeAlterTopic,
  decodeCompactionProgress,
  decodeCompactTopic,
  decodeCreateTopic,
  decodeDeleteGroup,
  decodeDeleteRecords,
  decodeDeleteTopic,
  decodeDescribeGroups,
  decodeDescribeTopics,
  decodeFetch,
  decodeGroupHeartbeat,
  decodeInitProducerId,
  decodeListOffsets,
  decodeOffsetCommit,
  decodeOffsetFetch,
  decodeProduce,
} from './requests.js'

// Who this daemon is: what Hello and Status report.
export interface DaemonInfo {
  version: string
  pid: number
  dataDir: string
  socket: string
  startedAt: number
  kafka: Readonly<KafkaListenerStatus> // kept up to date by lifecycle/ (the listener binds once the daemon is ready)
}

export interface ControlServices {
  info: DaemonInfo
  broker: Broker
  offsets: OffsetStore
  groups: GroupCoordinator
  ready: Promise<void> // settles when startup (recovery, offsets) is done
  requestShutdown: () => void
}

interface ControlApi {
  operation: Operation | null // null: the front end's own (Hello)
  early?: boolean // answered before the daemon is ready
  reserve?: (body: unknown) => number // response bytes held against the connection's budget while it runs
  call(s: ControlServices, frame: Frame, ctx: RequestContext): Promise<Reply | null>
}

const errorOf = (e: SamsaError | undefined) => (e ? {error: e.toJSON()} : {})

// In the order Hello lists them. Each body `satisfies` its messages.ts type: the broker's typed results and
// the wire contract are checked against each other at compile time.
const APIS: ReadonlyMap<number, ControlApi> = new Map<number, ControlApi>([
  [ApiKey.Hello, {operation: null, early: true, call: async (s) => ({body: hello(s.info)})}],
  [
    ApiKey.Produce,
    {
      operation: 'produce',
      async call(s, frame) {
        const {topic, partition, acks, timeoutMs} = decodeProduce(frame.body)
        const result = await s.broker.produce(topic, partition, acks, frame.raw, timeoutMs)
        return acks === 0 ? null : {body: result satisfies ProduceResponse}
      },
    },
  ],
  [
    ApiKey.InitProducerId,
    {
      operation: 'initProducerId',
      async call(s, frame) {
        decodeInitProducerId(frame.body)
        return {body: (await s.broker.initProducerId()) satisfies InitProducerIdResponse}
      },
    },
  ],
  [
    ApiKey.Fetch,
    {
      operation: 'fetch',
      reserve: (body) => fetchResponseBound((body as {maxBytes?: unknown} | null)?.maxBytes),
      call: async (s, frame, ctx) => fetchReply(await s.broker.fetch(decodeFetch(frame.body), ctx)),
    },
  ],
  [
    ApiKey.ListOffsets,
    {
      operation: 'listOffsets',
      async call(s, frame) {
        const listed = await s.broker.listOffsets(decodeListOffsets(frame.body))
        return {body: {partitions: listed.map(({error, ...p}) => ({...p, ...errorOf(error)}))} satisfies ListOffsetsResponse}
      },
    },
  ],
  [
    ApiKey.DeleteRecords,
    {
      operation: 'deleteRecords',
      async call(s, frame) {
        const deleted = await s.broker.deleteRecords(decodeDeleteRecords(frame.body))
        return {body: {partitions: deleted.map(({error, ...p}) => ({...p, ...errorOf(error)}))} satisfies DeleteRecordsResponse}
      },
    },
  ],
  [
    ApiKey.OffsetCommit,
    {
      operation: 'commitOffsets',
      async call(s, frame) {
        const {group, who, offsets} = decodeOffsetCommit(frame.body)
        const results = await s.groups.commitOffsets(group, who, offsets)
        return {body: {partitions: results.map(({error, ...p}) => ({...p, ...errorOf(error)}))} satisfies OffsetCommitResponse}
      },
    },
  ],
  [
    ApiKey.OffsetFetch,
    {
      operation: 'fetchOffsets',
      async call(s, frame) {
        const {group, partitions} = decodeOffsetFetch(frame.body)
        return {body: {offsets: s.offsets.fetchOffsets(group, partitions)} satisfies OffsetFetchResponse}
      },
    },
  ],
  [
    ApiKey.GroupHeartbeat,
    {
      operation: 'groupHeartbeat',
      call: async (s, frame, ctx) => ({body: (await s.groups.heartbeat(decodeGroupHeartbeat(frame.body), ctx)) satisfies GroupHeartbeatResponse}),
    },
  ],
  [ApiKey.ListGroups, {operation: 'listGroups', call: async (s) => ({body: {groups: s.groups.listGroups()} satisfies ListGroupsResponse})}],
  [
    ApiKey.DescribeGroups,
    {
      operation: 'describeGroups',
      async call(s, frame) {
        const ids = decodeDescribeGroups(frame.body)
        const described = await s.groups.describeGroups(ids)
        const groups = described.map((d, i) => (d instanceof SamsaError ? {group: ids[i]!, error: d.toJSON()} : d))
        return {body: {groups} satisfies DescribeGroupsResponse}
      },
    },
  ],
  [
    ApiKey.DeleteGroup,
    {
      operation: 'deleteGroup',
      async call(s, frame) {
        await s.groups.deleteGroup(decodeDeleteGroup(frame.body))
        return {body: {deleted: true} satisfies DeleteGroupResponse}
      },
    },
  ],
  [ApiKey.ListTopics, {operation: 'listTopics', call: async (s) => ({body: {topics: await s.broker.listTopics()} satisfies ListTopicsResponse})}],
  [
    ApiKey.DescribeTopics,
    {
      operation: 'describeTopics',
      call: async (s, frame) => ({body: {topics: await s.broker.describeTopics(decodeDescribeTopics(frame.body))} satisfies DescribeTopicsResponse}),
    },
  ],
  [
    ApiKey.CreateTopic,
    {
      operation: 'createTopic',
      async call(s, frame) {
        const {name, partitions, configs, ifNotExists} = decodeCreateTopic(frame.body)
        return {body: (await s.broker.createTopic(name, partitions, configs, {ifNotExists})) satisfies CreateTopicResponse}
      },
    },
  ],
  [
    ApiKey.AlterTopic,
    {
      operation: 'alterTopic',
      async call(s, frame) {
        const {name, change} = decodeAlterTopic(frame.body)
        return {body: {topic: await s.broker.alterTopic(name, change)} satisfies AlterTopicResponse}
      },
    },
  ],
  [
    ApiKey.DeleteTopic,
    {
      operation: 'deleteTopic',
      async call(s, frame) {
        const {name, ifExists} = decodeDeleteTopic(frame.body)
        return {body: {deleted: await s.broker.deleteTopic(name, {ifExists})} satisfies DeleteTopicResponse}
      },
    },
  ],
  [ApiKey.Status, {operation: 'status', call: async (s) => ({body: await status(s)})}],
  [
    ApiKey.Shutdown,
    {
      operation: 'shutdown',
      early: true,
      // after this reply is written: stop() waits for in-flight requests, and this one is done by then
      call: async (s) => {
        setImmediate(s.requestShutdown)
        return {body: {stopping: true} satisfies ShutdownResponse}
      },
    },
  ],
  [
    ApiKey.CompactTopic,
    {
      operation: 'compactTopic',
      async call(s, frame) {
        const {name, dryRun} = decodeCompactTopic(frame.body)
        const done = await s.broker.compactTopic(name, {dryRun})
        const partitions = done.partitions.map(({error, ...p}) => ({...p, ...errorOf(error)}))
        return {body: {topic: done.topic, dryRun: done.dryRun, partitions} satisfies CompactTopicResponse}
      },
    },
  ],
  [
    ApiKey.CompactionProgress,
    {
      operation: 'compactionProgress',
      call: async (s, frame) => ({body: {partitions: await s.broker.compactionProgress(decodeCompactionProgress(frame.body))} satisfies CompactionProgressResponse}),
    },
  ],
])

// The APIs this daemon answers (Hello lists them).
export const SUPPORTED_APIS: readonly number[] = [...APIS.keys()]

export class ControlDispatch {
  private started = false

  constructor(private readonly services: ControlServices) {
    services.ready.then(
      () => (this.started = true),
      () => {},
    )
  }

  // Later requests on the connection wait until this one is answered (broker/operations.ts).
  isBarrier(frame: Frame): boolean {
    const operation = APIS.get(frame.apiKey)?.operation
    return operation ? OPERATIONS[operation].barrier : false
  }

  // Response bytes the request may produce beyond its own raw bytes (a fetch's answer), reserved while it runs.
  reserveBytes(frame: Frame): number {
    return APIS.get(frame.apiKey)?.reserve?.(frame.body) ?? 0
  }

  // Never rejects: errors become {error} bodies.
  async handle(frame: Frame, ctx: RequestContext): Promise<Reply | null> {
    try {
      if (frame.apiVersion !== API_VERSION) {
        throw new SamsaError('INVALID_REQUEST', `API ${frame.apiKey} version ${frame.apiVersion} is not supported (this daemon speaks version ${API_VERSION})`)
      }
      const api = APIS.get(frame.apiKey)
      if (!this.started && !api?.early) {
        await this.services.ready.catch((err: unknown) => {
          const why = isSamsaError(err) ? err.message : String(err)
          throw new SamsaError('DAEMON_UNAVAILABLE', `the daemon failed to start: ${why}`)
        })
      }
      if (!api) throw new SamsaError('INVALID_REQUEST', `unknown or unsupported API key ${frame.apiKey}`)
      return await api.call(this.services, frame, ctx)
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
}

function hello(info: DaemonInfo): HelloResponse {
  return {
    daemonVersion: info.version,
    pid: info.pid,
    dataDir: info.dataDir,
    apis: SUPPORTED_APIS.map((key) => ({key, minVersion: API_VERSION, maxVersion: API_VERSION})),
  }
}

async function status({info, broker}: ControlServices): Promise<StatusResponse> {
  const {topics, partitions, sizeInBytes, workers} = await broker.status()
  const {pid, version, dataDir, socket} = info
  return {pid, version, uptimeMs: Date.now() - info.startedAt, dataDir, socket, topics, partitions, sizeInBytes, workers, kafka: {...info.kafka}}
}

// The partitions' batch bytes follow the JSON as they are (views into the workers' buffers, no copy).
function fetchReply(fetched: FetchedPartition[]): Reply {
  const raw: Buffer[] = []
  const partitions = fetched.map((p): FetchPartitionResponse => {
    const entry: FetchPartitionResponse = {
      topic: p.topic,
      partition: p.partition,
      highWatermark: p.highWatermark,
      logStartOffset: p.logStartOffset,
      bytes: p.records ? p.records.length : 0,
    }
    if (p.error) entry.error = p.error.toJSON()
    if (p.nextOffset !== undefined) entry.nextOffset = p.nextOffset
    if (p.records) raw.push(p.records)
    return entry
  })
  const body: FetchResponse = {partitions}
  return {body, raw}
}
