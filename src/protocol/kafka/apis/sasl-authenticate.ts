// SaslAuthenticate Request (Version: 2) => auth_bytes TAG_BUFFER
//   auth_bytes => COMPACT_BYTES
// SaslAuthenticate Response (Version: 2) => error_code error_message auth_bytes session_lifetime_ms TAG_BUFFER
//   error_code => INT16
//   error_message => COMPACT_NULLABLE_STRING
//   auth_bytes => COMPACT_BYTES
//   session_lifetime_ms => INT64
//
// KIP-152: one SASL token each way per round trip, after a SaslHandshake v1. v1 adds session_lifetime_ms
// (KIP-368 re-authentication; 0 = the session does not expire); v2 is flexible.
// Errors: 58 SASL_AUTHENTICATION_FAILED, with a message, after which the broker closes the connection.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {bytes, int16, int64, nullableString, struct, versions} from '../schema.js'

export const SaslAuthenticate = defineApi({
  key: 36,
  name: 'SaslAuthenticate',
  maxVersion: 2,
  flexibleFrom: 2,
  request: struct({authBytes: bytes}),
  response: struct({
    errorCode: int16,
    errorMessage: nullableString,
    authBytes: bytes,
    sessionLifetimeMs: versions('1+', int64),
  }),
})

export type SaslAuthenticateRequest = RequestOf<typeof SaslAuthenticate>
export type SaslAuthenticateResponse = ResponseOf<typeof SaslAuthenticate>
