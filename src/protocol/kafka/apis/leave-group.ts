// LeaveGroup Request (Version: 1) => group_id member_id
//   group_id => STRING
//   member_id => STRING
// LeaveGroup Response (Version: 1) => throttle_time_ms error_code
//   throttle_time_ms => INT32
//   error_code => INT16
//
// Versions: v1 + throttle_time_ms. (v3 replaces member_id with a members array: librdkafka caps at v1.)

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, string, struct, versions} from '../schema.js'

export const LeaveGroup = defineApi({
  key: 13,
  name: 'LeaveGroup',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    groupId: string,
    memberId: string,
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
  }),
})

export type LeaveGroupRequest = RequestOf<typeof LeaveGroup>
export type LeaveGroupResponse = ResponseOf<typeof LeaveGroup>
