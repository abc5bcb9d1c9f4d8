// DeleteRecords Request (Version: 1) => [topics] timeout_ms
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index offset
//       partition_index => INT32
//       offset => INT64
//   timeout_ms => INT32
// DeleteRecords Response (Version: 1) => throttle_time_ms [topics]
//   throttle_time_ms => INT32
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index low_watermark error_code
//       partition_index => INT32
//       low_watermark => INT64
//       error_code => INT16
//
// Moves each partition's log start offset up to `offset` (-1: the high watermark); the answer is the new
// log start (low_watermark). Sent to each partition's leader. v1 is v0; v2 is flexible.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, string, struct} from '../schema.js'

export const DeleteRecords = defineApi({
  key: 21,
  name: 'DeleteRecords',
  maxVersion: 1,
  flexibleFrom: 2,
  request: struct({
    topics: array(struct({name: string, partitions: array(struct({partitionIndex: int32, offset: int64}))})),
    timeoutMs: int32,
  }),
  response: struct({
    throttleTimeMs: int32,
    topics: array(struct({name: string, partitions: array(struct({partitionIndex: int32, lowWatermark: int64, errorCode: int16}))})),
  }),
})

export type DeleteRecordsRequest = RequestOf<typeof DeleteRecords>
export type DeleteRecordsResponse = ResponseOf<typeof DeleteRecords>
