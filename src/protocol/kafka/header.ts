// Request and response headers, which sit between a frame's size prefix and its body.
//
// Request Header (Version: 0) => request_api_key request_api_version correlation_id
// Request Header (Version: 1) => request_api_key request_api_version correlation_id client_id
// Request Header (Version: 2) => request_api_key request_api_version correlation_id client_id TAG_BUFFER
//   request_api_key => INT16
//   request_api_version => INT16
//   correlation_id => INT32
//   client_id => NULLABLE_STRING      (int16 length even in v2, so any broker can read any ApiVersions header)
// Response Header (Version: 0) => correlation_id
// Response Header (Version: 1) => correlation_id TAG_BUFFER
//
// Which header a message uses (KIP-482, KIP-511):
//   - request header v2 exactly when the API version is flexible, else v1 (v0 is ControlledShutdown v0 only);
//   - response header v1 when the API version is flexible — EXCEPT ApiVersions, whose response always uses
//     v0: a client must parse it before it knows what the broker supports. A tag byte after an ApiVersions
//     v3 response's correlation id corrupts librdkafka's parse.
// The correlation id is echoed as is; kafkajs starts at 0 and wraps, so never assume it is positive.

import {int16, int32, nullableString, struct, versions, type Codec, type Type, type ValueOf} from './schema.js'

// client_id keeps its classic int16 length in the flexible header v2
const classicNullableString: Type<string | null> = {
  kind: 'nullableString',
  default: null,
  codec: (version) => nullableString.codec(version, false),
}

const RequestHeaderSchema = struct({
  apiKey: int16,
  apiVersion: int16,
  correlationId: int32,
  clientId: versions('1+', classicNullableString),
})

const ResponseHeaderSchema = struct({
  correlationId: int32,
})

export type RequestHeader = ValueOf<typeof RequestHeaderSchema>
export type ResponseHeader = ValueOf<typeof ResponseHeaderSchema>

export const API_VERSIONS_KEY = 18

/** 2 for flexible API versions, else 1. */
export function requestHeaderVersion(flexible: boolean): 1 | 2 {
  return flexible ? 2 : 1
}

/** 1 for flexible API versions, except ApiVersions (always 0). */
export function responseHeaderVersion(apiKey: number, flexible: boolean): 0 | 1 {
  return flexible && apiKey !== API_VERSIONS_KEY ? 1 : 0
}

export function requestHeaderCodec(headerVersion: number): Codec<RequestHeader> {
  return RequestHeaderSchema.codec(headerVersion, headerVersion >= 2)
}

export function responseHeaderCodec(headerVersion: number): Codec<ResponseHeader> {
  return ResponseHeaderSchema.codec(headerVersion, headerVersion >= 1)
}

export {RequestHeaderSchema, ResponseHeaderSchema}
