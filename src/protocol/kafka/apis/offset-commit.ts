// OffsetCommit Request (Version: 3) => group_id generation_id member_id retention_time_ms [topics]
//   group_id => STRING
//   generation_id => INT32
//   member_id => STRING
//   retention_time_ms => INT64
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index committed_offset committed_metadata
//       partition_index => INT32
//       committed_offset => INT64
//       committed_metadata => NULLABLE_STRING
// OffsetCommit Response (Version: 3) => throttle_time_ms [topics]
//   throttle_time_ms => INT32
//   topics => name [partitions]
//     name => STRING
//     partitions => partition_index error_code
//       partition_index => INT32
//       error_code => INT16
//
// Versions: v1 + generation_id, member_id and a per-partition commit_timestamp; v2 replaces the
// timestamp with retention_time_ms (-1: broker default); v3 response + throttle_time_ms.
// committed_offset is the next offset to consume. librdkafka sends "" for no metadata, kafkajs null.
// generation_id -1 with member_id "" is a simple (groupless) commit: accept it for groups without members.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, string, struct, versions} from '../schema.js'

export const OffsetCommit = defineApi({
  key: 8,
  name: 'OffsetCommit',
  maxVersion: 3,
  flexibleFrom: 8,
  request: struct({
    groupId: string,
    generationId: versions('1+', int32, -1),
    memberId: versions('1+', string),
    retentionTimeMs: versions('2-4', int64, -1),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            committedOffset: int64,
            commitTimestamp: versions('1', int64, -1),
            committedMetadata: nullableString,
          }),
        ),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('3+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(struct({partitionIndex: int32, errorCode: int16})),
      }),
    ),
  }),
})

export type OffsetCommitRequest = RequestOf<typeof OffsetCommit>
export type OffsetCommitResponse = ResponseOf<typeof OffsetCommit>
