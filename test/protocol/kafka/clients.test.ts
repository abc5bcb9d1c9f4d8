// Real clients against samsa's Kafka codecs: kcat 1.7.1 (librdkafka 2.0.2) and kafkajs 2.2.4 talk to
// fixtures/mini-broker.mjs, which decodes every request and encodes every response with src/protocol/kafka
// (compiled, from dist/). What kcat and kafkajs print and receive shows that they accept our encodings;
// every request they send must decode as a supported request.
// Everything samsa's own listener serves is tested against a real daemon in test/integration/kafka-clients
// .test.ts (metadata and librdkafka's features, produce, fetch, offsets, admin). What stays here needs the
// classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, a group's DescribeGroups), which
// the daemon answers only once its group coordinator lands: until then these codecs meet real clients
// through the capture broker.
import {execFile, execFileSync} from 'node:child_process'
import {promisify} from 'node:util'
import kafkajs from 'kafkajs'
import LZ4Codec from 'kafkajs-lz4'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
// a plain JS test tool (untyped), shared with fixtures/capture.mjs
import {startMiniBroker} from './fixtures/mini-broker.mjs'

const {Kafka, CompressionCodecs, CompressionTypes, logLevel} = kafkajs
const run = promisify(execFile)

interface Seen {
  api: string
  version: number
  client: string | null
}

let broker: {port: number; close: () => Promise<void>}
const seen: Seen[] = []
const problems: string[] = []

beforeAll(async () => {
  try {
    execFileSync('kcat', ['-V'], {stdio: 'ignore'})
  } catch {
    throw new Error('kcat is missing: `apt-get install kcat` (Debian kcat 1.7.1, librdkafka 2.0.2); .ci/run installs it')
  }
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
  broker = await startMiniBroker({
    log: (m: string) => problems.push(m),
    onRequest: ({request}: {request: {kind: string; api?: string; reason?: string; header: {apiVersion: number; clientId: string | null}}}) => {
      if (request.kind === 'request') seen.push({api: request.api!, version: request.header.apiVersion, client: request.header.clientId})
      else problems.push(request.reason!)
    },
  })
})

afterAll(async () => {
  await broker?.close()
})

const kcat = async (args: string[], input?: string): Promise<{stdout: string; stderr: string}> => {
  const p = run('kcat', ['-b', `127.0.0.1:${broker.port}`, ...args], {timeout: 60_000})
  if (input !== undefined) p.child.stdin!.end(input)
  else p.child.stdin!.end()
  return p
}

function versionsOf(client: string): string[] {
  return [...new Set(seen.filter((s) => s.client === client).map((s) => `${s.api} v${s.version}`))].sort()
}

describe('kcat and kafkajs against samsa codecs', () => {
  it('kafkajs produces LZ4 batches that kcat reads back, and kcat produces LZ4 batches a kafkajs group reads', async () => {
    const kafka = new Kafka({clientId: 'kafkajs', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING})
    const admin = kafka.admin()
    await admin.connect()
    expect(await admin.createTopics({topics: [{topic: 'interop'}]})).toBe(true)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({topic: 'interop', compression: CompressionTypes.LZ4, messages: [{key: 'a', value: 'one'}, {key: 'b', value: 'two'}]})
    await producer.disconnect()

    const consumed = await kcat(['-C', '-t', 'interop', '-o', 'beginning', '-e', '-q', '-f', '%o %k=%s\\n'])
    expect(consumed.stdout).toBe('0 a=one\n1 b=two\n')

    const line = 'c=three, three, three, three, three'
    await kcat(['-P', '-t', 'interop', '-z', 'lz4', '-K='], `${line}\n`)

    const consumer = kafka.consumer({groupId: 'interop-kafkajs', maxWaitTimeInMs: 100})
    await consumer.connect()
    await consumer.subscribe({topics: ['interop'], fromBeginning: true})
    const values: string[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({message}) => {
          values.push(`${message.offset} ${message.key}=${message.value}`)
          if (values.length === 3) resolve()
        },
      })
    })
    await consumer.disconnect()
    expect(values).toEqual(['0 a=one', '1 b=two', `2 ${line}`])

    const groups = await admin.describeGroups(['interop-kafkajs'])
    expect(groups.groups[0]).toMatchObject({groupId: 'interop-kafkajs', protocolType: 'consumer', protocol: 'RoundRobinAssigner'})
    await admin.deleteTopics({topics: ['interop']})
    await admin.disconnect()
  })

  it('a kcat consumer group joins, syncs, commits and leaves', async () => {
    await kcat(['-P', '-t', 'grouped', '-K='], 'k=v\n')
    const {stdout} = await kcat(['-G', 'interop-kcat', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n', 'grouped'])
    expect(stdout).toBe('k=v\n')
  })

  it('every request either client sent decoded as a supported request, at the versions the digest predicts', () => {
    expect(problems).toEqual([])
    const rdkafka = versionsOf('rdkafka')
    for (const v of ['ApiVersions v3', 'Metadata v4', 'Produce v3', 'ListOffsets v2', 'Fetch v4', 'FindCoordinator v1', 'JoinGroup v2', 'SyncGroup v1', 'OffsetCommit v3', 'LeaveGroup v1']) {
      expect(rdkafka).toContain(v)
    }
    const kafkajsVersions = versionsOf('kafkajs')
    for (const v of ['ApiVersions v2', 'Metadata v4', 'CreateTopics v2', 'Produce v3', 'FindCoordinator v1', 'JoinGroup v2', 'SyncGroup v1', 'OffsetFetch v3', 'Fetch v4', 'DescribeGroups v1', 'DeleteTopics v1']) {
      expect(kafkajsVersions).toContain(v)
    }
  })
})
