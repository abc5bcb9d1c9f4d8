// JoinGroup Request (Version: 2) => group_id session_timeout_ms rebalance_timeout_ms member_id protocol_type [protocols]
//   group_id => STRING
//   session_timeout_ms => INT32
//   rebalance_timeout_ms => INT32
//   member_id => STRING
//   protocol_type => STRING
//   protocols => name metadata
//     name => STRING
//     metadata => BYTES
// JoinGroup Response (Version: 2) => throttle_time_ms error_code generation_id protocol_name leader member_id [members]
//   throttle_time_ms => INT32
//   error_code => INT16
//   generation_id => INT32
//   protocol_name => STRING
//   leader => STRING
//   member_id => STRING
//   members => member_id metadata
//     member_id => STRING
//     metadata => BYTES
//
// Versions: v1 + rebalance_timeout_ms (v0: use the session timeout — never -1); v2 + throttle_time_ms.
// members is filled for the leader only (including itself), with each member's metadata for the chosen
// protocol. protocol_name must be non-null ("" in error replies). No MEMBER_ID_REQUIRED below v4.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, bytes, int16, int32, string, struct, versions} from '../schema.js'

export const JoinGroup = defineApi({
  key: 11,
  name: 'JoinGroup',
  maxVersion: 2,
  flexibleFrom: 6,
  request: struct({
    groupId: string,
    sessionTimeoutMs: int32,
    rebalanceTimeoutMs: versions('1+', int32, -1),
    memberId: string,
    protocolType: string,
    protocols: array(struct({name: string, metadata: bytes})),
  }),
  response: struct({
    throttleTimeMs: versions('2+', int32),
    errorCode: int16,
    generationId: int32,
    protocolName: string,
    leader: string,
    memberId: string,
    members: array(struct({memberId: string, metadata: bytes})),
  }),
})

export type JoinGroupRequest = RequestOf<typeof JoinGroup>
export type JoinGroupResponse = ResponseOf<typeof JoinGroup>
