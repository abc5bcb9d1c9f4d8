// SASL on samsa's Kafka listener (KIP-43, KIP-152), as Kafka's SaslServerAuthenticator does it: when the
// daemon has users (sasl-users.ts), every connection must authenticate before anything but ApiVersions.
// Main thread. A connection's state is sasl-session.ts, the mechanisms sasl-mechanisms.ts.
//
// A connection's SaslSession goes
//   handshake ── SaslHandshake v1 ──► authenticate ── SaslAuthenticate… ──► done
//             └─ SaslHandshake v0 ──► raw (tokens as bare size-prefixed frames: connection.ts) ──► done
// and while not done the connection (connection.ts) lets through only what that state expects —
// ApiVersions or SaslHandshake, then SaslAuthenticate (or raw tokens) — and closes on anything else, as
// Kafka does ("Unexpected Kafka request of type … during SASL handshake"). Failures are answered, then
// the connection closes (CloseAfterReply): an unknown mechanism UNSUPPORTED_SASL_MECHANISM (33) with the
// enabled list, a second handshake ILLEGAL_SASL_STATE (34), bad credentials SASL_AUTHENTICATION_FAILED
// (58) with Kafka's message. In raw mode a failure can only close.
// After authentication, and on a listener without users, SaslHandshake and SaslAuthenticate are answered
// ILLEGAL_SASL_STATE and the connection stays open, as Kafka's request handler answers them.
// Sessions never expire (session_lifetime_ms 0: no KIP-368 re-authentication).
import {KafkaErrorCode} from '../../protocol/kafka/index.js'
import {CloseAfterReply, type KafkaHandlers} from './handler.js'
import {SaslFailure} from './sasl-mechanisms.js'
import {SASL_MECHANISMS_ENABLED} from './sasl-users.js'

const NO_BYTES = Buffer.alloc(0)

export const SASL_HANDLERS: KafkaHandlers = {
  SaslHandshake: {
    operation: null,
    early: true,
    alone: true,
    async handle(_s, body, header, ctx) {
      const mechanisms = ctx.sasl ? [...SASL_MECHANISMS_ENABLED] : []
      if (!ctx.sasl || ctx.sasl.authenticated) return {errorCode: KafkaErrorCode.ILLEGAL_SASL_STATE, mechanisms}
      const errorCode = ctx.sasl.begin(body.mechanism, header.apiVersion >= 1)
      if (errorCode === KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM) throw new CloseAfterReply({errorCode, mechanisms}, `unsupported SASL mechanism ${JSON.stringify(body.mechanism)}`)
      if (errorCode !== KafkaErrorCode.NONE) throw new CloseAfterReply({errorCode, mechanisms}, 'a second SaslHandshake during SASL authentication')
      return {errorCode, mechanisms}
    },
  },

  SaslAuthenticate: {
    operation: null,
    early: true,
    alone: true,
    async handle(_s, body, _header, ctx) {
      if (!ctx.sasl || ctx.sasl.authenticated) {
        const errorMessage = ctx.sasl ? 'SaslAuthenticate request received after successful authentication' : 'this listener does not use SASL'
        return {errorCode: KafkaErrorCode.ILLEGAL_SASL_STATE, errorMessage, authBytes: NO_BYTES, sessionLifetimeMs: 0}
      }
      try {
        const authBytes = await ctx.sasl.step(body.authBytes)
        return {errorCode: KafkaErrorCode.NONE, errorMessage: null, authBytes, sessionLifetimeMs: 0}
      } catch (err) {
        if (!(err instanceof SaslFailure)) throw err
        const reply = {errorCode: KafkaErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: err.message, authBytes: NO_BYTES, sessionLifetimeMs: 0}
        throw new CloseAfterReply(reply, `SASL authentication failed: ${err.detail}`)
      }
    },
  },
}
