// SyncGroup Request (Version: 1) => group_id generation_id member_id [assignments]
//   group_id => STRING
//   generation_id => INT32
//   member_id => STRING
//   assignments => member_id assignment
//     member_id => STRING
//     assignment => BYTES
// SyncGroup Response (Version: 1) => throttle_time_ms error_code assignment
//   throttle_time_ms => INT32
//   error_code => INT16
//   assignment => BYTES
//
// Versions: v1 + throttle_time_ms. assignments is non-empty only from the leader. Park followers until
// the leader's SyncGroup arrives; a member the leader left out gets empty assignment bytes, not an error.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, bytes, int16, int32, string, struct, versions} from '../schema.js'

export const SyncGroup = defineApi({
  key: 14,
  name: 'SyncGroup',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    groupId: string,
    generationId: int32,
    memberId: string,
    assignments: array(struct({memberId: string, assignment: bytes})),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
    assignment: bytes,
  }),
})

export type SyncGroupRequest = RequestOf<typeof SyncGroup>
export type SyncGroupResponse = ResponseOf<typeof SyncGroup>
