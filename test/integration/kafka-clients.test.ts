// Real Kafka clients against a real samsa daemon: kcat 1.7.1 (librdkafka 2.0.2) and kafkajs 2.2.4 (with
// kafkajs-lz4). Metadata and librdkafka's feature probes, LZ4 produce with keys and headers, reading
// everything, offsets for times, admin create/delete, partitions, records and groups — and one engine underneath: what samsa's CLI
// produces kcat and kafkajs read, what they produce the CLI reads, and a kcat commit is where `samsa
// consume --group` (and samsa's client fetchOffsets) continue. kafkajs reads here through its Broker's
// Fetch, without a group; consumer groups of kcat -G and kafkajs: kafka-groups.test.ts.
import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import kafkajs from 'kafkajs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createClient} from '../../src/client/index.js'
import {lines, samsa, type DaemonProcess} from '../support/index.js'
import {startKafkaDaemon, stopKafkaDaemon} from './kafka-daemon.js'
import {kafkajsFetch} from '../engine/kafka/helpers.js'

const {Kafka, CompressionTypes, logLevel} = kafkajs
const exec = promisify(execFile)

let d: DaemonProcess
let broker: string

beforeAll(async () => ({d, broker} = await startKafkaDaemon()))
afterAll(() => stopKafkaDaemon(d))

async function kcat(args: string[], input?: string): Promise<{stdout: string; stderr: string}> {
  const p = exec('kcat', ['-b', broker, ...args], {timeout: 60_000, maxBuffer: 64 << 20})
  p.child.stdin!.end(input ?? '')
  return p
}

async function cli(args: string[], input?: string): Promise<string> {
  const r = await samsa(d.dataDir, args, input === undefined ? {} : {input})
  expect(r.code, `samsa ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

function kafka(): InstanceType<typeof Kafka> {
  return new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING})
}

describe('kcat', () => {
  it('-L: one broker, the controller, at the advertised address; librdkafka enables MsgVer2, LZ4, group coordination and the idempotent producer', async () => {
    await cli(['topic', 'create', 'meta', '--partitions', '3'])
    const {stdout, stderr} = await kcat(['-L', '-d', 'feature'])
    expect(stdout).toContain(`1 brokers:\n  broker 1 at ${broker} (controller)`)
    expect(stdout).toContain('topic "meta" with 3 partitions:\n    partition 0, leader 1, replicas: 1, isrs: 1')
    for (const feature of ['ApiVersion', 'MsgVer2', 'BrokerGroupCoordinator', 'BrokerBalancedConsumer', 'LZ4', 'ThrottleTime', 'IdempotentProducer']) {
      expect(stderr).toMatch(new RegExp(`Enabling feature ${feature}\\b`))
    }
  })

  it('-P with keys and -z lz4 is stored as sent (LZ4 batches) and read back by kcat -C -e and by samsa consume', async () => {
    await cli(['topic', 'create', 'kc', '--partitions', '2'])
    const input = Array.from({length: 200}, (_, i) => `key${i % 7}:value ${i} ${'x'.repeat(i % 50)}`).join('\n') + '\n'
    await kcat(['-P', '-t', 'kc', '-K:', '-z', 'lz4', '-X', 'partitioner=murmur2_random'], input)
    const sent = input.trimEnd().split('\n').map((l) => l.split(':'))
    const read = lines((await kcat(['-C', '-t', 'kc', '-o', 'beginning', '-e', '-q', '-f', '%k:%s\\n'])).stdout)
    expect([...read].sort()).toEqual(sent.map(([k, v]) => `${k}:${v}`).sort())
    // murmur2_random is Kafka's (and samsa's) key → partition rule, so each key is in one partition, in order
    const mine = lines(await cli(['consume', 'kc', '--format', '%p %k %s\\n']))
    for (const [k, v] of sent) expect(mine.filter((l) => l.endsWith(` ${k} ${v}`))).toHaveLength(1)
    for (const p of [0, 1]) {
      const values = mine.filter((l) => l.startsWith(`${p} `)).map((l) => Number(l.split(' ')[3]))
      expect(values).toEqual([...values].sort((a, b) => a - b))
    }
    const dump = await cli(['log', 'dump', join(d.dataDir, 'kc-0', '00000000000000000000.log'), '--json'])
    expect(lines(dump).map((l) => JSON.parse(l).codec)).toContain('lz4')
  })

  it('-Q gives the first offset at or after a time', async () => {
    await cli(['topic', 'create', 'times'])
    const before = Date.now()
    await cli(['produce', 'times'], 'early\n')
    await new Promise((r) => setTimeout(r, 50))
    const between = Date.now()
    await cli(['produce', 'times'], 'late\n')
    // one query per run: librdkafka keeps one timestamp per partition
    for (const [t, expected] of [[before - 1000, 0], [between, 1], [Date.now() + 60_000, -1]] as const) {
      expect(lines((await kcat(['-Q', '-t', `times:0:${t}`])).stdout)).toEqual([`times [0] offset ${expected}`])
    }
  })

  it("a kcat consumer's commit (group.id, generation -1) is where samsa consume --group, samsa's client and kafkajs's admin continue, and the reverse", async () => {
    await cli(['topic', 'create', 'handover'])
    await cli(['produce', 'handover'], 'one\ntwo\nthree\n')
    // librdkafka's simple consumer commits what it read when it starts from the stored offset
    const stored = ['-C', '-t', 'handover', '-p', '0', '-o', 'stored', '-e', '-q', '-X', 'group.id=shared', '-X', 'auto.offset.reset=earliest']
    expect(lines((await kcat(stored)).stdout)).toEqual(['one', 'two', 'three'])
    const client = await createClient({dataDir: d.dataDir, autostart: false})
    try {
      expect(await client.groups.fetchOffsets('shared', [{topic: 'handover', partition: 0}])).toEqual([{topic: 'handover', partition: 0, offset: 3, metadata: ''}])
    } finally {
      await client.close()
    }
    await cli(['produce', 'handover'], 'four\n')
    expect(lines(await cli(['consume', 'handover', '--group', 'shared']))).toEqual(['four'])
    // samsa's commit (after "four") is where kcat resumes
    await cli(['produce', 'handover'], 'five\n')
    expect(lines((await kcat(stored)).stdout)).toEqual(['five'])
    const admin = kafka().admin()
    await admin.connect()
    try {
      // (kafkajs reports an empty metadata string as null)
      expect(await admin.fetchOffsets({groupId: 'shared', topics: ['handover']})).toEqual([{topic: 'handover', partitions: [{partition: 0, offset: '5', metadata: null}]}])
      expect((await admin.listGroups()).groups).toContainEqual({groupId: 'shared', protocolType: ''})
    } finally {
      await admin.disconnect()
    }
  })
})

describe('kafkajs', () => {
  it('admin creates and deletes topics samsa sees, and reads metadata, offsets and configs', async () => {
    const admin = kafka().admin()
    await admin.connect()
    try {
      expect(await admin.createTopics({topics: [{topic: 'kjs-admin', numPartitions: 3, configEntries: [{name: 'retention.ms', value: '3600000'}]}]})).toBe(true)
      expect(await admin.createTopics({topics: [{topic: 'kjs-admin'}]})).toBe(false) // exists already
      const {topics} = JSON.parse(await cli(['topic', 'list', '--json']))
      expect(topics).toContainEqual(expect.objectContaining({name: 'kjs-admin', partitions: 3}))
      const meta = await admin.fetchTopicMetadata({topics: ['kjs-admin']})
      expect(meta.topics[0]!.partitions.map((p) => [p.partitionId, p.leader])).toEqual([[0, 1], [1, 1], [2, 1]])
      expect(await admin.describeCluster()).toMatchObject({brokers: [{nodeId: 1, host: '127.0.0.1', port: d.kafkaPort()}], controller: 1})
      const configs = await admin.describeConfigs({resources: [{type: 2, name: 'kjs-admin', configNames: ['retention.ms']}], includeSynonyms: false})
      expect(configs.resources[0]!.configEntries).toEqual([expect.objectContaining({configName: 'retention.ms', configValue: '3600000', isDefault: false})])
      await admin.deleteTopics({topics: ['kjs-admin']})
      expect((await samsa(d.dataDir, ['topic', 'describe', 'kjs-admin'])).code).toBe(4)
    } finally {
      await admin.disconnect()
    }
  })

  it("admin.alterConfigs (AlterConfigs v1) replaces a topic's configs: describeConfigs and samsa show the change; validateOnly changes nothing", async () => {
    await cli(['topic', 'create', 'kjs-alter', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact'])
    const admin = kafka().admin()
    await admin.connect()
    try {
      const alter = (configEntries: {name: string; value: string}[], validateOnly = false) =>
        admin.alterConfigs({validateOnly, resources: [{type: 2, name: 'kjs-alter', configEntries}]})
      const described = async () => {
        const r = await admin.describeConfigs({resources: [{type: 2, name: 'kjs-alter', configNames: ['retention.ms', 'segment.bytes', 'cleanup.policy']}], includeSynonyms: false})
        return Object.fromEntries(r.resources[0]!.configEntries.map((e) => [e.configName, [e.configValue, e.isDefault]]))
      }
      await alter([{name: 'segment.bytes', value: '1048576'}], true)
      expect(await described()).toEqual({'retention.ms': ['3600000', false], 'segment.bytes': [expect.any(String), true], 'cleanup.policy': ['compact', false]})
      await alter([{name: 'segment.bytes', value: '1048576'}, {name: 'retention.ms', value: '60000'}])
      // what was set before and is not named goes back to its default (Kafka's AlterConfigs)
      expect(await described()).toEqual({'retention.ms': ['60000', false], 'segment.bytes': ['1048576', false], 'cleanup.policy': ['delete', true]})
      const {configs} = JSON.parse(await cli(['topic', 'describe', 'kjs-alter', '--json']))
      expect(configs).toContainEqual({name: 'segment.bytes', value: '1048576', isDefault: false})
      await expect(alter([{name: 'no.such.config', value: '1'}])).rejects.toMatchObject({type: 'INVALID_CONFIG'})
      expect((await described())['segment.bytes']).toEqual(['1048576', false]) // a refused alter changes nothing
    } finally {
      await admin.disconnect()
    }
  })

  it('admin adds partitions, deletes records and deletes groups, and samsa sees each change', async () => {
    await cli(['topic', 'create', 'kjs-grow'])
    await cli(['produce', 'kjs-grow'], 'a\nb\nc\nd\n')
    await cli(['consume', 'kjs-grow', '--group', 'kjs-gone'])
    const admin = kafka().admin()
    await admin.connect()
    try {
      await admin.createPartitions({topicPartitions: [{topic: 'kjs-grow', count: 3}]})
      const described = JSON.parse(await cli(['topic', 'describe', 'kjs-grow', '--json']))
      expect(described.partitions.map((p: {partition: number}) => p.partition)).toEqual([0, 1, 2])
      await expect(admin.createPartitions({topicPartitions: [{topic: 'kjs-grow', count: 2}]})).rejects.toMatchObject({type: 'INVALID_PARTITIONS'})
      await admin.deleteTopicRecords({topic: 'kjs-grow', partitions: [{partition: 0, offset: '3'}]})
      expect(JSON.parse(await cli(['topic', 'describe', 'kjs-grow', '--json'])).partitions[0]).toMatchObject({logStartOffset: 3, logEndOffset: 4})
      expect(lines(await cli(['consume', 'kjs-grow']))).toEqual(['d'])
      await admin.deleteGroups(['kjs-gone'])
      expect((await samsa(d.dataDir, ['group', 'describe', 'kjs-gone'])).code).toBe(4)
      await expect(admin.deleteGroups(['kjs-gone'])).rejects.toMatchObject({groups: [expect.objectContaining({groupId: 'kjs-gone', errorCode: 69})]})
    } finally {
      await admin.disconnect()
    }
  })

  it('a producer with keys, headers and LZ4: samsa consume, kcat and kafkajs read the same records', async () => {
    const k = kafka()
    const admin = k.admin()
    await admin.connect()
    await admin.createTopics({topics: [{topic: 'kjs-data', numPartitions: 1}]})
    const producer = k.producer()
    await producer.connect()
    await producer.send({
      topic: 'kjs-data',
      compression: CompressionTypes.LZ4,
      messages: [
        {key: 'a', value: 'one', headers: {source: 'kafkajs'}},
        {key: 'b', value: 'two'},
        {key: null, value: 'three', headers: {h1: 'x', h2: 'y'}},
      ],
    })
    await producer.disconnect()
    const envelopes = lines(await cli(['consume', 'kjs-data', '--jsonl'])).map((l) => JSON.parse(l))
    expect(envelopes.map((e) => [e.offset, e.key, e.value, e.headers])).toEqual([
      [0, 'a', 'one', [{key: 'source', value: 'kafkajs'}]],
      [1, 'b', 'two', []],
      [2, null, 'three', [{key: 'h1', value: 'x'}, {key: 'h2', value: 'y'}]],
    ])
    const viaKcat = await kcat(['-C', '-t', 'kjs-data', '-o', 'beginning', '-e', '-q', '-f', '%o %k %s %h\\n'])
    expect(lines(viaKcat.stdout)).toEqual(['0 a one source=kafkajs', '1 b two ', '2  three h1=x,h2=y'])
    const fetched = await kafkajsFetch(d.kafkaPort(), 'kjs-data', 0, 1)
    expect(fetched.highWatermark).toBe('3')
    expect(fetched.messages.filter((m) => Number(m.offset) >= 1).map((m) => [m.offset, m.key?.toString() ?? null, m.value!.toString()])).toEqual([
      ['1', 'b', 'two'],
      ['2', null, 'three'],
    ])
    const offsets = await admin.fetchTopicOffsets('kjs-data')
    expect(offsets).toEqual([{partition: 0, offset: '3', high: '3', low: '0'}])
    await admin.disconnect()
  })

  it("reads what samsa's CLI and kcat -z lz4 produced (kafkajs's own Fetch decoder, LZ4 through kafkajs-lz4)", async () => {
    await cli(['topic', 'create', 'from-cli'])
    await cli(['produce', 'from-cli', '--key-delimiter', ':', '--header', 'via=samsa'], 'k1:first\nk2:second\n')
    await kcat(['-P', '-t', 'from-cli', '-K:', '-z', 'lz4', '-H', 'via=kcat'], 'k3:third\n')
    const {messages} = await kafkajsFetch(d.kafkaPort(), 'from-cli', 0)
    expect(messages.map((m) => [m.offset, m.key!.toString(), m.value!.toString(), m.headers.via!.toString()])).toEqual([
      ['0', 'k1', 'first', 'samsa'],
      ['1', 'k2', 'second', 'samsa'],
      ['2', 'k3', 'third', 'kcat'],
    ])
    const admin = kafka().admin()
    await admin.connect()
    const byTime = await admin.fetchTopicOffsetsByTimestamp('from-cli', 0)
    expect(byTime).toEqual([{partition: 0, offset: '0'}])
    await admin.disconnect()
  })
})
