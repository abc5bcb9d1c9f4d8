import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, string, struct, versions} from '../schema.js'

export const Heartbeat = defineApi({
  key: 12,
  name: 'Heartbeat',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    groupId: string,
    generationId: int32,
    memberId: string,
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
  }),
})

export type HeartbeatRequest = RequestOf<typeof Heartbeat>
export type HeartbeatResponse = ResponseOf<typeof Heartbeat>
