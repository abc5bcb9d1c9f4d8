// DeleteRecords (v0–1): each partition's log start offset moved up to `offset` (-1: its high watermark),
// through the broker's deleteRecords — what Kafka's kafka-delete-records.sh and admin clients' deleteRecords
// do. Per partition, in request order: the new log start (low_watermark), or an error with -1: an unknown
// topic or partition → 3, an offset above the high watermark → OFFSET_OUT_OF_RANGE (1), an internal topic
// → 17. timeout_ms is not needed: the answer comes once the workers moved the log start. Main thread.
import {KafkaErrorCode} from '../../protocol/kafka/index.js'
import {kafkaErrorCode} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

export const DELETE_RECORDS_HANDLERS: KafkaHandlers = {
  DeleteRecords: {
    operation: 'deleteRecords',
    async handle({broker}, body) {
      const queries = body.topics.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex, offset: p.offset})))
      const answers = await broker.deleteRecords(queries)
      let i = 0
      const topics = body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const a = answers[i++]!
          if (a.error) return {partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: kafkaErrorCode(a.error, 'admin')}
          return {partitionIndex: p.partitionIndex, lowWatermark: a.lowWatermark, errorCode: KafkaErrorCode.NONE}
        }),
      }))
      return {throttleTimeMs: 0, topics}
    },
  },
}
