// CreateTopics Request (Version: 2) => [topics] timeout_ms validate_only
//   topics => name num_partitions replication_factor [assignments] [configs]
//     name => STRING
//     num_partitions => INT32
//     replication_factor => INT16
//     assignments => partition_index [broker_ids]
//       partition_index => INT32
//       broker_ids => INT32
//     configs => name value
//       name => STRING
//       value => NULLABLE_STRING
//   timeout_ms => INT32
//   validate_only => BOOLEAN
// CreateTopics Response (Version: 2) => throttle_time_ms [topics]
//   throttle_time_ms => INT32
//   topics => name error_code error_message
//     name => STRING
//     error_code => INT16
//     error_message => NULLABLE_STRING
//
// Versions: v1 + validate_only and a per-topic error_message; v2 + throttle_time_ms.
// kafkajs sends num_partitions -1 and replication_factor -1 at every version: treat them as broker defaults.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, nullableString, string, struct, versions} from '../schema.js'

export const CreateTopics = defineApi({
  key: 19,
  name: 'CreateTopics',
  maxVersion: 2,
  flexibleFrom: 5,
  request: struct({
    topics: array(
      struct({
        name: string,
        numPartitions: int32,
        replicationFactor: int16,
        assignments: array(struct({partitionIndex: int32, brokerIds: array(int32)})),
        configs: array(struct({name: string, value: nullableString})),
      }),
    ),
    timeoutMs: int32,
    validateOnly: versions('1+', boolean),
  }),
  response: struct({
    throttleTimeMs: versions('2+', int32),
    topics: array(
      struct({
        name: string,
        errorCode: int16,
        errorMessage: versions('1+', nullableString),
      }),
    ),
  }),
})

export type CreateTopicsRequest = RequestOf<typeof CreateTopics>
export type CreateTopicsResponse = ResponseOf<typeof CreateTopics>
