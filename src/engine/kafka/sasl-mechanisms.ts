// The server side of each SASL mechanism samsa's Kafka listener offers: a conversation that takes the
// client's tokens one at a time and answers each, until it completes or fails. Main thread; the one slow
// step (PBKDF2, for PLAIN) runs on libuv's thread pool.
//
// PLAIN (RFC 4616): one token "[authzid] NUL user NUL password". Checked against the user's stored SCRAM
// credential (sasl-users.ts). An authzid other than the user is refused, as Kafka does.
// SCRAM-SHA-256/512 (RFC 5802): client-first → server-first (our nonce appended to the client's, the
// user's salt and iterations), client-final → server-final (v=ServerSignature) once the proof checks out.
// An unknown user gets a made-up salt (the same one each time, from a per-process secret) and fails only
// at the proof, so the answers do not tell which user names exist.
// Failures carry the message the client sees (Kafka's wording, which names no secret and does not say
// whether the user exists) and, apart, the detail for the daemon's log.
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import {
  authMessage,
  credentialOf,
  MIN_ITERATIONS,
  newNonce,
  parseClientFinal,
  parseClientFirst,
  saltedPassword,
  SCRAM_MECHANISMS,
  ScramError,
  serverFirst,
  serverSignature,
  verifyClientProof,
  type ScramCredential,
  type ScramMechanism,
} from '../../protocol/sasl/scram.js'
import type {SaslUsers} from './sasl-users.js'

export class SaslFailure extends Error {
  constructor(
    message: string, // for the client (SaslAuthenticate's error_message)
    readonly detail: string, // for the log
  ) {
    super(message)
  }
}

export interface SaslConversation {
  // The answer to one client token, and whether the client is now authenticated; throws SaslFailure.
  step(token: Buffer): Promise<{reply: Buffer; done: boolean; user?: string}>
}

const SECRET = randomBytes(32) // for made-up salts; per process

function madeUpSalt(mechanism: string, user: string): Buffer {
  return createHmac('sha256', SECRET).update(`${mechanism}\0${user}`).digest()
}

export function conversation(mechanism: string, users: SaslUsers): SaslConversation {
  if (mechanism === 'PLAIN') return new PlainConversation(users)
  return new ScramConversation(mechanism as ScramMechanism, users)
}

class PlainConversation implements SaslConversation {
  constructor(private readonly users: SaslUsers) {}

  async step(token: Buffer): Promise<{reply: Buffer; done: boolean; user: string}> {
    const parts = token.toString('utf8').split('\0')
    if (parts.length !== 3) throw new SaslFailure(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`, 'a malformed PLAIN token')
    const [authzid, user, password] = parts as [string, string, string]
    if (user === '') throw new SaslFailure('Authentication failed: username not specified', 'PLAIN without a user name')
    if (password === '') throw new SaslFailure('Authentication failed: password not specified', `PLAIN without a password for ${user}`)
    if (authzid !== '' && authzid !== user) {
      throw new SaslFailure('Authentication failed: Client requested an authorization id that is different from username', `PLAIN as ${user} for ${authzid}`)
    }
    const known = this.users.plain(user)
    const hash = SCRAM_MECHANISMS[known?.mechanism ?? 'SCRAM-SHA-512']
    const salt = known?.credential.salt ?? madeUpSalt('PLAIN', user)
    const iterations = known?.credential.iterations ?? MIN_ITERATIONS
    // the same work for an unknown user as for a known one
    const given = credentialOf(hash, await saltedPassword(hash, password, salt, iterations), salt, iterations)
    if (!known || !timingSafeEqual(given.storedKey, known.credential.storedKey)) {
      throw new SaslFailure('Authentication failed: Invalid username or password', `PLAIN: ${known ? 'wrong password' : 'unknown user'} for ${user}`)
    }
    return {reply: Buffer.alloc(0), done: true, user}
  }
}

class ScramConversation implements SaslConversation {
  private readonly hash
  private first: {bare: string; gs2Header: string; user: string; clientNonce: string; nonce: string; serverFirst: string; credential: ScramCredential; known: boolean} | null = null

  constructor(
    private readonly mechanism: ScramMechanism,
    private readonly users: SaslUsers,
  ) {
    this.hash = SCRAM_MECHANISMS[mechanism]
  }

  private failure(detail: string): SaslFailure {
    return new SaslFailure(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`, `${this.mechanism}: ${detail}`)
  }

  async step(token: Buffer): Promise<{reply: Buffer; done: boolean; user?: string}> {
    const text = token.toString('utf8')
    try {
      return this.first === null ? this.clientFirst(text) : this.clientFinal(text, this.first)
    } catch (err) {
      if (err instanceof ScramError) throw this.failure(err.message)
      throw err
    }
  }

  private clientFirst(text: string): {reply: Buffer; done: boolean} {
    const c = parseClientFirst(text)
    const stored = this.users.scram(this.mechanism, c.username)
    const credential = stored ?? {salt: madeUpSalt(this.mechanism, c.username), storedKey: randomBytes(32), serverKey: randomBytes(32), iterations: MIN_ITERATIONS}
    const nonce = c.nonce + newNonce()
    const first = serverFirst(nonce, credential.salt, credential.iterations)
    this.first = {bare: c.bare, gs2Header: c.gs2Header, user: c.username, clientNonce: c.nonce, nonce, serverFirst: first, credential, known: stored !== undefined}
    return {reply: Buffer.from(first, 'utf8'), done: false}
  }

  private clientFinal(text: string, f: NonNullable<ScramConversation['first']>): {reply: Buffer; done: boolean; user: string} {
    const c = parseClientFinal(text)
    if (c.channelBinding !== Buffer.from(f.gs2Header).toString('base64')) throw this.failure(`bad channel binding from ${f.user}`)
    // librdkafka 2.0.2 (Debian's kcat) sends its own nonce again in front of the combined one; Kafka let that
    // through for years (its check was endsWith), so that exact form is taken too — the proof covers it.
    if (c.nonce !== f.nonce && c.nonce !== f.clientNonce + f.nonce) throw this.failure(`the nonce from ${f.user} is not the one agreed`)
    const message = authMessage(f.bare, f.serverFirst, c.withoutProof)
    if (!verifyClientProof(this.hash, f.credential, message, c.proof) || !f.known) {
      throw this.failure(`${f.known ? 'wrong password' : 'unknown user'} for ${f.user}`)
    }
    const signature = serverSignature(this.hash, f.credential.serverKey, message)
    return {reply: Buffer.from(`v=${signature.toString('base64')}`, 'utf8'), done: true, user: f.user}
  }
}
