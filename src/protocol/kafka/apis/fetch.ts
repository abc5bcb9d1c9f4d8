// Fetch Request (Version: 4) => replica_id max_wait_ms min_bytes max_bytes isolation_level [topics]
//   replica_id => INT32
//   max_wait_ms => INT32
//   min_bytes => INT32
//   max_bytes => INT32
//   isolation_level => INT8
//   topics => topic [partitions]
//     topic => STRING
//     partitions => partition fetch_offset partition_max_bytes
//       partition => INT32
//       fetch_offset => INT64
//       partition_max_bytes => INT32
// Fetch Response (Version: 4) => throttle_time_ms [responses]
//   throttle_time_ms => INT32
//   responses => topic [partitions]
//     topic => STRING
//     partitions => partition_index error_code high_watermark last_stable_offset [aborted_transactions] records
//       partition_index => INT32
//       error_code => INT16
//       high_watermark => INT64
//       last_stable_offset => INT64
//       aborted_transactions => producer_id first_offset
//         producer_id => INT64
//         first_offset => INT64
//       records => RECORDS
//
// Versions: v1 response + throttle_time_ms; v3 request + max_bytes; v4 request + isolation_level,
// response + last_stable_offset and aborted_transactions (kafkajs reads RecordBatch v2 only from v4).
// Listener: never send records as null (librdkafka fails the whole response on size -1: send an empty
// buffer), send aborted_transactions [] and last_stable_offset = high_watermark. librdkafka may list the
// same topic twice: answer entry by entry, in request order. Any partition error makes kafkajs throw for
// the whole response, so set one only when it is real; never REQUEST_TIMED_OUT.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, int8, records, string, struct, versions} from '../schema.js'

export const Fetch = defineApi({
  key: 1,
  name: 'Fetch',
  maxVersion: 4,
  flexibleFrom: 12,
  request: struct({
    replicaId: int32,
    maxWaitMs: int32,
    minBytes: int32,
    maxBytes: versions('3+', int32, 0x7fffffff),
    isolationLevel: versions('4+', int8),
    topics: array(
      struct({
        topic: string,
        partitions: array(struct({partition: int32, fetchOffset: int64, partitionMaxBytes: int32})),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    responses: array(
      struct({
        topic: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            errorCode: int16,
            highWatermark: int64,
            lastStableOffset: versions('4+', int64, -1),
            abortedTransactions: versions('4+', array(struct({producerId: int64, firstOffset: int64}), {nullable: '4+'})),
            records,
          }),
        ),
      }),
    ),
  }),
})

export type FetchRequest = RequestOf<typeof Fetch>
export type FetchResponse = ResponseOf<typeof Fetch>
