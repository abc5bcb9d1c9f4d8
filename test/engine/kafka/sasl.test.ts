// SASL on samsa's Kafka listener, at the protocol level, on a real daemon started with a users file
// ($SAMSA_KAFKA_SASL_USERS): what may come before authentication, Kafka's answers to each failure (and
// that the connection then closes), the raw tokens after a SaslHandshake v0, and the daemon's log lines.
// Real clients over SASL (kafkajs, samsa's CLI): test/integration/kafka-sasl.test.ts.
import {writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {encodeRequest, KafkaErrorCode as E} from '../../../src/protocol/kafka/index.js'
import {authMessage, clientFinal, clientFirst, clientFirstBare, clientProof, credentialOf, parseServerFinal, parseServerFirst, saltedPassword, serverSignature} from '../../../src/protocol/sasl/scram.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../../support/index.js'
import {KafkaTestClient} from './helpers.js'

let d: DaemonProcess
let port: number

beforeAll(async () => {
  requireBuild()
  const users = join(tempDir(), 'users.json')
  writeFileSync(users, JSON.stringify({users: {alice: {password: 'alice-secret'}}}), {mode: 0o600})
  d = await spawnDaemon(tempDir(), {kafka: true, env: {SAMSA_KAFKA_SASL_USERS: users}})
  port = d.kafkaPort()
})

afterAll(async () => {
  if (d) await stopDaemon(d)
  await cleanup()
})

const NO_TOPICS = {topics: [], allowAutoTopicCreation: false}
const plain = (user: string, password: string): Buffer => Buffer.from(`\0${user}\0${password}`)

async function closed(c: KafkaTestClient): Promise<boolean> {
  await Promise.race([c.closedPromise, new Promise((r) => setTimeout(r, 10_000))])
  return c.closed
}

describe('before authentication', () => {
  it('the log says the listener requires SASL, and for how many users', () => {
    expect(d.output()).toMatch(/Kafka listener on 127\.0\.0\.1:\d+ \(advertised as 127\.0\.0\.1:\d+, SASL required: 1 user\(s\)\)/)
  })

  it('ApiVersions is answered (SaslHandshake 0–1, SaslAuthenticate 0–2 listed); Metadata closes the connection, as Kafka does', async () => {
    const c = await KafkaTestClient.connect(port)
    const versions = await c.request('ApiVersions', {clientSoftwareName: 'test', clientSoftwareVersion: '1'})
    expect(versions.apiKeys.filter((k) => k.apiKey === 17 || k.apiKey === 36)).toEqual([
      {apiKey: 17, minVersion: 0, maxVersion: 1},
      {apiKey: 36, minVersion: 0, maxVersion: 2},
    ])
    await expect(c.request('Metadata', NO_TOPICS)).rejects.toThrow('connection closed')
    expect(d.output()).toMatch(/closing the Kafka connection from 127\.0\.0\.1:\d+: unexpected Kafka request Metadata during SASL handshake: this listener requires SASL authentication/)
  })

  it('SaslAuthenticate before a handshake closes the connection', async () => {
    const c = await KafkaTestClient.connect(port)
    await expect(c.request('SaslAuthenticate', {authBytes: plain('alice', 'alice-secret')})).rejects.toThrow('connection closed')
  })

  it('an unknown mechanism: UNSUPPORTED_SASL_MECHANISM (33) with the enabled ones, then the connection closes', async () => {
    const c = await KafkaTestClient.connect(port)
    const r = await c.request('SaslHandshake', {mechanism: 'GSSAPI'})
    expect(r).toEqual({errorCode: E.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']})
    expect(await closed(c)).toBe(true)
  })
})

describe('SaslHandshake v1 + SaslAuthenticate', () => {
  it('PLAIN (SaslAuthenticate v2, flexible): then every API; a later handshake is ILLEGAL_SASL_STATE (34) and the connection stays', async () => {
    const c = await KafkaTestClient.connect(port)
    expect(await c.request('SaslHandshake', {mechanism: 'PLAIN'})).toEqual({errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']})
    const auth = await c.request('SaslAuthenticate', {authBytes: plain('alice', 'alice-secret')}, 2)
    expect(auth).toEqual({errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0})
    expect((await c.request('Metadata', NO_TOPICS)).brokers).toHaveLength(1)
    expect((await c.request('SaslHandshake', {mechanism: 'PLAIN'})).errorCode).toBe(E.ILLEGAL_SASL_STATE)
    expect((await c.request('SaslAuthenticate', {authBytes: plain('alice', 'alice-secret')}, 1)).errorCode).toBe(E.ILLEGAL_SASL_STATE)
    expect((await c.request('Metadata', NO_TOPICS)).brokers).toHaveLength(1)
    c.close()
  })

  it('a wrong password or user: SASL_AUTHENTICATION_FAILED (58) with Kafka\'s message, then the connection closes; the log says why', async () => {
    for (const [user, password, why] of [['alice', 'wrong', 'wrong password'], ['mallory', 'alice-secret', 'unknown user']] as const) {
      const c = await KafkaTestClient.connect(port)
      await c.request('SaslHandshake', {mechanism: 'PLAIN'})
      const auth = await c.request('SaslAuthenticate', {authBytes: plain(user, password)}, 0)
      expect(auth).toMatchObject({errorCode: E.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password'})
      expect(await closed(c)).toBe(true)
      await waitFor(() => d.output().includes(`SASL authentication failed: PLAIN: ${why} for ${user}`), 10_000, 'the log line')
    }
  })

  it('a second handshake during authentication: ILLEGAL_SASL_STATE (34), then the connection closes', async () => {
    const c = await KafkaTestClient.connect(port)
    await c.request('SaslHandshake', {mechanism: 'SCRAM-SHA-256'})
    expect((await c.request('SaslHandshake', {mechanism: 'PLAIN'})).errorCode).toBe(E.ILLEGAL_SASL_STATE)
    expect(await closed(c)).toBe(true)
  })

  it('a request other than SaslAuthenticate during authentication closes the connection', async () => {
    const c = await KafkaTestClient.connect(port)
    await c.request('SaslHandshake', {mechanism: 'PLAIN'})
    await expect(c.request('Metadata', NO_TOPICS)).rejects.toThrow('connection closed')
  })

  // One SCRAM-SHA-256 exchange, the client-final's nonce as `echo` makes it from the agreed one.
  async function scram(password: string, echo: (clientNonce: string, agreed: string) => string): Promise<{c: KafkaTestClient; errorCode: number; verified: boolean}> {
    const c = await KafkaTestClient.connect(port)
    await c.request('SaslHandshake', {mechanism: 'SCRAM-SHA-256'})
    const first = clientFirst('alice', 'client-nonce')
    const serverFirstText = (await c.request('SaslAuthenticate', {authBytes: Buffer.from(first)})).authBytes.toString()
    const server = parseServerFirst(serverFirstText, 'client-nonce')
    const salted = await saltedPassword('sha256', password, server.salt, server.iterations)
    const withoutProof = `c=biws,r=${echo('client-nonce', server.nonce)}`
    const message = authMessage(clientFirstBare('alice', 'client-nonce'), serverFirstText, withoutProof)
    const final = await c.request('SaslAuthenticate', {authBytes: Buffer.from(clientFinal(withoutProof, clientProof('sha256', salted, message)))})
    const expected = serverSignature('sha256', credentialOf('sha256', salted, server.salt, server.iterations).serverKey, message)
    return {c, errorCode: final.errorCode, verified: final.errorCode === 0 && parseServerFinal(final.authBytes.toString()).equals(expected)}
  }

  it('SCRAM-SHA-256: the server signature proves the listener knows the credential; then every API', async () => {
    const {c, errorCode, verified} = await scram('alice-secret', (_, agreed) => agreed)
    expect([errorCode, verified]).toEqual([0, true])
    expect((await c.request('Metadata', NO_TOPICS)).brokers).toHaveLength(1)
    c.close()
  })

  it("SCRAM: librdkafka 2.0.2's client-final (its nonce repeated in front) is accepted; any other nonce, or a wrong password, is 58", async () => {
    const doubled = await scram('alice-secret', (mine, agreed) => mine + agreed)
    expect([doubled.errorCode, doubled.verified]).toEqual([0, true])
    doubled.c.close()
    for (const [password, echo] of [['alice-secret', (_: string, agreed: string) => `x${agreed}`], ['wrong', (_: string, agreed: string) => agreed]] as const) {
      const r = await scram(password, echo)
      expect(r.errorCode).toBe(E.SASL_AUTHENTICATION_FAILED)
      expect(await closed(r.c)).toBe(true)
    }
    expect(d.output()).toContain('SASL authentication failed: SCRAM-SHA-256: the nonce from alice is not the one agreed')
    expect(d.output()).toContain('SASL authentication failed: SCRAM-SHA-256: wrong password for alice')
  })

  it('a malformed SCRAM client-first fails with 58 and closes', async () => {
    const c = await KafkaTestClient.connect(port)
    await c.request('SaslHandshake', {mechanism: 'SCRAM-SHA-512'})
    const auth = await c.request('SaslAuthenticate', {authBytes: Buffer.from('p=tls-unique,,n=alice,r=abc')}, 1)
    expect(auth).toMatchObject({errorCode: E.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512'})
    expect(await closed(c)).toBe(true)
  })
})

describe('frame size before authentication', () => {
  // ApiVersions v0 padded to `bytes` (bytes after a request body are ignored, as Kafka's parser does)
  function paddedApiVersions(bytes: number, correlationId: number): Buffer {
    const frame = Buffer.concat([...encodeRequest('ApiVersions', {apiVersion: 0, correlationId, clientId: 'big'}, {clientSoftwareName: '', clientSoftwareVersion: ''}), Buffer.alloc(bytes)])
    frame.writeInt32BE(frame.length - 4, 0)
    return frame
  }

  it("is at most 512 KiB (Kafka's sasl.server.max.receive.size); once authenticated the listener's own limit applies", async () => {
    const stranger = await KafkaTestClient.connect(port)
    stranger.writeRaw(paddedApiVersions(600 * 1024, 1))
    expect(await closed(stranger)).toBe(true)
    expect(d.output()).toMatch(/exceeds the 524288-byte limit \(sasl\.server\.max\.receive\.size, before SASL authentication\)/)
    const c = await KafkaTestClient.connect(port)
    await c.request('SaslHandshake', {mechanism: 'PLAIN'})
    await c.request('SaslAuthenticate', {authBytes: plain('alice', 'alice-secret')})
    c.writeRaw(paddedApiVersions(600 * 1024, 4242))
    await waitFor(() => c.stray.length > 0 || c.closed, 10_000, 'the ApiVersions answer')
    expect(c.stray[0]!.readInt32BE(0)).toBe(4242)
    c.close()
  })
})

// After a v0 handshake the tokens are bare frames: int32 size, then the token (KIP-43).
describe('SaslHandshake v0: raw tokens', () => {
  function rawSession(token: Buffer): Promise<{frames: Buffer[]; closed: boolean}> {
    return new Promise((resolve) => {
      const s = connect({host: '127.0.0.1', port})
      let data = Buffer.alloc(0)
      const frames: Buffer[] = []
      let step = 0
      const done = (closed: boolean): void => {
        s.destroy()
        resolve({frames, closed})
      }
      s.on('data', (chunk) => {
        data = Buffer.concat([data, chunk])
        while (data.length >= 4 && data.length >= 4 + data.readInt32BE(0)) {
          const size = data.readInt32BE(0)
          frames.push(data.subarray(4, 4 + size))
          data = data.subarray(4 + size)
          step++
          if (step === 1) {
            const frame = Buffer.alloc(4)
            frame.writeInt32BE(token.length)
            s.write(Buffer.concat([frame, token]))
          } else if (step === 2) {
            for (const c of encodeRequest('Metadata', {apiVersion: 1, correlationId: 7, clientId: 'raw'}, {topics: [], allowAutoTopicCreation: false})) s.write(c)
          } else done(false)
        }
      })
      s.on('close', () => done(true))
      s.on('error', () => {})
      for (const c of encodeRequest('SaslHandshake', {apiVersion: 0, correlationId: 1, clientId: 'raw'}, {mechanism: 'PLAIN'})) s.write(c)
      setTimeout(() => done(false), 10_000)
    })
  }

  it('PLAIN: the answer is an empty bare frame, then Kafka requests as usual', async () => {
    const r = await rawSession(plain('alice', 'alice-secret'))
    expect(r.frames).toHaveLength(3)
    expect(r.frames[0]!.readInt16BE(4)).toBe(0) // the handshake: correlation id, error 0
    expect(r.frames[1]!).toEqual(Buffer.alloc(0)) // the token's answer
    expect(r.frames[2]!.readInt32BE(0)).toBe(7) // Metadata's correlation id
  })

  it('a wrong password: no answer can be framed, so the connection closes', async () => {
    const r = await rawSession(plain('alice', 'nope'))
    expect(r).toEqual({frames: [expect.any(Buffer)], closed: true})
  })
})
