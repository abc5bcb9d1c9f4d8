// The Kafka backend's record API: the Producer's RecordBatch v2 bytes go out as they are in Produce (v3:
// the first version that carries RecordBatch v2), and Fetch (v4: the first that returns v2 batches with
// last_stable_offset) hands back the broker's stored batches for the Consumer to decode, as the local
// backend does — no record is encoded or decoded here, so the wire bytes are the same on both backends.
//
// One batch per partition per Produce: Kafka's brokers refuse a v3+ Produce whose partition carries more
// (ProduceRequest.validateRecords, INVALID_RECORD), so the Producer sends them one at a time here.
//
// Routing: each partition's requests go to its leader (cluster.ts); a fetch over partitions led by
// several brokers sends one Fetch per leader at once and answers when all have answered. A "leader moved"
// answer is looked up afresh and sent again (routing.ts) — for Produce too: a broker that says it is not
// the leader did not append. Fetch v4 has no log_start_offset: OFFSET_OUT_OF_RANGE is followed by a
// ListOffsets so the Consumer can clamp (the local backend gives both in the fetch answer).
// Idempotence: InitProducerId without a transactional id may go to any broker (Kafka's rule), so it goes
// to the bootstrap connection; the Producer stamps its batches with that id and per-partition sequences.
// Its limits fit Kafka's: one request of one batch in flight per partition (Kafka allows five, and a
// broker remembers the last five per producer and partition to recognise a retry). A
// retried batch the broker had appended is answered NONE with its first offsets, as locally; a sequence
// the broker cannot place fails the producer (errors.ts: the same SamsaErrors as the local daemon's).
import {SamsaError} from '../../errors.js'
import {BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD, BATCH_HEADER_SIZE} from '../../format/batch-header.js'
import {Fetch} from '../../protocol/kafka/apis/fetch.js'
import {InitProducerId} from '../../protocol/kafka/apis/init-producer-id.js'
import {Produce} from '../../protocol/kafka/apis/produce.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type Acks,
  type AdminApi,
  type FetchedPartition,
  type FetchPartitionRequest,
  type FetchRequest,
  type FetchResult,
  type ProduceResult,
  type ProducerIdentity,
  type RecordApi,
} from '../types.js'
import type {KafkaCluster} from './cluster.js'
import {DEFAULT_REQUEST_TIMEOUT_MS} from './connection.js'
import {COORDINATOR_MOVED, kafkaFailure, partitionError, fixedMessage} from './errors.js'
import {perLeader} from './routing.js'

export const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000
const INIT_PRODUCER_ID_ATTEMPTS = 5
const EMPTY = Buffer.alloc(0)

interface FetchAnswer {
  errorCode: number
  highWatermark: number
  records: Buffer
}

export class KafkaRecords implements RecordApi {
  readonly maxBatchesPerProduce = 1

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly admin: AdminApi,
  ) {}

  async produce(topic: string, partition: number, batches: Uint8Array, acks: Acks = 1, timeoutMs = DEFAULT_PRODUCE_TIMEOUT_MS): Promise<ProduceResult | null> {
    const records = Buffer.isBuffer(batches) ? batches : Buffer.from(batches.buffer, batches.byteOffset, batches.length)
    const [answer] = await perLeader(
      this.cluster,
      [{topic, partition}],
      async (c) => {
        const body = {transactionalId: null, acks, timeoutMs, topicData: [{name: topic, partitionData: [{index: partition, records}]}]}
        if (acks === 0) {
          await c.request(Produce, body, {noResponse: true})
          return [{errorCode: 0, baseOffset: -1, logAppendTimeMs: -1}]
        }
        const res = await c.request(Produce, body, {timeoutMs: timeoutMs + DEFAULT_REQUEST_TIMEOUT_MS})
        const p = res.responses.find((r) => r.name === topic)?.partitionResponses.find((r) => r.index === partition)
        return [p ?? {errorCode: 3, baseOffset: -1, logAppendTimeMs: -1}]
      },
      (_it, errorCode) => ({errorCode, baseOffset: -1, logAppendTimeMs: -1}),
    )
    if (acks === 0 || !answer) return null
    if (answer.errorCode !== 0) {
      // CORRUPT_MESSAGE in a Produce answer is about what was sent, not the log
      const e = kafkaFailure(answer.errorCode, `producing to ${topic}-${partition}`, fixedMessage(answer.errorCode, topic, partition))
      throw answer.errorCode === 2 ? new SamsaError('CORRUPT_MESSAGE', e.message) : e
    }
    const count = recordOffsets(records)
    return {baseOffset: answer.baseOffset, lastOffset: answer.baseOffset + count - 1, logAppendTime: answer.logAppendTimeMs, logStartOffset: -1}
  }

  /** A new producer id and epoch from any broker (no transactional id: no coordinator to find). */
  async initProducerId(): Promise<ProducerIdentity> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.cluster.any()
      const answer = await c.request(InitProducerId, {transactionalId: null, transactionTimeoutMs: 60_000})
      if (answer.errorCode === 0) return {producerId: answer.producerId, producerEpoch: answer.producerEpoch}
      // a broker still loading its producer id block answers a coordinator code: ask again shortly
      if (!COORDINATOR_MOVED.has(answer.errorCode) || attempt >= INIT_PRODUCER_ID_ATTEMPTS) throw kafkaFailure(answer.errorCode, 'getting a producer id')
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    }
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    const answers = await perLeader(
      this.cluster,
      request.partitions,
      async (c, items) => {
        const topics: {topic: string; partitions: {partition: number; fetchOffset: number; partitionMaxBytes: number}[]}[] = []
        for (const it of items) {
          let t = topics[topics.length - 1]
          if (!t || t.topic !== it.topic) topics.push((t = {topic: it.topic, partitions: []}))
          t.partitions.push({partition: it.partition, fetchOffset: it.offset, partitionMaxBytes: it.maxBytes})
        }
        const body = {replicaId: -1, maxWaitMs: request.maxWaitMs, minBytes: request.minBytes, maxBytes: request.maxBytes, isolationLevel: 0, topics}
        const res = await c.request(Fetch, body, {timeoutMs: request.maxWaitMs + DEFAULT_REQUEST_TIMEOUT_MS})
        const found = new Map<string, FetchAnswer>()
        for (const t of res.responses) {
          for (const p of t.partitions) found.set(key(t.topic, p.partitionIndex), {errorCode: p.errorCode, highWatermark: p.highWatermark, records: p.records ?? EMPTY})
        }
        return items.map((it) => found.get(key(it.topic, it.partition)) ?? {errorCode: 3, highWatermark: -1, records: EMPTY})
      },
      (_it, errorCode) => ({errorCode, highWatermark: -1, records: EMPTY}),
    )
    const partitions = await Promise.all(request.partitions.map((p, i) => this.fetched(p, answers[i]!)))
    return {partitions}
  }

  // One partition's answer in the client's shape; an offset out of range learns the log's bounds.
  private async fetched(p: FetchPartitionRequest, a: FetchAnswer): Promise<FetchedPartition> {
    const out: FetchedPartition = {
      topic: p.topic,
      partition: p.partition,
      highWatermark: a.highWatermark,
      logStartOffset: 0,
      bytes: a.records.length,
      records: a.records,
    }
    if (a.errorCode === 0) return out
    out.error = partitionError(a.errorCode, p.topic, p.partition)
    if (a.errorCode === 1) {
      const tp = {topic: p.topic, partition: p.partition}
      const [start, end] = await this.admin.listOffsets([
        {...tp, timestamp: EARLIEST_TIMESTAMP},
        {...tp, timestamp: LATEST_TIMESTAMP},
      ])
      if (start && end && !start.error && !end.error) {
        out.logStartOffset = start.offset
        out.highWatermark = end.offset
      }
    }
    return out
  }
}

// How many offsets the batches span (each batch's lastOffsetDelta + 1): the Produce answer gives only the
// base offset.
function recordOffsets(bytes: Buffer): number {
  let pos = 0
  let n = 0
  while (pos + BATCH_HEADER_SIZE <= bytes.length) {
    n += bytes.readInt32BE(pos + LAST_OFFSET_DELTA_POS) + 1
    pos += bytes.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
  }
  return n
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}
