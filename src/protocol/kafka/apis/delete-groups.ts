// DeleteGroups Request (Version: 1) => [groups_names]
//   groups_names => STRING
// DeleteGroups Response (Version: 1) => throttle_time_ms [results]
//   throttle_time_ms => INT32
//   results => group_id error_code
//     group_id => STRING
//     error_code => INT16
//
// Versions: v1 is v0 (the response's throttle semantics changed, KIP-219); v2 is flexible. A group with
// members gets NON_EMPTY_GROUP (68), an unknown one GROUP_ID_NOT_FOUND (69).

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, string, struct} from '../schema.js'

export const DeleteGroups = defineApi({
  key: 42,
  name: 'DeleteGroups',
  maxVersion: 1,
  flexibleFrom: 2,
  request: struct({
    groupsNames: array(string),
  }),
  response: struct({
    throttleTimeMs: int32,
    results: array(struct({groupId: string, errorCode: int16})),
  }),
})

export type DeleteGroupsRequest = RequestOf<typeof DeleteGroups>
export type DeleteGroupsResponse = ResponseOf<typeof DeleteGroups>
