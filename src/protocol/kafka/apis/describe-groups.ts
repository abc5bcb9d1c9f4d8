// DescribeGroups Request (Version: 1) => [groups]
//   groups => STRING
// DescribeGroups Response (Version: 1) => throttle_time_ms [groups]
//   throttle_time_ms => INT32
//   groups => error_code group_id group_state protocol_type protocol_data [members]
//     error_code => INT16
//     group_id => STRING
//     group_state => STRING
//     protocol_type => STRING
//     protocol_data => STRING
//     members => member_id client_id client_host member_metadata member_assignment
//       member_id => STRING
//       client_id => STRING
//       client_host => STRING
//       member_metadata => BYTES
//       member_assignment => BYTES
//
// Versions: v1 + throttle_time_ms. group_state is Empty, PreparingRebalance, CompletingRebalance,
// Stable or Dead (an unknown group: error 0, Dead, empty strings); protocol_data is the chosen assignor;
// client_host looks like "/127.0.0.1".

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, bytes, int16, int32, string, struct, versions} from '../schema.js'

export const DescribeGroups = defineApi({
  key: 15,
  name: 'DescribeGroups',
  maxVersion: 1,
  flexibleFrom: 5,
  request: struct({
    groups: array(string),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    groups: array(
      struct({
        errorCode: int16,
        groupId: string,
        groupState: string,
        protocolType: string,
        protocolData: string,
        members: array(
          struct({
            memberId: string,
            clientId: string,
            clientHost: string,
            memberMetadata: bytes,
            memberAssignment: bytes,
          }),
        ),
      }),
    ),
  }),
})

export type DescribeGroupsRequest = RequestOf<typeof DescribeGroups>
export type DescribeGroupsResponse = ResponseOf<typeof DescribeGroups>
