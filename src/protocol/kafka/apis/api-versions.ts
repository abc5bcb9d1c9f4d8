// ApiVersions Request (Version: 3) => client_software_name client_software_version TAG_BUFFER
//   client_software_name => COMPACT_STRING
//   client_software_version => COMPACT_STRING
// ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms TAG_BUFFER
//   error_code => INT16
//   api_keys => api_key min_version max_version TAG_BUFFER
//     api_key => INT16
//     min_version => INT16
//     max_version => INT16
//   throttle_time_ms => INT32
//
// Versions: v1 + throttle_time_ms; v2 = v1; v3 is FLEXIBLE (the only flexible version samsa speaks): the
// request header is v2 (client_id still int16-length, then tags), the request carries the client's
// software name and version (never validate them: INVALID_REQUEST makes librdkafka fall back to v0), and
// the body uses compact arrays with tags — but the RESPONSE header stays v0 (no tag byte, KIP-511).
// A version above ours gets UNSUPPORTED_VERSION in the v0 format (codec.ts); never close the connection.

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
