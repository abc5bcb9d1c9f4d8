// OffsetFetch Request (Version: 3) => group_id [topics]
//   group_id => STRING
//   topics => name [partition_indexes]
//     name => STRING
//     partition_indexes => INT32
// OffsetFetch Response (Version: 3) => throttle_time_ms [topics] error_code
//   throttle_time_ms => INT32
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index committed_offset metadata error_code
//       partition_index => INT32
//       committed_offset => INT64
//       metadata => NULLABLE_STRING
//       error_code => INT16
//   error_code => INT16
//
// Versions: v2 + a trailing top-level error_code, and null topics (count -1) means every committed
// partition; v3 + throttle_time_ms (first). kafkajs has no v0. A partition with no commit gets
// committed_offset -1 and error 0.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, string, struct, versions} from '../schema.js'

export const OffsetFetch = defineApi({
  key: 9,
  name: 'OffsetFetch',
  maxVersion: 3,
  flexibleFrom: 6,
  request: struct({
    groupId: string,
    topics: array(struct({name: string, partitionIndexes: array(int32)}), {nullable: '2+'}),
  }),
  response: struct({
    throttleTimeMs: versions('3+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            committedOffset: int64,
            metadata: nullableString,
            errorCode: int16,
          }),
        ),
      }),
    ),
    errorCode: versions('2+', int16),
  }),
})

export type OffsetFetchRequest = RequestOf<typeof OffsetFetch>
export type OffsetFetchResponse = ResponseOf<typeof OffsetFetch>
