// The users samsa's Kafka listener accepts, from a JSON users file (named by $SAMSA_KAFKA_SASL_USERS or
// "kafkaSaslUsers" in daemon.json: protocol/control/daemon-config.ts). Main thread, at startup.
//
//   {"users": {
//     "alice": {"password": "alice-secret"},
//     "bob":   {"SCRAM-SHA-512": "salt=…,stored_key=…,server_key=…,iterations=4096",
//               "SCRAM-SHA-256": "salt=…,stored_key=…,server_key=…,iterations=4096"}
//   }}
//
// What is kept in memory is what Kafka keeps: per user and SCRAM mechanism a salted credential (salt,
// StoredKey, ServerKey, iterations), never a password. A "password" entry is turned into one credential per
// mechanism at load (a random salt each, 4096 iterations, Kafka's default); the salted form, Kafka's own
// text form (ScramCredentialUtils, as ZooKeeper-based Kafka stored it), keeps passwords out of the file.
// PLAIN is checked against the user's SCRAM credential (SHA-512's if there is one): Hi(password, salt, i)
// must give its StoredKey — so PLAIN needs no plaintext password either.
// Every problem is a USAGE error naming the file and the user: the daemon refuses to start rather than
// run a listener that would let anyone in or no one.
import {SamsaError} from '../../errors.js'
import {isScramMechanism, newCredential, parseCredential, SCRAM_MECHANISMS, ScramError, type ScramCredential, type ScramMechanism} from '../../protocol/sasl/scram.js'

export const SASL_MECHANISMS_ENABLED = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

export class SaslUsers {
  private constructor(private readonly credentials: ReadonlyMap<string, ReadonlyMap<ScramMechanism, ScramCredential>>) {}

  get size(): number {
    return this.credentials.size
  }

  scram(mechanism: ScramMechanism, user: string): ScramCredential | undefined {
    return this.credentials.get(user)?.get(mechanism)
  }

  // The credential a PLAIN password is checked against.
  plain(user: string): {mechanism: ScramMechanism; credential: ScramCredential} | undefined {
    for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const) {
      const credential = this.scram(mechanism, user)
      if (credential) return {mechanism, credential}
    }
    return undefined
  }

  static async parse(text: string, file: string): Promise<SaslUsers> {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new SamsaError('USAGE', `${file} is not valid JSON: ${(err as Error).message}`)
    }
    const users = isObject(json) ? json.users : undefined
    if (!isObject(json) || !isObject(users) || Object.keys(json).some((k) => k !== 'users')) {
      throw new SamsaError('USAGE', `${file} must hold {"users": {"NAME": {"password": "…"} | {"SCRAM-SHA-256": "salt=…,stored_key=…,server_key=…,iterations=N"}, …}}`)
    }
    const credentials = new Map<string, Map<ScramMechanism, ScramCredential>>()
    for (const [user, entry] of Object.entries(users)) {
      const where = `${file}: user ${JSON.stringify(user)}`
      if (user === '') throw new SamsaError('USAGE', `${file}: a user name must not be empty`)
      if (!isObject(entry) || Object.keys(entry).length === 0) throw new SamsaError('USAGE', `${where} needs "password" or SCRAM credentials`)
      const mine = new Map<ScramMechanism, ScramCredential>()
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string' || value === '') throw new SamsaError('USAGE', `${where}: ${key} must be a non-empty string`)
        if (key === 'password') {
          for (const [mechanism, hash] of Object.entries(SCRAM_MECHANISMS) as [ScramMechanism, (typeof SCRAM_MECHANISMS)[ScramMechanism]][]) {
            if (!Object.hasOwn(entry, mechanism)) mine.set(mechanism, await newCredential(hash, value))
          }
        } else if (isScramMechanism(key)) {
          try {
            mine.set(key, parseCredential(SCRAM_MECHANISMS[key], value))
          } catch (err) {
            if (err instanceof ScramError) throw new SamsaError('USAGE', `${where}: ${key}: ${err.message}`)
            throw err
          }
        } else {
          throw new SamsaError('USAGE', `${where}: unknown key ${JSON.stringify(key)} (known: password, SCRAM-SHA-256, SCRAM-SHA-512)`)
        }
      }
      credentials.set(user, mine)
    }
    if (credentials.size === 0) throw new SamsaError('USAGE', `${file} names no users: no client could authenticate`)
    return new SaslUsers(credentials)
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
