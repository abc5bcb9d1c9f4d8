// Hostile clients on the Kafka listener (README Guarantees, rule 7): size prefixes of 2 GiB, negative and
// above the cap, a stalled partial frame, an array count of 2^31, a request of too many elements, corrupt
// batches, unknown API keys and versions, a client that stops reading. Each gets Kafka's error or a closed
// connection and one log line; the daemon's memory stays flat; other clients go on. The daemon is a real
// process (fixtures/limited-daemon.mjs) with a 1.5 s frame deadline instead of 30 s.
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {encodeRecordBatch} from '../../../src/format/record-batch.js'
import {encodeRequest, KafkaErrorCode as E} from '../../../src/protocol/kafka/index.js'
import {cleanup, requireBuild, ROOT, samsa, sleep, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../../support/index.js'
import {rssKb} from '../helpers.js'
import {batch, fetchBody, frame, KafkaTestClient, produceBody, rawExchange} from './helpers.js'

let d: DaemonProcess
let port: number

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {
    main: join(ROOT, 'test', 'engine', 'fixtures', 'limited-daemon.mjs'),
    kafka: true,
    env: {SAMSA_TEST_KAFKA_LIMITS: JSON.stringify({partialFrameTimeoutMs: 1500})},
  })
  port = d.kafkaPort()
  for (const name of ['h', 'slow']) expect((await samsa(d.dataDir, ['topic', 'create', name])).code).toBe(0)
})

afterAll(async () => {
  if (d) await stopDaemon(d)
  await cleanup()
})

async function stillServing(): Promise<void> {
  const other = await KafkaTestClient.connect(port)
  const r = await other.request('Metadata', {topics: [{name: 'h'}], allowAutoTopicCreation: false})
  expect(r.topics[0]!.errorCode).toBe(0)
  other.close()
}

function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeUInt32BE(size >>> 0, 0)
  return b
}

// A Produce v3 request whose topic count is patched to `count` (kafka-protocol.md §3.2 layout).
function produceWithTopicCount(count: number): Buffer {
  const bytes = Buffer.concat(encodeRequest('Produce', {apiVersion: 3, correlationId: 7, clientId: 'x'}, produceBody('h', 0, batch(['a']))))
  // size 4 | key 2 | version 2 | corr 4 | client_id 2+1 | transactional_id 2 | acks 2 | timeout 4 → topic count at 23
  bytes.writeInt32BE(count, 23)
  return bytes
}

describe('hostile Kafka clients', () => {
  it('closes a connection whose size prefix is 2 GiB, negative or above 100 MiB, before allocating, and serves others', async () => {
    for (const size of [0x7fffffff, 0x80000000, 0xffffffff, 100 * 1024 * 1024 + 1]) {
      const r = await rawExchange(port, sizePrefix(size))
      expect(r.closed, `size ${size}`).toBe(true)
      expect(r.data.length).toBe(0)
    }
    await stillServing()
    expect(d.output()).toMatch(/closing the Kafka connection from 127\.0\.0\.1:\d+: frame of 2147483647 bytes exceeds the 104857600-byte limit/)
    expect(d.output()).toMatch(/frame size -2147483648 is negative/)
    expect(d.output()).toMatch(/frame size -1 is negative/)
  })

  it('closes a connection whose frame stalls half-way past the frame deadline', async () => {
    const started = Date.now()
    const whole = Buffer.concat(encodeRequest('Metadata', {apiVersion: 4, correlationId: 1, clientId: 'slowloris'}, {topics: null, allowAutoTopicCreation: false}))
    const r = await rawExchange(port, whole.subarray(0, 10), 20_000)
    expect(r.closed).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
    expect(d.output()).toMatch(/a frame was not complete 1500 ms after the daemon began reading it \(6 of \d+ bytes\)/)
    // the same request sent slowly but whole within the deadline is answered
    const ok = await KafkaTestClient.connect(port)
    const answered = new Promise<void>((resolve) => ok.socket.once('data', () => resolve()))
    for (let i = 0; i < whole.length; i += 4) {
      ok.writeRaw(whole.subarray(i, i + 4))
      await sleep(20)
    }
    await answered
    ok.close()
  })

  it('closes on an array count of 2^31-1 or of -2, and on a request of more than 100 000 array elements', async () => {
    for (const count of [0x7fffffff, -2]) {
      const r = await rawExchange(port, produceWithTopicCount(count))
      expect(r.closed, `count ${count}`).toBe(true)
      expect(r.data.length).toBe(0)
    }
    expect(d.output()).toMatch(/Produce v3 request: topicData: array count 2147483647 needs at least \d+ bytes but only \d+ remain/)
    expect(d.output()).toMatch(/topicData: array count -2 is negative/)
    // 150 000 partitions in 3 MB: every count is honest, the sum is not something to build in memory
    const many = fetchBody([])
    many.topics = [{topic: 'h', partitions: Array.from({length: 150_000}, (_, i) => ({partition: i, fetchOffset: 0, partitionMaxBytes: 1}))}]
    const r = await rawExchange(port, Buffer.concat(encodeRequest('Fetch', {apiVersion: 4, correlationId: 1, clientId: 'x'}, many)))
    expect(r.closed).toBe(true)
    expect(d.output()).toMatch(/Fetch v4 request: .*more than 100000 array elements/)
    await stillServing()
  })

  it('closes on an unknown API key, an unsupported version, or an API it does not offer (InitProducerId); others go on', async () => {
    for (const [key, version, why] of [
      [999, 0, /unknown API key 999 \(version 0\)/],
      [0, 9, /Produce v9 is not supported \(samsa speaks v0–v3\)/],
      [22, 1, /InitProducerId is not offered by this broker/],
    ] as const) {
      const body = key === 22 ? Buffer.from([0xff, 0xff, 0, 0, 0x27, 0x10]) : Buffer.alloc(0) // InitProducerId: null id, timeout
      const r = await rawExchange(port, frame(key, version, 5, body))
      expect(r.closed, `key ${key} v${version}`).toBe(true)
      expect(r.data.length).toBe(0)
      expect(d.output()).toMatch(why)
    }
    await stillServing()
  })

  it('answers corrupt batches with CORRUPT_MESSAGE on a connection that stays open, appending nothing', async () => {
    const c = await KafkaTestClient.connect(port)
    const good = () => batch(['c'.repeat(40), 'd'.repeat(40)])
    const badCrc = good()
    badCrc[badCrc.length - 1]! ^= 0xff
    const count = good()
    count.writeInt32BE(5, 57) // recordsCount lies
    const truncated = good().subarray(0, 40)
    const lengthLie = good()
    lengthLie.writeInt32BE(1 << 30, 8)
    for (const b of [badCrc, count, truncated, lengthLie, randomBytes(200)]) {
      const r = await c.request('Produce', produceBody('h', 0, b))
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(E.CORRUPT_MESSAGE)
    }
    const lo = await c.request('ListOffsets', {replicaId: -1, isolationLevel: 0, topics: [{name: 'h', partitions: [{partitionIndex: 0, timestamp: -1, maxNumOffsets: 1}]}]})
    expect(lo.topics[0]!.partitions[0]!.offset).toBe(0)
    expect(c.closed).toBe(false)
    c.close()
  })

  it('keeps its memory flat under rounds of hostile input', async () => {
    const round = async (): Promise<void> => {
      const c = await KafkaTestClient.connect(port)
      const bad = batch(['x'])
      bad[bad.length - 1]! ^= 0xff
      await Promise.all(Array.from({length: 300}, () => c.request('Produce', produceBody('h', 0, bad))))
      c.close()
      await Promise.all([
        ...Array.from({length: 10}, () => rawExchange(port, sizePrefix(0x7ffffff0))),
        ...Array.from({length: 10}, () => rawExchange(port, produceWithTopicCount(0x7fffffff))),
        ...Array.from({length: 10}, () => rawExchange(port, frame(999, 0, 1))),
        ...Array.from({length: 10}, () => rawExchange(port, randomBytes(4096))),
      ])
    }
    await round() // warm up: JIT, pools, first allocations
    await sleep(200)
    const before = rssKb(d.pid)
    for (let i = 0; i < 5; i++) await round()
    await sleep(500)
    const after = rssKb(d.pid)
    expect(after - before, `RSS ${before} kB → ${after} kB`).toBeLessThan(64 * 1024)
    await stillServing()
  })

  it('does not grow without bound for a client that stops reading big fetch responses', async () => {
    const c = await KafkaTestClient.connect(port)
    for (let i = 0; i < 48; i++) {
      const recs = Array.from({length: 80}, () => ({key: null, value: randomBytes(8000), timestamp: Date.now(), headers: []}))
      expect((await c.request('Produce', produceBody('slow', 0, encodeRecordBatch(recs)))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0)
    }
    c.close()
    await sleep(200)
    const before = rssKb(d.pid)
    const reader = await KafkaTestClient.connect(port)
    reader.socket.pause() // never reads
    const big = {...fetchBody([{topic: 'slow', partition: 0, offset: 0}]), maxBytes: 8 << 20}
    big.topics[0]!.partitions[0]!.partitionMaxBytes = 8 << 20
    for (let i = 0; i < 200; i++) reader.send('Fetch', big)
    await sleep(1500)
    const during = rssKb(d.pid)
    // unbounded, 200 responses of 8 MiB would be 1.6 GB queued in the daemon
    expect(during - before, `RSS ${before} kB → ${during} kB`).toBeLessThan(128 * 1024)
    await stillServing()
    reader.close()
  })
})

describe('half-received Kafka frames and the daemon-wide frame budget', () => {
  // One budget for both front ends (6 MiB here): three clients each stall inside a 5 MiB Kafka frame. Only
  // one fits at a time, so they are read one after another, each closed at its deadline counted from when
  // its frame was let in; meanwhile small requests on either front end are answered at once.
  it('lets one big frame in at a time, closes each at its deadline, and keeps serving small requests', async () => {
    const daemon = await spawnDaemon(tempDir(), {
      main: join(ROOT, 'test', 'engine', 'fixtures', 'limited-daemon.mjs'),
      kafka: true,
      workers: 1,
      env: {SAMSA_TEST_LIMITS: JSON.stringify({maxPendingFrameBytes: 6 << 20}), SAMSA_TEST_KAFKA_LIMITS: JSON.stringify({partialFrameTimeoutMs: 2000})},
    })
    try {
      const kafkaPort = daemon.kafkaPort()
      const big = Buffer.concat(encodeRequest('Produce', {apiVersion: 3, correlationId: 1, clientId: 'x'}, produceBody('h', 0, Buffer.alloc(5 << 20))))
      const started = Date.now()
      const closedAt = await Promise.all(
        Array.from({length: 3}, async () => {
          const r = await rawExchange(kafkaPort, big.subarray(0, big.length - 1024), 30_000)
          expect(r.closed).toBe(true)
          return Date.now() - started
        }).concat([
          (async () => {
            await sleep(500)
            const c = await KafkaTestClient.connect(kafkaPort)
            expect((await c.request('ApiVersions', {clientSoftwareName: '', clientSoftwareVersion: ''})).errorCode).toBe(0)
            c.close()
            expect((await samsa(daemon.dataDir, ['topic', 'list'])).code).toBe(0)
            return -1
          })(),
        ]),
      )
      const times = closedAt.filter((t) => t >= 0).sort((a, b) => a - b)
      expect(times[0]).toBeGreaterThanOrEqual(1800)
      expect(times[1]! - times[0]!, `closed at ${times.join(', ')} ms`).toBeGreaterThanOrEqual(1500)
      expect(times[2]! - times[1]!, `closed at ${times.join(', ')} ms`).toBeGreaterThanOrEqual(1500)
      expect(daemon.output().match(/a frame was not complete 2000 ms after the daemon began reading it/g)).toHaveLength(3)
    } finally {
      await stopDaemon(daemon)
    }
  })
})
