// SASL over Kafka's SaslHandshake + SaslAuthenticate (KIP-152), the client side: PLAIN (RFC 4616) and
// SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677; the math and messages are protocol/sasl/scram.ts).
//
// Order on a new connection: ApiVersions, SaslHandshake v1 (v1: the tokens then go in SaslAuthenticate
// frames, not raw), then SaslAuthenticate v0 rounds — one for PLAIN ("\0user\0password"), two for SCRAM
// (client-first → server-first, client-final → server-final). The SCRAM server's signature is checked: a
// broker that answers without knowing the password (an impostor) is refused like a wrong password.
// Error 33 UNSUPPORTED_SASL_MECHANISM lists what the broker offers; 58 SASL_AUTHENTICATION_FAILED is a
// wrong user or password. Every failure fails the connection (exit 3: the cluster cannot be used), never
// retried.
import {timingSafeEqual} from 'node:crypto'
import {SamsaError} from '../../errors.js'
import type {KafkaApi, RequestOf, ResponseOf} from '../../protocol/kafka/api.js'
import {SaslAuthenticate} from '../../protocol/kafka/apis/sasl-authenticate.js'
import {SaslHandshake} from '../../protocol/kafka/apis/sasl-handshake.js'
import {
  authMessage,
  clientFinal,
  clientFinalWithoutProof,
  clientFirst,
  clientFirstBare,
  clientProof,
  credentialOf,
  newNonce,
  parseServerFinal,
  parseServerFirst,
  saltedPassword,
  SCRAM_MECHANISMS,
  ScramError,
  serverSignature,
  type ScramMechanism,
} from '../../protocol/sasl/scram.js'

export type SaslMechanism = 'PLAIN' | ScramMechanism
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']

// What authenticate needs of a connection being opened (connection.ts), without a cycle of imports.
interface Authenticating {
  readonly address: {host: string; port: number}
  speaks(api: KafkaApi): boolean
  request<A extends KafkaApi>(api: A, body: RequestOf<A>, options: {version: number}): Promise<ResponseOf<A>>
}

export interface SaslOptions {
  mechanism: SaslMechanism
  username: string
  password: string
}

export async function authenticate(c: Authenticating, sasl: SaslOptions): Promise<void> {
  const where = `Kafka broker ${c.address.host}:${c.address.port}`
  const refused = (why: string): SamsaError =>
    new SamsaError('DAEMON_UNAVAILABLE', `SASL ${sasl.mechanism} authentication as ${sasl.username} failed at ${where}: ${why}`, {retriable: false})
  if (!c.speaks(SaslHandshake) || !c.speaks(SaslAuthenticate)) {
    throw new SamsaError('DAEMON_UNAVAILABLE', `${where} does not offer SASL authentication (SaslHandshake, SaslAuthenticate)`, {retriable: false})
  }
  const hs = await c.request(SaslHandshake, {mechanism: sasl.mechanism}, {version: 1})
  if (hs.errorCode !== 0) {
    throw new SamsaError('DAEMON_UNAVAILABLE', `${where} does not offer SASL ${sasl.mechanism} (it offers: ${hs.mechanisms.join(', ') || 'none'})`, {retriable: false})
  }
  const round = async (token: string): Promise<string> => {
    const auth = await c.request(SaslAuthenticate, {authBytes: Buffer.from(token, 'utf8')}, {version: 0})
    if (auth.errorCode !== 0) throw refused(auth.errorMessage ?? `error ${auth.errorCode}`)
    return auth.authBytes.toString('utf8')
  }
  if (sasl.mechanism === 'PLAIN') {
    await round(`\0${sasl.username}\0${sasl.password}`)
    return
  }
  try {
    await scram(SCRAM_MECHANISMS[sasl.mechanism], sasl, round)
  } catch (err) {
    if (err instanceof ScramError) throw refused(err.message)
    throw err
  }
}

async function scram(hash: (typeof SCRAM_MECHANISMS)[ScramMechanism], sasl: SaslOptions, round: (token: string) => Promise<string>): Promise<void> {
  const nonce = newNonce()
  const first = await round(clientFirst(sasl.username, nonce))
  const server = parseServerFirst(first, nonce)
  const salted = await saltedPassword(hash, sasl.password, server.salt, server.iterations)
  const withoutProof = clientFinalWithoutProof(server.nonce)
  const message = authMessage(clientFirstBare(sasl.username, nonce), first, withoutProof)
  const signature = parseServerFinal(await round(clientFinal(withoutProof, clientProof(hash, salted, message))))
  const expected = serverSignature(hash, credentialOf(hash, salted, server.salt, server.iterations).serverKey, message)
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new ScramError('the broker proved no knowledge of the password (its SCRAM server signature is wrong)')
  }
}
