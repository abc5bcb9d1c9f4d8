import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, int8, nullableString, string, struct, versions} from '../schema.js'

export const FindCoordinator = defineApi({
  key: 10,
  name: 'FindCoordinator',
  maxVersion: 1,
  flexibleFrom: 3,
  request: struct({
    key: string,
    keyType: versions('1+', int8),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    errorCode: int16,
    errorMessage: versions('1+', nullableString),
    nodeId: int32,
    host: string,
    port: int32,
  }),
})

export type FindCoordinatorRequest = RequestOf<typeof FindCoordinator>
export type FindCoordinatorResponse = ResponseOf<typeof FindCoordinator>
