// CreatePartitions Request (Version: 1) => [topics] timeout_ms validate_only
//   topics => name count [assignments]
//     name => STRING
//     count => INT32
//     assignments => [broker_ids]
//       broker_ids => INT32
//   timeout_ms => INT32
//   validate_only => BOOLEAN
// CreatePartitions Response (Version: 1) => throttle_time_ms [results]
//   throttle_time_ms => INT32
//   results => name error_code error_message
//     name => STRING
//     error_code => INT16
//     error_message => NULLABLE_STRING
//
// `count` is the topic's new total, not how many to add; fewer than it has → INVALID_PARTITIONS (37).
// assignments is nullable (null: the broker places the new partitions). v1 is v0; v2 is flexible.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, nullableString, string, struct} from '../schema.js'

export const CreatePartitions = defineApi({
  key: 37,
  name: 'CreatePartitions',
  maxVersion: 1,
  flexibleFrom: 2,
  request: struct({
    topics: array(
      struct({
        name: string,
        count: int32,
        assignments: array(struct({brokerIds: array(int32)}), {nullable: '0+'}),
      }),
    ),
    timeoutMs: int32,
    validateOnly: boolean,
  }),
  response: struct({
    throttleTimeMs: int32,
    results: array(struct({name: string, errorCode: int16, errorMessage: nullableString})),
  }),
})

export type CreatePartitionsRequest = RequestOf<typeof CreatePartitions>
export type CreatePartitionsResponse = ResponseOf<typeof CreatePartitions>
