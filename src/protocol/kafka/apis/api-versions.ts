import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, string, struct, versions} from '../schema.js'

export const ApiVersions = defineApi({
  key: 18,
  name: 'ApiVersions',
  maxVersion: 3,
  flexibleFrom: 3,
  request: struct({
    clientSoftwareName: versions('3+', string),
    clientSoftwareVersion: versions('3+', string),
  }),
  response: struct({
    errorCode: int16,
    apiKeys: array(struct({apiKey: int16, minVersion: int16, maxVersion: int16})),
    throttleTimeMs: versions('1+', int32),
  }),
})

export type ApiVersionsRequest = RequestOf<typeof ApiVersions>
export type ApiVersionsResponse = ResponseOf<typeof ApiVersions>
