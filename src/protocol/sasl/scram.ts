// SCRAM (RFC 5802; SHA-256 by RFC 7677, SHA-512 as Kafka names it): the key derivation and the four
// messages, shared by the Kafka backend's client (client/kafka/sasl.ts) and samsa's Kafka listener
// (engine/kafka/sasl.ts). Pure apart from node:crypto.
//
//   SaltedPassword  = Hi(password, salt, i)            Hi is PBKDF2 with HMAC-H
//   ClientKey       = HMAC(SaltedPassword, "Client Key")
//   StoredKey       = H(ClientKey)
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
//   ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
//   ServerSignature = HMAC(ServerKey, AuthMessage)
//
//   client-first  n,,n=<saslname>,r=<client nonce>        ("n,," : no channel binding, no authzid)
//   server-first  r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=<base64 of the gs2 header, "biws">,r=<nonce>,p=<base64 proof>
//   server-final  v=<base64 server signature>  |  e=<error>
//
// A server keeps only (salt, StoredKey, ServerKey, iterations) — Kafka's stored SCRAM credential, whose
// text form is "salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>" — and checks a proof by
// recovering ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage) and comparing H(ClientKey) with
// StoredKey. Kafka refuses fewer than 4096 iterations on both sides; so does samsa.
import {createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual} from 'node:crypto'

export type ScramHash = 'sha1' | 'sha256' | 'sha512'
export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export const SCRAM_MECHANISMS: Readonly<Record<ScramMechanism, ScramHash>> = {'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512'}
export const MIN_ITERATIONS = 4096
const GS2_HEADER = 'n,,' // no channel binding, no authorization identity

// A malformed or unexpected SCRAM message; the message says what was wrong, never a secret.
export class ScramError extends Error {}

export interface ScramCredential {
  salt: Buffer
  storedKey: Buffer
  serverKey: Buffer
  iterations: number
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return Object.hasOwn(SCRAM_MECHANISMS, name)
}

const hashLength = (hash: ScramHash): number => createHash(hash).digest().length
const hmac = (hash: ScramHash, key: Buffer, text: string | Buffer): Buffer => createHmac(hash, key).update(text).digest()
const h = (hash: ScramHash, data: Buffer): Buffer => createHash(hash).update(data).digest()

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/**
 * Hi(password, salt, i): PBKDF2-HMAC-H, off the event loop (it is the deliberately slow part). The password's
 * UTF-8 bytes as they are, without SASLprep — what Kafka's ScramFormatter does, so credentials agree.
 */
export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, hashLength(hash), hash, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

export function credentialOf(hash: ScramHash, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(hash, salted, 'Client Key')
  return {salt, storedKey: h(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key'), iterations}
}

/** The credential a server stores for this password: a fresh random salt, `iterations` rounds. */
export async function newCredential(hash: ScramHash, password: string, iterations = MIN_ITERATIONS): Promise<ScramCredential> {
  const salt = randomBytes(32)
  return credentialOf(hash, await saltedPassword(hash, password, salt, iterations), salt, iterations)
}

/** Kafka's text form of a stored credential (ScramCredentialUtils). */
export function formatCredential(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`
}

export function parseCredential(hash: ScramHash, text: string): ScramCredential {
  const a = attributes(text, ['salt', 'stored_key', 'server_key', 'iterations'])
  const iterations = Number(a.get('iterations'))
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw new ScramError(`iterations must be an integer of at least ${MIN_ITERATIONS}, got ${a.get('iterations')}`)
  const salt = base64(a.get('salt')!, 'salt')
  const storedKey = base64(a.get('stored_key')!, 'stored_key')
  const serverKey = base64(a.get('server_key')!, 'server_key')
  const n = hashLength(hash)
  if (storedKey.length !== n || serverKey.length !== n) throw new ScramError(`stored_key and server_key must be ${n}-byte keys for ${hash}`)
  return {salt, storedKey, serverKey, iterations}
}

export function clientProof(hash: ScramHash, salted: Buffer, authMessage: string): Buffer {
  const clientKey = hmac(hash, salted, 'Client Key')
  return xor(clientKey, hmac(hash, h(hash, clientKey), authMessage))
}

/** True when the proof shows knowledge of the password behind `c` (constant time in the comparison). */
export function verifyClientProof(hash: ScramHash, c: ScramCredential, authMessage: string, proof: Buffer): boolean {
  if (proof.length !== c.storedKey.length) return false
  const clientKey = xor(proof, hmac(hash, c.storedKey, authMessage))
  return timingSafeEqual(h(hash, clientKey), c.storedKey)
}

export function serverSignature(hash: ScramHash, serverKey: Buffer, authMessage: string): Buffer {
  return hmac(hash, serverKey, authMessage)
}

/** A nonce: printable, no ',' (base64 of 24 random bytes). */
export function newNonce(): string {
  return randomBytes(24).toString('base64')
}

// ── messages ─────────────────────────────────────────────────────────────────────────────────────────

// saslname: ',' and '=' are escaped as =2C and =3D (RFC 5802 §5.1).
const escapeName = (name: string): string => name.replace(/=/g, '=3D').replace(/,/g, '=2C')

function unescapeName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramError('the user name has a bad escape (only =2C and =3D are allowed)')
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

// "k=v,k=v" → a map, requiring `wanted` in that order first (extensions after them are allowed).
function attributes(text: string, wanted: string[]): Map<string, string> {
  const parts = text.split(',')
  const out = new Map<string, string>()
  wanted.forEach((key, i) => {
    const part = parts[i]
    if (part === undefined || !part.startsWith(`${key}=`)) throw new ScramError(`expected ${key}= as attribute ${i + 1} in ${JSON.stringify(redact(text))}`)
    out.set(key, part.slice(key.length + 1))
  })
  return out
}

// Messages are quoted in errors without their proof or signature.
const redact = (text: string): string => text.replace(/(^|,)(p|v)=[^,]*/g, '$1$2=…')

function base64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ScramError(`${what} is not base64`)
  return Buffer.from(text, 'base64')
}

export function clientFirstBare(username: string, nonce: string): string {
  return `n=${escapeName(username)},r=${nonce}`
}

export function clientFirst(username: string, nonce: string): string {
  return GS2_HEADER + clientFirstBare(username, nonce)
}

export interface ClientFirst {
  gs2Header: string // "n,," or "y,,": the client-final's channel binding must be its base64
  username: string
  nonce: string
  bare: string
}

export function parseClientFirst(text: string): ClientFirst {
  if (text.startsWith('p=')) throw new ScramError('channel binding is not supported')
  if (!text.startsWith('n,') && !text.startsWith('y,')) throw new ScramError('the client-first message must start with a gs2 header "n,," or "y,,"')
  const rest = text.slice(2)
  const comma = rest.indexOf(',')
  if (comma < 0) throw new ScramError('the client-first message has no gs2 header end')
  if (rest.slice(0, comma) !== '') throw new ScramError('an authorization identity (a=) is not supported')
  const gs2Header = text.slice(0, 2 + comma + 1)
  const bare = rest.slice(comma + 1)
  if (bare.startsWith('m=')) throw new ScramError('mandatory extensions (m=) are not supported')
  const a = attributes(bare, ['n', 'r'])
  const nonce = a.get('r')!
  if (nonce === '' || !/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) throw new ScramError('the client nonce must be printable characters other than ","')
  return {gs2Header, username: unescapeName(a.get('n')!), nonce, bare}
}

export function serverFirst(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`
}

export function parseServerFirst(text: string, clientNonce: string): {nonce: string; salt: Buffer; iterations: number} {
  if (text.startsWith('e=')) throw new ScramError(`the server refused: ${text.slice(2)}`)
  const a = attributes(text, ['r', 's', 'i'])
  const nonce = a.get('r')!
  if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) throw new ScramError('the server nonce does not extend the client nonce')
  const iterations = Number(a.get('i'))
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw new ScramError(`the server asks for ${a.get('i')} iterations, fewer than the minimum ${MIN_ITERATIONS}`)
  return {nonce, salt: base64(a.get('s')!, 'the salt'), iterations}
}

export function clientFinalWithoutProof(nonce: string): string {
  return `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`
}

export function clientFinal(withoutProof: string, proof: Buffer): string {
  return `${withoutProof},p=${proof.toString('base64')}`
}

export function parseClientFinal(text: string): {channelBinding: string; nonce: string; proof: Buffer; withoutProof: string} {
  const at = text.lastIndexOf(',p=')
  if (at < 0) throw new ScramError('the client-final message has no proof')
  const withoutProof = text.slice(0, at)
  const a = attributes(withoutProof, ['c', 'r'])
  return {channelBinding: a.get('c')!, nonce: a.get('r')!, proof: base64(text.slice(at + 3), 'the proof'), withoutProof}
}

export function authMessage(clientFirstBareText: string, serverFirstText: string, clientFinalWithoutProofText: string): string {
  return `${clientFirstBareText},${serverFirstText},${clientFinalWithoutProofText}`
}

export function parseServerFinal(text: string): Buffer {
  if (text.startsWith('e=')) throw new ScramError(`the server refused: ${text.slice(2)}`)
  const a = attributes(text, ['v'])
  return base64(a.get('v')!, 'the server signature')
}
