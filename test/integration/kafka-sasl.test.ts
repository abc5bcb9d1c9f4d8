// Real clients over SASL against samsa's Kafka listener with users ($SAMSA_KAFKA_SASL_USERS): kafkajs
// 2.2.4 with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 produces and consumes in a group, and fails with a
// wrong password; samsa's own Kafka backend (`--brokers … --sasl-mechanism …`, or a --kafka-config file)
// produces and consumes, and says in one line, with a non-zero exit, when credentials are missing or wrong.
// kcat 1.7.1 (librdkafka 2.0.2) does SCRAM too — with its quirk of repeating its nonce (sasl-mechanisms.ts).
// One user's entry is a password, the other's Kafka's salted SCRAM credentials (no password in the file).
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import kafkajs from 'kafkajs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {formatCredential, newCredential} from '../../src/protocol/sasl/scram.js'
import {cleanup, lines, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../support/index.js'

const {Kafka, logLevel} = kafkajs
const exec = promisify(execFile)

let d: DaemonProcess
let broker: string
let work: string

beforeAll(async () => {
  requireBuild()
  work = tempDir()
  const bob = {
    'SCRAM-SHA-256': formatCredential(await newCredential('sha256', 'bob-secret', 8192)),
    'SCRAM-SHA-512': formatCredential(await newCredential('sha512', 'bob-secret', 8192)),
  }
  const users = join(work, 'users.json')
  writeFileSync(users, JSON.stringify({users: {alice: {password: 'alice-secret'}, bob}}), {mode: 0o600})
  d = await spawnDaemon(tempDir(), {kafka: true, env: {SAMSA_KAFKA_SASL_USERS: users}})
  broker = `127.0.0.1:${d.kafkaPort()}`
})

afterAll(async () => {
  if (d) await stopDaemon(d)
  await cleanup()
})

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512'

function kafka(mechanism: Mechanism, username: string, password: string): InstanceType<typeof Kafka> {
  return new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING, sasl: {mechanism, username, password} as never, retry: {retries: 0}})
}

// The local CLI, on the daemon's own data directory (no SASL there: the control socket is the machine's).
async function local(args: string[]): Promise<void> {
  const r = await samsa(d.dataDir, args)
  expect(r.code, r.stderr).toBe(0)
}

describe('kafkajs', () => {
  it.each([
    ['plain', 'alice', 'alice-secret'],
    ['scram-sha-256', 'bob', 'bob-secret'],
    ['scram-sha-512', 'alice', 'alice-secret'],
    ['scram-sha-512', 'bob', 'bob-secret'],
  ] as const)('%s as %s: produces, and a consumer group reads it back', async (mechanism, user, password) => {
    const topic = `kjs-${mechanism}-${user}`
    await local(['topic', 'create', topic, '--partitions', '2'])
    const k = kafka(mechanism, user, password)
    const producer = k.producer()
    await producer.connect()
    await producer.send({topic, messages: [{key: 'a', value: 'one'}, {key: 'b', value: 'two'}, {key: 'c', value: 'three'}]})
    await producer.disconnect()
    const seen: string[] = []
    const consumer = k.consumer({groupId: `g-${topic}`, heartbeatInterval: 300, maxWaitTimeInMs: 300, sessionTimeout: 10_000})
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: true})
    await consumer.run({eachMessage: async ({message}) => void seen.push(message.value!.toString())})
    try {
      await waitFor(() => seen.length >= 3, 30_000, 'three messages')
    } finally {
      await consumer.disconnect()
    }
    expect(seen.sort()).toEqual(['one', 'three', 'two'])
    // what kafkajs wrote, samsa's CLI reads on the machine
    const out = await samsa(d.dataDir, ['consume', topic])
    expect(lines(out.stdout).sort()).toEqual(['one', 'three', 'two'])
  })

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('%s with a wrong password is refused', async (mechanism) => {
    const admin = kafka(mechanism, 'bob', 'not-bobs').admin()
    await expect(admin.connect()).rejects.toThrow(/SASL|[Aa]uthentication/)
    await admin.disconnect()
  })

  it('without SASL the connection is closed after ApiVersions', async () => {
    const admin = new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING, retry: {retries: 0}}).admin()
    await admin.connect() // ApiVersions only
    await expect(admin.listTopics()).rejects.toThrow()
    await admin.disconnect()
    await waitFor(() => /unexpected Kafka request Metadata during SASL handshake/.test(d.output()), 10_000, 'the log line')
  })
})

describe('kcat (librdkafka 2.0.2)', () => {
  async function kcat(mechanism: string, password: string, args: string[], input = ''): Promise<{stdout: string; stderr: string}> {
    const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', 'sasl.username=bob', '-X', `sasl.password=${password}`]
    const p = exec('kcat', ['-b', broker, ...sasl, ...args], {timeout: 60_000})
    p.child.stdin!.end(input)
    return p
  }

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('%s: produces and reads back', async (mechanism) => {
    const topic = `kcat-${mechanism}`
    await local(['topic', 'create', topic])
    await kcat(mechanism, 'bob-secret', ['-P', '-t', topic], 'x\ny\n')
    const {stdout} = await kcat(mechanism, 'bob-secret', ['-C', '-t', topic, '-e', '-q'])
    expect(lines(stdout)).toEqual(['x', 'y'])
  })

  it('a wrong password: SASL authentication error, nothing listed', async () => {
    const r = await kcat('SCRAM-SHA-512', 'guess', ['-L', '-m', '3']).catch((err: {stdout: string; stderr: string}) => err)
    expect(r.stderr).toContain('SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512')
    expect(r.stdout).not.toContain('brokers:')
  })
})

describe('samsa --brokers with SASL', () => {
  const env = (): NodeJS.ProcessEnv => ({SAMSA_BROKERS: broker, SAMSA_NO_AUTOSTART: '1'})

  it('--sasl-mechanism SCRAM-SHA-512 creates, produces and consumes; SCRAM-SHA-256 and PLAIN read it too', async () => {
    const dir = tempDir() // an empty local data dir, and no autostart: only the Kafka path can work
    const sasl = ['--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', 'bob', '--sasl-password', 'bob-secret']
    expect((await samsa(dir, ['topic', 'create', 'cli-sasl', '--partitions', '3', ...sasl], {env: env()})).code).toBe(0)
    const produced = await samsa(dir, ['produce', 'cli-sasl', '--key-delimiter', ':', ...sasl], {env: env(), input: 'a:1\nb:2\nc:3\n'})
    expect(produced.code, produced.stderr).toBe(0)
    const out = await samsa(dir, ['consume', 'cli-sasl', '--group', 'cli', ...sasl], {env: env()})
    expect(out.code, out.stderr).toBe(0)
    expect(lines(out.stdout).sort()).toEqual(['1', '2', '3'])
    for (const mechanism of ['SCRAM-SHA-256', 'PLAIN', 'scram-sha-256']) {
      const again = await samsa(dir, ['consume', 'cli-sasl', '--sasl-mechanism', mechanism, '--sasl-username', 'alice'], {env: {...env(), SAMSA_SASL_PASSWORD: 'alice-secret'}})
      expect(again.code, again.stderr).toBe(0)
      expect(lines(again.stdout).sort()).toEqual(['1', '2', '3'])
    }
  })

  it('a --kafka-config file (librdkafka names: security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-256)', async () => {
    await local(['topic', 'create', 'cfg-sasl'])
    const config = join(work, 'kafka.properties')
    writeFileSync(config, `bootstrap.servers=${broker}\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=bob\nsasl.password=bob-secret\n`, {mode: 0o600})
    const dir = tempDir()
    const produced = await samsa(dir, ['produce', 'cfg-sasl', '--kafka-config', config], {env: {SAMSA_NO_AUTOSTART: '1'}, input: 'x\ny\n'})
    expect(produced.code, produced.stderr).toBe(0)
    const out = await samsa(dir, ['consume', 'cfg-sasl', '--kafka-config', config], {env: {SAMSA_NO_AUTOSTART: '1'}})
    expect(out.code, out.stderr).toBe(0)
    expect(lines(out.stdout)).toEqual(['x', 'y'])
  })

  it('a wrong password, an unknown mechanism or no credentials: one line, non-zero exit', async () => {
    const dir = tempDir()
    const wrong = await samsa(dir, ['topic', 'list', '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', 'bob', '--sasl-password', 'guess'], {env: env()})
    expect(wrong.code).toBe(3)
    expect(lines(wrong.stderr)).toEqual([
      `samsa: SASL SCRAM-SHA-512 authentication as bob failed at Kafka broker ${broker}: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512`,
    ])
    const plainWrong = await samsa(dir, ['topic', 'list', '--sasl-username', 'alice', '--sasl-password', 'guess'], {env: env()})
    expect(plainWrong.code).toBe(3)
    expect(lines(plainWrong.stderr)).toEqual([`samsa: SASL PLAIN authentication as alice failed at Kafka broker ${broker}: Authentication failed: Invalid username or password`])
    const unknown = await samsa(dir, ['topic', 'list', '--sasl-mechanism', 'GSSAPI', '--sasl-username', 'bob', '--sasl-password', 'x'], {env: env()})
    expect(unknown.code).toBe(2)
    expect(lines(unknown.stderr)).toEqual(['samsa: SASL mechanism GSSAPI is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)'])
    const none = await samsa(dir, ['topic', 'list'], {env: env()})
    expect(none.code).toBe(3)
    expect(lines(none.stderr)).toEqual([
      `samsa: Kafka broker ${broker} closed the connection after ApiVersions: does it require SASL authentication? (--sasl-mechanism, --sasl-username, --sasl-password)`,
    ])
  })
})

describe('samsa daemon start --kafka-sasl-users', () => {
  it('starts a daemon whose listener requires SASL: the CLI needs credentials to reach it', async () => {
    const users = join(work, 'flag-users.json')
    writeFileSync(users, JSON.stringify({users: {carol: {password: 'carol-secret'}}}), {mode: 0o600})
    const dir = tempDir()
    const started = await samsa(dir, ['daemon', 'start', '--kafka-listener', '127.0.0.1:0', '--kafka-sasl-users', users])
    expect(started.code, started.stderr).toBe(0)
    const address = /Kafka listener on (127\.0\.0\.1:\d+)/.exec(started.stdout)![1]!
    expect(lines(started.stdout)[1]).toBe(`Kafka listener on ${address}, SASL required (1 user: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`)
    try {
      const status = JSON.parse((await samsa(dir, ['daemon', 'status', '--json'])).stdout)
      expect(status.kafka).toEqual({listener: address, advertised: address, problem: null, saslUsers: 1})
      const env = {SAMSA_BROKERS: address, SAMSA_NO_AUTOSTART: '1'}
      const other = tempDir()
      expect((await samsa(other, ['topic', 'list'], {env})).code).toBe(3)
      const sasl = ['--sasl-mechanism', 'SCRAM-SHA-256', '--sasl-username', 'carol', '--sasl-password', 'carol-secret']
      const created = await samsa(other, ['topic', 'create', 'flagged', ...sasl], {env})
      expect(created.code, created.stderr).toBe(0)
      expect(lines((await samsa(dir, ['topic', 'list'])).stdout).join('\n')).toContain('flagged') // the same daemon, locally
    } finally {
      await samsa(dir, ['daemon', 'stop'])
    }
  })
})
