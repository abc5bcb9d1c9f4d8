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
