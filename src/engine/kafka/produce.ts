// Produce (v0–3): each partition's RecordBatches handed to the broker as they are (the worker validates
// them — structure, CRC-32C, counts, LZ4 — and stores the bytes unchanged but for the base offset). Main
// thread.
//
// InitProducerId (v0–1), for idempotent producers (kcat -X enable.idempotence=true, kafkajs idempotent:
// true): a null transactional_id gets a producer id never handed out before, epoch 0, from the same
// allocation samsa's own clients use (broker.initProducerId). Batches stamped with it are checked where
// they are appended (storage/producer-state.ts), whichever protocol brought them: a retried batch already
// appended is answered NONE with the base offset it was first given (as Kafka does) and not appended
// again; a sequence gap OUT_OF_ORDER_SEQUENCE_NUMBER (45); an older epoch INVALID_PRODUCER_EPOCH (47); a
// sequence older than the batches a partition remembers DUPLICATE_SEQUENCE_NUMBER (46), which both
// clients take as "already written". A transactional_id → TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53),
// producer id -1: samsa has no transactions, and 53 is fatal to both clients (librdkafka raises a fatal
// error, kafkajs does not retry it) where a retriable code would have them retry forever. Ids that cannot
// be reserved (the checkpoint write failed) → COORDINATOR_NOT_AVAILABLE (15): retriable, both retry.
//
// Per request: a transactional_id → TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53) for every partition (samsa
// has no transactions); acks outside {-1, 0, 1} → INVALID_REQUIRED_ACKS (21). Per partition, all of one
// request's partitions appended concurrently (two entries for one partition keep their order: one
// worker, one ordered channel): null or empty records → CORRUPT_MESSAGE (2, Kafka's "no batches");
// everything else the broker refuses maps through error-codes.ts — unknown topic or partition 3, an
// internal `__` topic INVALID_TOPIC_EXCEPTION (17, "only the daemon writes to it", README Guarantees
// rule 9), a bad batch 2, above max.message.bytes 10, storage failure or offline 6, acks=all not synced
// within timeout_ms 7. The response echoes the request's topics and partitions in order (librdkafka
// rejects any other shape); log_append_time_ms is -1 for CreateTime topics.
//
// acks=0 has no response (codec.ts expectsResponse): a partition that fails closes the connection
// instead, the only way its producer can notice (Kafka does the same).
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {SamsaError} from '../../errors.js'
import type {Acks} from '../broker/broker.js'
import {kafkaErrorCode, kafkaErrorMessage} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

type PartitionResponse = ResponseBody<'Produce'>['responses'][number]['partitionResponses'][number]

const failed = (index: number, errorCode: number): PartitionResponse => ({index, errorCode, baseOffset: -1, logAppendTimeMs: -1})

export const PRODUCE_HANDLERS: KafkaHandlers = {
  InitProducerId: {
    operation: 'initProducerId',
    async handle({broker}, body) {
      const refused = (errorCode: number) => ({throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1})
      if (body.transactionalId !== null) return refused(KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      try {
        return {throttleTimeMs: 0, errorCode: KafkaErrorCode.NONE, ...(await broker.initProducerId())}
      } catch (err) {
        return refused(kafkaErrorCode(err, 'commit'))
      }
    },
  },

  Produce: {
    operation: 'produce',
    reserve: () => 256, // a small response; the request's own bytes are counted by the connection
    async handle({broker}, body, _header, ctx) {
      const {acks, timeoutMs} = body
      const refuse =
        body.transactionalId !== null ? KafkaErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : acks !== 0 && acks !== 1 && acks !== -1 ? KafkaErrorCode.INVALID_REQUIRED_ACKS : 0
      const problems: string[] = []
      const responses = await Promise.all(
        body.topicData.map(async ({name, partitionData}) => ({
          name,
          partitionResponses: await Promise.all(
            partitionData.map(async ({index, records}): Promise<PartitionResponse> => {
              if (refuse !== 0) return failed(index, refuse)
              try {
                if (records === null || records.length === 0) throw new SamsaError('CORRUPT_MESSAGE', 'the partition carries no record batch')
                const r = await broker.produce(name, index, acks as Acks, records, Math.max(0, timeoutMs))
                return {index, errorCode: KafkaErrorCode.NONE, baseOffset: r.retried?.baseOffset ?? r.baseOffset, logAppendTimeMs: r.logAppendTime}
              } catch (err) {
                problems.push(`${name}-${index}: ${kafkaErrorMessage(err)}`)
                return failed(index, kafkaErrorCode(err, 'produce'))
              }
            }),
          ),
        })),
      )
      if (acks === 0 && (refuse !== 0 || problems.length > 0)) {
        ctx.abort(`an acks=0 produce failed: ${refuse !== 0 ? `error ${refuse}` : problems.join('; ')}`)
      }
      return {responses, throttleTimeMs: 0}
    },
  },
}
