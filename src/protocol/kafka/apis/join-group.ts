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
