// ListOffsets Request (Version: 2) => replica_id isolation_level [topics]
//   replica_id => INT32
//   isolation_level => INT8
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index timestamp
//       partition_index => INT32
//       timestamp => INT64
// ListOffsets Response (Version: 2) => throttle_time_ms [topics]
//   throttle_time_ms => INT32
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index error_code timestamp offset
//       partition_index => INT32
//       error_code => INT16
//       timestamp => INT64
//       offset => INT64
//
// Versions: v0 request has max_num_offsets per partition and its response old_style_offsets [INT64]
// instead of timestamp and offset; v1 gives today's shape; v2 + isolation_level and throttle_time_ms.
// timestamp -1 asks for the latest offset (high watermark), -2 for the earliest (log start offset).

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, int8, string, struct, versions} from '../schema.js'

export const ListOffsets = defineApi({
  key: 2,
  name: 'ListOffsets',
  maxVersion: 2,
  flexibleFrom: 6,
  request: struct({
    replicaId: int32,
    isolationLevel: versions('2+', int8),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            timestamp: int64,
            maxNumOffsets: versions('0', int32, 1),
          }),
        ),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('2+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            errorCode: int16,
            oldStyleOffsets: versions('0', array(int64)),
            timestamp: versions('1+', int64, -1),
            offset: versions('1+', int64, -1),
          }),
        ),
      }),
    ),
  }),
})

export type ListOffsetsRequest = RequestOf<typeof ListOffsets>
export type ListOffsetsResponse = ResponseOf<typeof ListOffsets>
