// SaslHandshake Request (Version: 1) => mechanism
//   mechanism => STRING
// SaslHandshake Response (Version: 1) => error_code [mechanisms]
//   error_code => INT16
//   mechanisms => STRING
//
// KIP-43, KIP-152. v0 and v1 have the same fields; what differs is what follows: after a v0 handshake the
// SASL tokens travel as bare size-prefixed frames (no Kafka header), after v1 inside SaslAuthenticate
// requests. The response lists the mechanisms the broker has enabled, whatever the error.
// Errors: 33 UNSUPPORTED_SASL_MECHANISM (the broker then closes), 34 ILLEGAL_SASL_STATE (a handshake where
// none is expected: on a listener without SASL, or after authentication).

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, string, struct} from '../schema.js'

export const SaslHandshake = defineApi({
  key: 17,
  name: 'SaslHandshake',
  maxVersion: 1,
  flexibleFrom: 99, // never flexible
  request: struct({mechanism: string}),
  response: struct({errorCode: int16, mechanisms: array(string)}),
})

export type SaslHandshakeRequest = RequestOf<typeof SaslHandshake>
export type SaslHandshakeResponse = ResponseOf<typeof SaslHandshake>
