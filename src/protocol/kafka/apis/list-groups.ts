// ListGroups Request (Version: 1) =>
// ListGroups Response (Version: 1) => throttle_time_ms error_code [groups]
//   throttle_time_ms => INT32
//   error_code => INT16
//   groups => group_id protocol_type
//     group_id => STRING
//     protocol_type => STRING
//
// Versions: v1 + throttle_time_ms. The request body is empty. Offset-only groups have protocol_type "".

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, string, struct, versions} from '../schema.js'

export const ListGroups = defineApi({
  key: 16,
  name: 'ListGroups',
  maxVersion: 1,
  flexibleFrom: 3,
  request: struct({}),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
    groups: array(struct({groupId: string, protocolType: string})),
  }),
})

export type ListGroupsRequest = RequestOf<typeof ListGroups>
export type ListGroupsResponse = ResponseOf<typeof ListGroups>
