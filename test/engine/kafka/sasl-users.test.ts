// The Kafka listener's users file: both forms of an entry (a password, or Kafka's salted SCRAM
// credentials), what PLAIN is checked against, and the one-line errors — also as the daemon's exit 2 at
// startup, so a listener never opens without the users it was told to require.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {SaslUsers} from '../../../src/engine/kafka/sasl-users.js'
import {credentialOf, formatCredential, newCredential, saltedPassword} from '../../../src/protocol/sasl/scram.js'
import {cleanup, requireBuild, spawnDaemon, tempDir} from '../../support/index.js'

afterAll(cleanup)

const F = '/etc/users.json'

describe('SaslUsers.parse', () => {
  it('a password becomes a salted credential per SCRAM mechanism (never kept); a salted entry is taken as given', async () => {
    const bob512 = await newCredential('sha512', 'bob-secret', 8192)
    const users = await SaslUsers.parse(JSON.stringify({users: {alice: {password: 'pw'}, bob: {'SCRAM-SHA-512': formatCredential(bob512)}}}), F)
    expect(users.size).toBe(2)
    for (const [mechanism, hash] of [['SCRAM-SHA-256', 'sha256'], ['SCRAM-SHA-512', 'sha512']] as const) {
      const c = users.scram(mechanism, 'alice')!
      expect(c.iterations).toBe(4096)
      expect(credentialOf(hash, await saltedPassword(hash, 'pw', c.salt, c.iterations), c.salt, c.iterations)).toEqual(c)
    }
    expect(users.scram('SCRAM-SHA-256', 'alice')!.salt).not.toEqual(users.scram('SCRAM-SHA-512', 'alice')!.salt)
    expect(users.scram('SCRAM-SHA-512', 'bob')).toEqual(bob512)
    expect(users.scram('SCRAM-SHA-256', 'bob')).toBeUndefined() // bob has no SHA-256 credential
    expect(users.plain('bob')).toEqual({mechanism: 'SCRAM-SHA-512', credential: bob512})
    expect(users.plain('carol')).toBeUndefined()
  })

  it('refuses, in one line naming the file and the user, what would let no one or anyone in', async () => {
    const refused = (json: unknown) => SaslUsers.parse(typeof json === 'string' ? json : JSON.stringify(json), F)
    await expect(refused('{users')).rejects.toThrow(/^\/etc\/users\.json is not valid JSON: /)
    await expect(refused({alice: {password: 'x'}})).rejects.toThrow(/^\/etc\/users\.json must hold \{"users": /)
    await expect(refused({users: {}})).rejects.toThrow('/etc/users.json names no users: no client could authenticate')
    await expect(refused({users: {alice: {}}})).rejects.toThrow('/etc/users.json: user "alice" needs "password" or SCRAM credentials')
    await expect(refused({users: {alice: {password: ''}}})).rejects.toThrow('/etc/users.json: user "alice": password must be a non-empty string')
    await expect(refused({users: {alice: {pasword: 'x'}}})).rejects.toThrow('/etc/users.json: user "alice": unknown key "pasword" (known: password, SCRAM-SHA-256, SCRAM-SHA-512)')
    await expect(refused({users: {alice: {'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=AA==,server_key=AA==,iterations=100'}}})).rejects.toThrow(
      '/etc/users.json: user "alice": SCRAM-SHA-256: iterations must be an integer of at least 4096, got 100',
    )
  })
})

describe('the daemon', () => {
  it('does not start when its users file cannot be read or is wrong: exit 2, one line', async () => {
    requireBuild()
    const dir = tempDir()
    const bad = join(dir, 'users.json')
    writeFileSync(bad, '{"users": {}}')
    for (const [file, message] of [
      [join(dir, 'missing.json'), `cannot read the Kafka SASL users file ${join(dir, 'missing.json')} ($SAMSA_KAFKA_SASL_USERS): no such file`],
      [bad, `${bad} names no users: no client could authenticate`],
    ]) {
      const d = await spawnDaemon(tempDir(), {kafka: true, waitReady: false, env: {SAMSA_KAFKA_SASL_USERS: file}})
      expect(await d.exited).toBe(2)
      expect(d.output().trim().split('\n')).toEqual([expect.stringContaining(message)])
    }
    // daemon.json's kafkaSaslUsers, relative to the data directory
    const data = tempDir()
    writeFileSync(join(data, 'daemon.json'), '{"kafkaSaslUsers": "users.json"}')
    const d = await spawnDaemon(data, {kafka: true, waitReady: false})
    expect(await d.exited).toBe(2)
    expect(d.output().trim()).toBe(`samsa: cannot read the Kafka SASL users file ${join(data, 'users.json')} (${join(data, 'daemon.json')}: kafkaSaslUsers): no such file`)
  })
})
