// FindCoordinator Request (Version: 1) => key key_type
//   key => STRING
//   key_type => INT8
// FindCoordinator Response (Version: 1) => throttle_time_ms error_code error_message node_id host port
//   throttle_time_ms => INT32
//   error_code => INT16
//   error_message => NULLABLE_STRING
//   node_id => INT32
//   host => STRING
//   port => INT32
//
// Versions: v1 + key_type (0 group, 1 transaction), throttle_time_ms and error_message.
// Single node: always ourselves (node_id as listed in Metadata), error 0.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, int8, nullableString, string, struct, versions} from '../schema.js'

export const FindCoordinator = defineApi({
  key: 10,
  name: 'FindCoordinator',
  maxVersion: 1,
  flexibleFrom: 3,
  request: struct({
    key: string,
    keyType: versions('1+', int8),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
    errorMessage: versions('1+', nullableString),
    nodeId: int32,
    host: string,
    port: int32,
  }),
})

export type FindCoordinatorRequest = RequestOf<typeof FindCoordinator>
export type FindCoordinatorResponse = ResponseOf<typeof FindCoordinator>
