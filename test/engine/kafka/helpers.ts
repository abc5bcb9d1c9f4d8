// Kafka-listener test helpers: a bare Kafka protocol client over TCP built on samsa's own codecs (requests
// encoded with encodeRequest, responses decoded with decodeResponse — the codecs themselves are checked
// against real clients' bytes in test/protocol/kafka), pipelined, responses matched by correlation id and
// their arrival order recorded; record batches to produce; and kafkajs's own Fetch (its Broker class, the
// request its consumer sends) for reading without a consumer group.
import {connect, type Socket} from 'node:net'
import kafkajs from 'kafkajs'
import LZ4Codec from 'kafkajs-lz4'
import {decodeResponse, encodeRequest, KafkaFrameReader, type KafkaApiName, type RequestBody, type ResponseBody} from '../../../src/protocol/kafka/index.js'
import {encodeRecordBatch, type ProducerStamp} from '../../../src/format/record-batch.js'
import {Compression} from '../../../src/format/batch-header.js'

// The highest version samsa advertises: what kcat and kafkajs send.
export const V = {
  Produce: 3,
  Fetch: 4,
  ListOffsets: 2,
  Metadata: 4,
  OffsetCommit: 3,
  OffsetFetch: 3,
  FindCoordinator: 1,
  JoinGroup: 2,
  Heartbeat: 1,
  LeaveGroup: 1,
  SyncGroup: 1,
  DescribeGroups: 1,
  ListGroups: 1,
  ApiVersions: 3,
  CreateTopics: 2,
  DeleteTopics: 1,
  InitProducerId: 1,
  DescribeConfigs: 1,
  DeleteRecords: 1,
  CreatePartitions: 1,
  DeleteGroups: 1,
  IncrementalAlterConfigs: 0,
  AlterConfigs: 1,
  SaslHandshake: 1,
  SaslAuthenticate: 2,
} as const satisfies Record<KafkaApiName, number>

export class KafkaTestClient {
  private readonly reader = new KafkaFrameReader()
  private readonly waiting = new Map<number, {api: KafkaApiName; version: number; resolve: (b: unknown) => void; reject: (e: Error) => void}>()
  private nextId = 0 // kafkajs starts at 0 too
  readonly arrivals: number[] = [] // correlation ids in the order their responses came
  readonly stray: Buffer[] = [] // responses nobody waited for
  closed = false
  readonly closedPromise: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk)
      for (let p = this.reader.next(); p !== null; p = this.reader.next()) {
        const id = p.readInt32BE(0)
        this.arrivals.push(id)
        const w = this.waiting.get(id)
        if (!w) {
          this.stray.push(Buffer.from(p))
          continue
        }
        this.waiting.delete(id)
        try {
          w.resolve(decodeResponse(w.api, w.version, Buffer.from(p)).body)
        } catch (err) {
          w.reject(err as Error)
        }
      }
    })
    socket.on('error', () => {})
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true
        for (const w of this.waiting.values()) w.reject(new Error('connection closed'))
        this.waiting.clear()
        resolve()
      }),
    )
  }

  static connect(port: number, host = '127.0.0.1'): Promise<KafkaTestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({host, port})
      s.once('connect', () => resolve(new KafkaTestClient(s)))
      s.once('error', reject)
    })
  }

  // Sends a request at `version` (default: what samsa advertises) and waits for its decoded response.
  request<N extends KafkaApiName>(api: N, body: RequestBody<N>, version: number = V[api], timeoutMs = 20_000): Promise<ResponseBody<N>> {
    const id = this.send(api, body, version)
    return new Promise<ResponseBody<N>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${api} v${version} within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.set(id, {
        api,
        version,
        resolve: (b) => {
          clearTimeout(timer)
          resolve(b as ResponseBody<N>)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
    })
  }

  // Sends without waiting (acks=0); returns the correlation id.
  send<N extends KafkaApiName>(api: N, body: RequestBody<N>, version: number = V[api]): number {
    const id = this.nextId++
    for (const chunk of encodeRequest(api, {apiVersion: version, correlationId: id, clientId: 'samsa-test'}, body)) this.socket.write(chunk)
    return id
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  close(): void {
    this.socket.destroy()
  }
}

// Writes bytes on a fresh connection; resolves with what came back and whether the daemon closed it.
export function rawExchange(port: number, bytes: Buffer, waitMs = 3000): Promise<{closed: boolean; data: Buffer}> {
  return new Promise((resolve) => {
    const s = connect({host: '127.0.0.1', port})
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      s.destroy()
      resolve({closed: false, data: Buffer.concat(chunks)})
    }, waitMs)
    s.on('data', (b) => chunks.push(b))
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve({closed: true, data: Buffer.concat(chunks)})
    })
    s.write(bytes)
  })
}

// A request frame: size prefix, then header v1 and body bytes of our choosing.
export function frame(apiKey: number, apiVersion: number, correlationId: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4 + 2 + 2 + 4 + 2)
  head.writeInt32BE(2 + 2 + 4 + 2 + body.length, 0)
  head.writeInt16BE(apiKey, 4)
  head.writeInt16BE(apiVersion, 6)
  head.writeInt32BE(correlationId, 8)
  head.writeInt16BE(-1, 12) // client_id null
  return Buffer.concat([head, body])
}

// A batch as a client builds it; `producer` stamps it as an idempotent producer's (id, epoch, base sequence).
export function batch(values: string[], options: {keys?: (string | null)[]; compression?: Compression; timestamp?: number; producer?: ProducerStamp} = {}): Buffer {
  const t = options.timestamp ?? Date.now()
  return encodeRecordBatch(
    values.map((v, i) => ({key: options.keys?.[i] == null ? null : Buffer.from(options.keys[i]!), value: Buffer.from(v), timestamp: t + i, headers: []})),
    {compression: options.compression ?? Compression.Lz4, ...options.producer},
  )
}

export function produceBody(topic: string, partition: number, records: Buffer | null, acks = 1): RequestBody<'Produce'> {
  return {transactionalId: null, acks, timeoutMs: 10_000, topicData: [{name: topic, partitionData: [{index: partition, records}]}]}
}

export function fetchBody(partitions: {topic: string; partition: number; offset: number}[], options: {maxWaitMs?: number; minBytes?: number} = {}): RequestBody<'Fetch'> {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: 10 * 1024 * 1024,
    isolationLevel: 1,
    topics: partitions.map((p) => ({topic: p.topic, partitions: [{partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: 1024 * 1024}]})),
  }
}

// ── kafkajs ─────────────────────────────────────────────────────────────────────────────────────────
const {CompressionCodecs, CompressionTypes} = kafkajs
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec

export interface KafkajsMessage {
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | undefined>
}

// kafkajs's consumer always joins a consumer group; its Broker class sends the very Fetch v4 the consumer
// sends and decodes the answer with the consumer's decoder, LZ4 included (kafkajs-lz4): the closest
// kafkajs comes to a simple consumer, for reading a partition without a group.
export async function kafkajsFetch(port: number, topic: string, partition: number, fetchOffset = 0): Promise<{highWatermark: string; messages: KafkajsMessage[]}> {
  // not in kafkajs's public API: plain JS modules inside the package
  const {default: Broker} = await import('kafkajs/src/broker/index.js' as string)
  const {default: ConnectionPool} = await import('kafkajs/src/network/connectionPool.js' as string)
  const {default: socketFactory} = await import('kafkajs/src/network/socketFactory.js' as string)
  const {createLogger} = await import('kafkajs/src/loggers/index.js' as string)
  const logger = createLogger({level: kafkajs.logLevel.NOTHING, logCreator: () => () => {}})
  const connectionPool = new ConnectionPool({host: '127.0.0.1', port, logger, clientId: 'kafkajs', connectionTimeout: 5000, requestTimeout: 30_000, socketFactory: socketFactory()})
  const broker = new Broker({connectionPool, logger})
  await broker.connect()
  try {
    const r = await broker.fetch({
      replicaId: -1,
      isolationLevel: 1,
      maxWaitTime: 100,
      topics: [{topic, partitions: [{partition, fetchOffset: String(fetchOffset), maxBytes: 1024 * 1024}]}],
    })
    const p = r.responses[0].partitions[0]
    return {highWatermark: p.highWatermark, messages: p.messages}
  } finally {
    await broker.disconnect()
  }
}
