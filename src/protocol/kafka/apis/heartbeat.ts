// Heartbeat Request (Version: 1) => group_id generation_id member_id
//   group_id => STRING
//   generation_id => INT32
//   member_id => STRING
// Heartbeat Response (Version: 1) => throttle_time_ms error_code
//   throttle_time_ms => INT32
//   error_code => INT16
//
// Versions: v1 + throttle_time_ms. REBALANCE_IN_PROGRESS during PreparingRebalance only; 0 while
// CompletingRebalance (KAFKA-10134).

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, string, struct, versions} from '../schema.js'

export const Heartbeat = defineApi({
  key: 12,
  name: 'Heartbeat',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    groupId: string,
    generationId: int32,
    memberId: string,
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
  }),
})

export type HeartbeatRequest = RequestOf<typeof Heartbeat>
export type HeartbeatResponse = ResponseOf<typeof Heartbeat>
