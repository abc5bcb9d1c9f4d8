// Fetch (v0–4) and ListOffsets (v0–2): reading, through the broker's typed fetch and listOffsets. Main thread.
//
// Fetch: every requested partition in request order (librdkafka may list one topic twice: the answer
// follows the request entry by entry, never a map by topic), as one broker fetch — so its long poll
// (min_bytes, max_wait_ms) and byte limits (max_bytes, partition_max_bytes; each answer's first batch
// always whole, KIP-74) are the broker's. Stored batches go out as they are, views into the workers'
// buffers, never re-encoded. records is never null (librdkafka fails the whole response on -1): an
// empty buffer when there is nothing. No transactions: last_stable_offset = high_watermark and
// aborted_transactions = [] whatever the isolation level. A partition gets an error only when it is real
// (kafkajs throws for the whole response on any): unknown topic or partition 3, fetch_offset below the
// log start or above the log end 1 (at the end is no error: an empty answer), storage failure or offline 6,
// damaged batches on disk CORRUPT_MESSAGE 2 — unless valid batches lie before the damage, which are served
// with no error (the consumer reaches the damage on its next fetch). An errored partition has
// high_watermark -1, as in Kafka. Never REQUEST_TIMED_OUT: an expired long poll is an empty answer.
//
// ListOffsets: -1 the high watermark, -2 the log start offset (timestamp -1 with both), t ≥ 0 the first
// offset whose batch holds a record at or after t, with that record's time (offset and timestamp -1 when
// none). v0 answers old_style_offsets with that one offset (or none).
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import type {FetchQuery} from '../broker/fetcher.js'
import {fetchResponseBound} from '../broker/operations.js'
import {kafkaErrorCode} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

type FetchPartitionResponse = ResponseBody<'Fetch'>['responses'][number]['partitions'][number]

const EMPTY = Buffer.alloc(0)

export const FETCH_HANDLERS: KafkaHandlers = {
  Fetch: {
    operation: 'fetch',
    reserve: (body) => fetchResponseBound(body.maxBytes),
    async handle({broker}, body, _header, ctx) {
      const query: FetchQuery = {partitions: [], maxWaitMs: Math.max(0, body.maxWaitMs), minBytes: Math.max(0, body.minBytes), maxBytes: Math.max(0, body.maxBytes)}
      for (const t of body.topics) {
        for (const p of t.partitions) query.partitions.push({topic: t.topic, partition: p.partition, offset: p.fetchOffset, maxBytes: Math.max(0, p.partitionMaxBytes)})
      }
      const fetched = await broker.fetch(query, ctx)
      let i = 0
      const responses = body.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((): FetchPartitionResponse => {
          const f = fetched[i++]!
          const records = f.records ?? EMPTY
          const errorCode = f.error && records.length === 0 ? kafkaErrorCode(f.error, 'read') : KafkaErrorCode.NONE
          const highWatermark = errorCode === KafkaErrorCode.NONE ? f.highWatermark : -1
          return {partitionIndex: f.partition, errorCode, highWatermark, lastStableOffset: highWatermark, abortedTransactions: [], records}
        }),
      }))
      return {throttleTimeMs: 0, responses}
    },
  },

  ListOffsets: {
    operation: 'listOffsets',
    async handle({broker}, body) {
      const queries = body.topics.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex, timestamp: p.timestamp})))
      const listed = await broker.listOffsets(queries)
      let i = 0
      const topics = body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const l = listed[i++]!
          if (l.error) {
            return {partitionIndex: p.partitionIndex, errorCode: kafkaErrorCode(l.error, 'read'), oldStyleOffsets: [], timestamp: -1, offset: -1}
          }
          const oldStyleOffsets = l.offset >= 0 ? [l.offset] : []
          return {partitionIndex: p.partitionIndex, errorCode: KafkaErrorCode.NONE, oldStyleOffsets, timestamp: l.timestamp, offset: l.offset}
        }),
      }))
      return {throttleTimeMs: 0, topics}
    },
  },
}
