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
