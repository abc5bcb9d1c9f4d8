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
