// SASL PLAIN (RFC 4616) over Kafka's SaslHandshake + SaslAuthenticate (KIP-152): the client side only,
// so the codecs live here rather than in protocol/kafka (samsa's listener has no authentication).
//
// SaslHandshake Request (Version: 1) => mechanism
//   mechanism => STRING
// SaslHandshake Response (Version: 1) => error_code [mechanisms]
//   error_code => INT16
//   mechanisms => STRING
// SaslAuthenticate Request (Version: 0) => auth_bytes
//   auth_bytes => BYTES
// SaslAuthenticate Response (Version: 0) => error_code error_message auth_bytes
//   error_code => INT16
//   error_message => NULLABLE_STRING
//   auth_bytes => BYTES
//
// Order on a new connection: ApiVersions, SaslHandshake v1 (v1: the token then goes in SaslAuthenticate
// frames, not raw), SaslAuthenticate with "\0user\0password". Error 33 UNSUPPORTED_SASL_MECHANISM lists
// what the broker offers; 58 SASL_AUTHENTICATION_FAILED is a wrong user or password. Both fail the
// connection (exit 3: the cluster cannot be used), never retried.
import {SamsaError} from '../../errors.js'
import {defineApi, type KafkaApi, type RequestOf, type ResponseOf} from '../../protocol/kafka/api.js'
import {array, bytes, int16, nullableString, string, struct} from '../../protocol/kafka/schema.js'

// What authenticate needs of a connection being opened (connection.ts), without a cycle of imports.
interface Authenticating {
  readonly address: {host: string; port: number}
  speaks(api: KafkaApi): boolean
  request<A extends KafkaApi>(api: A, body: RequestOf<A>, options: {version: number}): Promise<ResponseOf<A>>
}

export interface SaslOptions {
  mechanism: 'PLAIN'
  username: string
  password: string
}

export const SaslHandshake = defineApi({
  key: 17,
  name: 'SaslHandshake',
  maxVersion: 1,
  flexibleFrom: 99,
  request: struct({mechanism: string}),
  response: struct({errorCode: int16, mechanisms: array(string)}),
})

export const SaslAuthenticate = defineApi({
  key: 36,
  name: 'SaslAuthenticate',
  maxVersion: 0,
  flexibleFrom: 2,
  request: struct({authBytes: bytes}),
  response: struct({errorCode: int16, errorMessage: nullableString, authBytes: bytes}),
})

export async function authenticate(c: Authenticating, sasl: SaslOptions): Promise<void> {
  const where = `Kafka broker ${c.address.host}:${c.address.port}`
  if (!c.speaks(SaslHandshake) || !c.speaks(SaslAuthenticate)) {
    throw new SamsaError('DAEMON_UNAVAILABLE', `${where} does not offer SASL authentication (SaslHandshake, SaslAuthenticate)`, {retriable: false})
  }
  const hs = await c.request(SaslHandshake, {mechanism: sasl.mechanism}, {version: 1})
  if (hs.errorCode !== 0) {
    throw new SamsaError('DAEMON_UNAVAILABLE', `${where} does not offer SASL ${sasl.mechanism} (it offers: ${hs.mechanisms.join(', ') || 'none'})`, {retriable: false})
  }
  const token = Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8')
  const auth = await c.request(SaslAuthenticate, {authBytes: token}, {version: 0})
  if (auth.errorCode !== 0) {
    const why = auth.errorMessage ?? `error ${auth.errorCode}`
    throw new SamsaError('DAEMON_UNAVAILABLE', `SASL ${sasl.mechanism} authentication as ${sasl.username} failed at ${where}: ${why}`, {retriable: false})
  }
}
