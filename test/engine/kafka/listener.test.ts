// The Kafka listener of a real daemon process, spoken to over TCP with samsa's own codecs: what each data
// API answers (ApiVersions, Metadata, Produce, Fetch, ListOffsets), its error codes, acks=0, long polls,
// and that responses come back in request order.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KafkaErrorCode as E} from '../../../src/protocol/kafka/index.js'
import {cleanup, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../../support/index.js'
import {batch, fetchBody, frame, KafkaTestClient, produceBody} from './helpers.js'

let d: DaemonProcess
let port: number
let c: KafkaTestClient

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {kafka: true})
  port = d.kafkaPort()
  for (const [name, partitions] of [['data', 2], ['poll', 1], ['order', 1], ['times', 1], ['small', 1]] as const) {
    const r = await samsa(d.dataDir, ['topic', 'create', name, '--partitions', String(partitions)])
    expect(r.code, r.stderr).toBe(0)
  }
  expect((await samsa(d.dataDir, ['topic', 'alter', 'small', '--config', 'max.message.bytes=2000'])).code).toBe(0)
  c = await KafkaTestClient.connect(port)
})

afterAll(async () => {
  c?.close()
  if (d) await stopDaemon(d)
  await cleanup()
})

const stripBaseOffset = (b: Buffer): string => b.subarray(8).toString('hex')

describe('ApiVersions', () => {
  it('v3 (librdkafka) and v0–v2 (kafkajs, fallbacks) list every API samsa answers, MinVersion 0, InitProducerId included', async () => {
    for (const version of [0, 1, 2, 3]) {
      const r = await c.request('ApiVersions', {clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2'}, version)
      expect(r.errorCode).toBe(0)
      const keys = r.apiKeys.map((k) => k.apiKey)
      expect(keys).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 32, 33, 36, 37, 42, 44])
      expect(r.apiKeys.every((k) => k.minVersion === 0)).toBe(true)
      // exactly what samsa answers: Produce 3, Fetch 4, ListOffsets 2, Metadata 4, OffsetCommit 3, OffsetFetch 3,
      // FindCoordinator 1, JoinGroup 2, Heartbeat 1, LeaveGroup 1, SyncGroup 1, DescribeGroups 1, ListGroups 1,
      // ApiVersions 3, CreateTopics 2, DeleteTopics 1, DeleteRecords 1, InitProducerId 1, DescribeConfigs 1,
      // CreatePartitions 1, DeleteGroups 1, IncrementalAlterConfigs 0, SaslHandshake 1, AlterConfigs 1,
      // SaslAuthenticate 2
      expect(r.apiKeys.map((k) => k.maxVersion)).toEqual([3, 4, 2, 4, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 1, 2, 1, 1, 0])
    }
  })

  it('a version above v3 gets UNSUPPORTED_VERSION in the v0 format, and the connection stays open', async () => {
    const client = await KafkaTestClient.connect(port)
    client.writeRaw(frame(18, 9, 4242)) // ApiVersions v9
    await waitFor(() => client.stray.length > 0, 10_000, 'the ApiVersions answer')
    const raw = client.stray[0]!
    expect(raw.readInt32BE(0)).toBe(4242) // correlation id, response header v0
    expect(raw.readInt16BE(4)).toBe(E.UNSUPPORTED_VERSION)
    const count = raw.readInt32BE(6) // a classic int32 array, as v0 has it
    const keys = Array.from({length: count}, (_, i) => raw.readInt16BE(10 + i * 6))
    expect(keys).toContain(18)
    expect(keys).toContain(22) // InitProducerId: idempotent producers
    expect((await client.request('Metadata', {topics: [], allowAutoTopicCreation: false})).brokers).toHaveLength(1)
    expect(client.closed).toBe(false)
    client.close()
  })

  it('without users, SASL needs no handshake: SaslHandshake and SaslAuthenticate are ILLEGAL_SASL_STATE (34), and the connection stays open', async () => {
    const client = await KafkaTestClient.connect(port)
    expect(await client.request('SaslHandshake', {mechanism: 'PLAIN'})).toEqual({errorCode: E.ILLEGAL_SASL_STATE, mechanisms: []})
    expect((await client.request('SaslAuthenticate', {authBytes: Buffer.from('\0a\0b')})).errorCode).toBe(E.ILLEGAL_SASL_STATE)
    expect((await client.request('Metadata', {topics: [], allowAutoTopicCreation: false})).brokers).toHaveLength(1)
    client.close()
  })
})

describe('Metadata', () => {
  it('one broker at the advertised address, itself the controller; every topic with its partitions; missing 3, illegal 17', async () => {
    const all = await c.request('Metadata', {topics: null, allowAutoTopicCreation: true})
    expect(all.brokers).toEqual([{nodeId: 1, host: '127.0.0.1', port, rack: null}])
    expect(all.controllerId).toBe(1)
    expect(all.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const data = all.topics.find((t) => t.name === 'data')!
    expect(data).toEqual({
      errorCode: 0,
      name: 'data',
      isInternal: false,
      partitions: [0, 1].map((i) => ({errorCode: 0, partitionIndex: i, leaderId: 1, replicaNodes: [1], isrNodes: [1]})),
    })
    const some = await c.request('Metadata', {topics: [{name: 'poll'}, {name: 'nope'}, {name: 'bad/name'}], allowAutoTopicCreation: true})
    expect(some.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
      ['poll', 0, 1],
      ['nope', E.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ['bad/name', E.INVALID_TOPIC_EXCEPTION, 0],
    ])
    // not auto-created, whatever the request says
    expect((await samsa(d.dataDir, ['topic', 'describe', 'nope'])).code).toBe(4)
    const none = await c.request('Metadata', {topics: [], allowAutoTopicCreation: false})
    expect(none.topics).toEqual([])
    const v0 = await c.request('Metadata', {topics: [], allowAutoTopicCreation: true}, 0) // v0: empty means all
    expect(v0.topics.map((t) => t.name)).toContain('data')
  })
})

describe('Produce and Fetch', () => {
  it('stores the batches as sent and serves them back byte for byte, with the high watermark as last stable offset', async () => {
    const b1 = batch(['one', 'two', 'three'], {keys: ['a', 'b', null]})
    const b2 = batch(['four'])
    const p1 = await c.request('Produce', produceBody('data', 1, b1))
    expect(p1).toEqual({responses: [{name: 'data', partitionResponses: [{index: 1, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1}]}], throttleTimeMs: 0})
    const p2 = await c.request('Produce', produceBody('data', 1, b2))
    expect(p2.responses[0]!.partitionResponses[0]!.baseOffset).toBe(3)

    const f = await c.request('Fetch', fetchBody([{topic: 'data', partition: 1, offset: 0}]))
    const part = f.responses[0]!.partitions[0]!
    expect(part).toMatchObject({partitionIndex: 1, errorCode: 0, highWatermark: 4, lastStableOffset: 4, abortedTransactions: []})
    const records = part.records!
    expect(records.length).toBe(b1.length + b2.length)
    expect(stripBaseOffset(records.subarray(0, b1.length))).toBe(stripBaseOffset(b1))
    expect(Number(records.readBigInt64BE(b1.length))).toBe(3)
    expect(stripBaseOffset(records.subarray(b1.length))).toBe(stripBaseOffset(b2))
    // limits below one batch still get the first batch whole (KIP-74: kafkajs never raises its limit)
    const tiny = fetchBody([{topic: 'data', partition: 1, offset: 1}])
    tiny.maxBytes = 1
    tiny.topics[0]!.partitions[0]!.partitionMaxBytes = 1
    const one = (await c.request('Fetch', tiny)).responses[0]!.partitions[0]!.records!
    expect(stripBaseOffset(one)).toBe(stripBaseOffset(b1)) // the batch holding offset 1, whole, and nothing more
  })

  it('at the end: empty records, never null; past it OFFSET_OUT_OF_RANGE; unknown partition 3 — each entry in request order, a topic listed twice answered twice', async () => {
    const f = await c.request('Fetch', {
      ...fetchBody([]),
      topics: [
        {topic: 'data', partitions: [{partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20}]},
        {topic: 'nope', partitions: [{partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20}]},
        {topic: 'data', partitions: [{partition: 1, fetchOffset: 99, partitionMaxBytes: 1 << 20}, {partition: 7, fetchOffset: 0, partitionMaxBytes: 1 << 20}]},
      ],
    })
    const flat = f.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.errorCode, p.highWatermark, p.records?.length ?? null]))
    expect(flat).toEqual([
      ['data', 0, 0, 0, 0],
      ['nope', 0, E.UNKNOWN_TOPIC_OR_PARTITION, -1, 0],
      ['data', 1, E.OFFSET_OUT_OF_RANGE, -1, 0],
      ['data', 7, E.UNKNOWN_TOPIC_OR_PARTITION, -1, 0],
    ])
  })

  it('refuses what Kafka refuses, per partition, echoing the request shape', async () => {
    const corrupt = batch(['x'])
    corrupt[corrupt.length - 1]! ^= 0xff // CRC no longer matches
    const badMagic = batch(['x'])
    badMagic[16] = 1
    const big = batch(['y'.repeat(5000)], {compression: 0})
    const r = await c.request('Produce', {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [
        {name: 'nope', partitionData: [{index: 0, records: batch(['x'])}]},
        {name: 'data', partitionData: [{index: 9, records: batch(['x'])}, {index: 0, records: corrupt}, {index: 0, records: badMagic}, {index: 0, records: null}, {index: 0, records: Buffer.alloc(0)}]},
        {name: '__consumer_offsets', partitionData: [{index: 0, records: batch(['x'])}]},
        {name: 'small', partitionData: [{index: 0, records: big}]},
        {name: 'no/such', partitionData: [{index: 0, records: batch(['x'])}]},
      ],
    })
    expect(r.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])])).toEqual([
      ['nope', [[0, E.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
      ['data', [[9, 3, -1], [0, E.CORRUPT_MESSAGE, -1], [0, E.CORRUPT_MESSAGE, -1], [0, E.CORRUPT_MESSAGE, -1], [0, E.CORRUPT_MESSAGE, -1]]],
      ['__consumer_offsets', [[0, E.INVALID_TOPIC_EXCEPTION, -1]]],
      ['small', [[0, E.MESSAGE_TOO_LARGE, -1]]],
      ['no/such', [[0, E.INVALID_TOPIC_EXCEPTION, -1]]],
    ])
    const txn = await c.request('Produce', {...produceBody('data', 0, batch(['x'])), transactionalId: 'tx-1'})
    expect(txn.responses[0]!.partitionResponses[0]!.errorCode).toBe(E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    const acks = await c.request('Produce', produceBody('data', 0, batch(['x']), 2))
    expect(acks.responses[0]!.partitionResponses[0]!.errorCode).toBe(E.INVALID_REQUIRED_ACKS)
    // nothing of that was appended
    const f = await c.request('Fetch', fetchBody([{topic: 'data', partition: 0, offset: 0}]))
    expect(f.responses[0]!.partitions[0]!.highWatermark).toBe(0)
    expect(c.closed).toBe(false)
  })

  it('acks=0 is answered with nothing; a failed acks=0 produce closes its connection (the producer notices)', async () => {
    const client = await KafkaTestClient.connect(port)
    client.send('Produce', produceBody('order', 0, batch(['silent']), 0))
    const after = await client.request('ListOffsets', {replicaId: -1, isolationLevel: 0, topics: [{name: 'order', partitions: [{partitionIndex: 0, timestamp: -1, maxNumOffsets: 1}]}]})
    expect(after.topics[0]!.partitions[0]!.offset).toBe(1) // appended, and answered in order after it
    expect(client.stray).toEqual([]) // no response to the acks=0 produce
    client.send('Produce', produceBody('nope', 0, batch(['lost']), 0))
    await client.closedPromise
    await waitFor(() => /closing the Kafka connection from 127\.0\.0\.1:\d+: an acks=0 produce failed: nope-0: topic/.test(d.output()), 5000, 'the log line')
    client.close()
  })

  it('a long poll waits for data (min_bytes, max_wait_ms) and wakes as soon as another client produces', async () => {
    const poller = await KafkaTestClient.connect(port)
    const started = Date.now()
    const polled = poller.request('Fetch', fetchBody([{topic: 'poll', partition: 0, offset: 0}], {maxWaitMs: 20_000, minBytes: 1}), undefined, 30_000)
    await new Promise((r) => setTimeout(r, 300))
    expect((await c.request('Produce', produceBody('poll', 0, batch(['wake'])))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
    const f = await polled
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(f.responses[0]!.partitions[0]!.highWatermark).toBe(1)
    expect(f.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0)
    // an expired long poll is an empty answer, never REQUEST_TIMED_OUT
    const empty = await poller.request('Fetch', fetchBody([{topic: 'poll', partition: 0, offset: 1}], {maxWaitMs: 200, minBytes: 1}))
    expect(empty.responses[0]!.partitions[0]).toMatchObject({errorCode: 0, highWatermark: 1})
    expect(empty.responses[0]!.partitions[0]!.records!.length).toBe(0)
    poller.close()
  })

  it('answers in request order: a Metadata behind a long poll waits for it; a read after a produce sees it', async () => {
    const client = await KafkaTestClient.connect(port)
    const hwm = (await client.request('ListOffsets', {replicaId: -1, isolationLevel: 0, topics: [{name: 'order', partitions: [{partitionIndex: 0, timestamp: -1, maxNumOffsets: 1}]}]})).topics[0]!.partitions[0]!.offset
    const ids = client.arrivals.length
    const poll = client.request('Fetch', fetchBody([{topic: 'order', partition: 0, offset: hwm}], {maxWaitMs: 800, minBytes: 1}))
    const meta = client.request('Metadata', {topics: [{name: 'order'}], allowAutoTopicCreation: false})
    await Promise.all([poll, meta])
    const [first, second] = client.arrivals.slice(ids)
    expect(first! < second!).toBe(true)
    // pipelined without waiting: produce, produce, then the offset — which counts both
    const p1 = client.request('Produce', produceBody('order', 0, batch(['a', 'b'])))
    const p2 = client.request('Produce', produceBody('order', 0, batch(['c'])))
    const lo = client.request('ListOffsets', {replicaId: -1, isolationLevel: 0, topics: [{name: 'order', partitions: [{partitionIndex: 0, timestamp: -1, maxNumOffsets: 1}]}]})
    const [r1, r2, l] = await Promise.all([p1, p2, lo])
    expect(r1.responses[0]!.partitionResponses[0]!.baseOffset).toBe(hwm)
    expect(r2.responses[0]!.partitionResponses[0]!.baseOffset).toBe(hwm + 2)
    expect(l.topics[0]!.partitions[0]!.offset).toBe(hwm + 3)
    const tail = client.arrivals.slice(-3)
    expect([...tail].sort((a, b) => a - b)).toEqual(tail)
    client.close()
  })
})

describe('ListOffsets', () => {
  it('latest, earliest and by time (v1+), the old-style array (v0), unknown partitions 3', async () => {
    const t0 = Date.now() - 60_000
    await c.request('Produce', produceBody('times', 0, batch(['old1', 'old2'], {timestamp: t0})))
    await c.request('Produce', produceBody('times', 0, batch(['new1'], {timestamp: t0 + 30_000})))
    const ask = (timestamp: number) => ({partitionIndex: 0, timestamp, maxNumOffsets: 1})
    const r = await c.request('ListOffsets', {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{name: 'times', partitions: [ask(-1), ask(-2), ask(t0 + 1), ask(t0 + 20_000), ask(Date.now() + 3_600_000)]}, {name: 'nope', partitions: [ask(-1)]}],
    })
    expect(r.topics[0]!.partitions.map((p) => [p.errorCode, p.offset, p.timestamp])).toEqual([
      [0, 3, -1],
      [0, 0, -1],
      [0, 1, t0 + 1], // the first record at or after t (batch() times its records t, t+1, …), with its time
      [0, 2, t0 + 30_000],
      [0, -1, -1],
    ])
    expect(r.topics[1]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION)
    const v0 = await c.request('ListOffsets', {replicaId: -1, isolationLevel: 0, topics: [{name: 'times', partitions: [ask(-1), ask(-2)]}]}, 0)
    expect(v0.topics[0]!.partitions.map((p) => p.oldStyleOffsets)).toEqual([[3], [0]])
  })
})
