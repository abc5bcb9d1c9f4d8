// Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]
//   transactional_id => NULLABLE_STRING
//   acks => INT16
//   timeout_ms => INT32
//   topic_data => name [partition_data]
//     name => STRING
//     partition_data => index records
//       index => INT32
//       records => RECORDS
// Produce Response (Version: 3) => [responses] throttle_time_ms
//   responses => name [partition_responses]
//     name => STRING
//     partition_responses => index error_code base_offset log_append_time_ms
//       index => INT32
//       error_code => INT16
//       base_offset => INT64
//       log_append_time_ms => INT64
//   throttle_time_ms => INT32
//
// Versions: v1 response + throttle_time_ms (LAST, unlike every other API here); v2 response +
// log_append_time_ms (-1 for CreateTime); v3 request + transactional_id, and RecordBatch v2 only (kafkajs
// writes legacy MessageSets below v3).
// Listener: acks=0 gets no response at all (codec.ts expectsResponse). Echo exactly the topics and
// partitions requested, in order: librdkafka sends one topic with one partition and rejects any other
// shape. `records` is opaque here (null is legal on the wire: answer CORRUPT_MESSAGE).

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, records, string, struct, versions} from '../schema.js'

export const Produce = defineApi({
  key: 0,
  name: 'Produce',
  maxVersion: 3,
  flexibleFrom: 9,
  request: struct({
    transactionalId: versions('3+', nullableString),
    acks: int16,
    timeoutMs: int32,
    topicData: array(
      struct({
        name: string,
        partitionData: array(struct({index: int32, records})),
      }),
    ),
  }),
  response: struct({
    responses: array(
      struct({
        name: string,
        partitionResponses: array(
          struct({
            index: int32,
            errorCode: int16,
            baseOffset: int64,
            logAppendTimeMs: versions('2+', int64, -1),
          }),
        ),
      }),
    ),
    throttleTimeMs: versions('1+', int32),
  }),
})

export type ProduceRequest = RequestOf<typeof Produce>
export type ProduceResponse = ResponseOf<typeof Produce>
