// Produce, Fetch, ListOffsets and DeleteRecords against a real daemon process, with LZ4 batches built by
// encodeRecordBatch: offsets, acks 0/1/all, long-poll wake-up and timeout, the first-batch-whole rule,
// the response byte limit, per-partition errors.
import {describe, expect, it} from 'vitest'
import {decodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import type {DaemonProcess} from '../support/index.js'
import {lz4Batch, sharedDaemon, TestClient} from './helpers.js'

let d: DaemonProcess
let c: TestClient

sharedDaemon((daemon, client) => {
  d = daemon
  c = client
})

let topicSeq = 0
async function topic(partitions = 1, configs: Record<string, string> = {}): Promise<string> {
  const name = `t${topicSeq++}`
  const r = await c.request(ApiKey.CreateTopic, {name, partitions, configs, ifNotExists: false})
  expect(r.body.error).toBeUndefined()
  return name
}

function produce(topicName: string, batch: Buffer, partition = 0, acks = 1) {
  return c.request(ApiKey.Produce, {topic: topicName, partition, acks, timeoutMs: 5000}, batch)
}

function fetch(parts: {topic: string; partition?: number; offset: number; maxBytes?: number}[], opts: {maxWaitMs?: number; minBytes?: number; maxBytes?: number} = {}, client = c) {
  return client.request(ApiKey.Fetch, {
    partitions: parts.map((p) => ({topic: p.topic, partition: p.partition ?? 0, offset: p.offset, maxBytes: p.maxBytes ?? 1 << 20})),
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 0,
    maxBytes: opts.maxBytes ?? 4 << 20,
  })
}

function batchesOf(raw: Buffer): {baseOffset: number; values: string[]; size: number}[] {
  const out = []
  let pos = 0
  while (pos < raw.length) {
    const size = raw.readInt32BE(pos + 8) + 12
    const {header, records} = decodeRecordBatch(raw.subarray(pos, pos + size))
    out.push({baseOffset: header.baseOffset, values: records.map((r) => r.value!.toString()), size})
    pos += size
  }
  return out
}

describe('produce and fetch', () => {
  it('round-trips LZ4 batches with offsets assigned by the daemon', async () => {
    const t = await topic()
    const a = await produce(t, lz4Batch(3, 'a'))
    expect(a.body).toMatchObject({baseOffset: 0, lastOffset: 2, logStartOffset: 0})
    // two batches in one request: appended together, in order
    const b = await produce(t, Buffer.concat([lz4Batch(2, 'b'), lz4Batch(4, 'c')]))
    expect(b.body).toMatchObject({baseOffset: 3, lastOffset: 8})
    const f = await fetch([{topic: t, offset: 0}])
    expect(f.body.partitions[0]).toMatchObject({topic: t, partition: 0, highWatermark: 9, logStartOffset: 0, bytes: f.raw.length})
    const batches = batchesOf(f.raw)
    expect(batches.map((x) => x.baseOffset)).toEqual([0, 3, 5])
    expect(batches.flatMap((x) => x.values)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'c0', 'c1', 'c2', 'c3'])
    // from the middle: the batch holding the offset comes whole
    const mid = await fetch([{topic: t, offset: 4}])
    expect(batchesOf(mid.raw)[0]!.baseOffset).toBe(3)
  })

  it('answers acks=all after the flush and sends nothing for acks=0', async () => {
    const t = await topic()
    const all = await produce(t, lz4Batch(5), 0, -1)
    expect(all.body).toMatchObject({baseOffset: 0, lastOffset: 4})
    const quiet = c.send(ApiKey.Produce, {topic: t, partition: 0, acks: 0, timeoutMs: 5000}, lz4Batch(5))
    const hello = await c.request(ApiKey.Hello, {client: 't'})
    expect(hello.body.pid).toBe(d.pid)
    expect(c.frames.find((f) => f.correlationId === quiet)).toBeUndefined()
    const off = await c.request(ApiKey.ListOffsets, {partitions: [{topic: t, partition: 0, timestamp: -1}]})
    expect(off.body.partitions[0].offset).toBe(10)
  })

  it('closes the connection when an acks=0 produce fails, after the replies already due, and logs why', async () => {
    const t = await topic()
    const producer = await TestClient.connect(d.socket)
    // pipelined: an acks=1 produce, then a corrupt acks=0 one
    const first = producer.request(ApiKey.Produce, {topic: t, partition: 0, acks: 1, timeoutMs: 5000}, lz4Batch(2))
    const corrupt = lz4Batch(3)
    corrupt[corrupt.length - 1]! ^= 0xff // breaks the CRC
    producer.send(ApiKey.Produce, {topic: t, partition: 0, acks: 0, timeoutMs: 5000}, corrupt)
    expect((await first).body).toMatchObject({baseOffset: 0, lastOffset: 1})
    await producer.closedPromise
    expect(producer.closed).toBe(true)
    expect(d.output()).toMatch(new RegExp(`closing a control connection: acks=0 produce to ${t}-0 failed: CORRUPT_MESSAGE: .*`))
    // an unknown partition with acks=0 closes the connection as well
    const other = await TestClient.connect(d.socket)
    other.send(ApiKey.Produce, {topic: t, partition: 7, acks: 0, timeoutMs: 5000}, lz4Batch(1))
    await other.closedPromise
    expect(d.output()).toMatch(new RegExp(`acks=0 produce to ${t}-7 failed: UNKNOWN_PARTITION`))
    // the daemon and other connections carry on; nothing of the failed produces was stored
    const off = await c.request(ApiKey.ListOffsets, {partitions: [{topic: t, partition: 0, timestamp: -1}]})
    expect(off.body.partitions[0].offset).toBe(2)
  })

  it('long-polls: a parked fetch wakes on produce, and returns empty after maxWait', async () => {
    const t = await topic()
    const consumer = await TestClient.connect(d.socket)
    const started = Date.now()
    const parked = fetch([{topic: t, offset: 0}], {maxWaitMs: 10_000, minBytes: 1}, consumer)
    await new Promise((r) => setTimeout(r, 200))
    const sentAt = Date.now()
    await produce(t, lz4Batch(1, 'wake'))
    const r = await parked
    expect(Date.now() - sentAt).toBeLessThan(1000)
    expect(batchesOf(r.raw)[0]!.values).toEqual(['wake0'])
    expect(Date.now() - started).toBeLessThan(5000)
    const t0 = Date.now()
    const empty = await fetch([{topic: t, offset: 1}], {maxWaitMs: 300, minBytes: 1}, consumer)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    expect(empty.body.partitions[0]).toMatchObject({bytes: 0, highWatermark: 1})
    expect(empty.raw.length).toBe(0)
    consumer.close()
  })

  it('wakes a long-poll on any of its partitions, and a parked fetch does not hold up later requests', async () => {
    const t = await topic(3)
    const parked = fetch([0, 1, 2].map((p) => ({topic: t, partition: p, offset: 0})), {maxWaitMs: 10_000, minBytes: 1})
    const st = await c.request(ApiKey.Status, {}) // answered while the fetch is parked
    expect(st.body.pid).toBe(d.pid)
    await produce(t, lz4Batch(2, 'p2-'), 2)
    const r = await parked
    expect(r.body.partitions.map((p: {bytes: number}) => p.bytes > 0)).toEqual([false, false, true])
  })

  it('answers a tailing consumer from the last append as a plain read would: bytes, limits, log start', async () => {
    const t = await topic(2)
    const consumer = await TestClient.connect(d.socket)
    const follow = (offsets: [number, number], opts: {partitionMaxBytes?: number} = {}) =>
      fetch([0, 1].map((p) => ({topic: t, partition: p, offset: offsets[p as 0 | 1], maxBytes: opts.partitionMaxBytes})), {maxWaitMs: 10_000, minBytes: 1}, consumer)
    const settle = () => new Promise((r) => setTimeout(r, 100)) // the fetch is parked by then
    // parked at the end of both partitions, woken by an append to partition 1
    let parked = follow([0, 0])
    await settle()
    await produce(t, lz4Batch(3, 'a'), 1)
    let r = await parked
    expect(r.body.partitions.map((p: {bytes: number; highWatermark: number}) => [p.bytes > 0, p.highWatermark])).toEqual([[false, 0], [true, 3]])
    const plain = await fetch([{topic: t, partition: 1, offset: 0}])
    expect(r.raw.equals(plain.raw)).toBe(true) // offsets assigned, as stored
    // two batches in one request, at the end of partition 1: both, from the offset asked for
    parked = follow([0, 3])
    await settle()
    await produce(t, Buffer.concat([lz4Batch(2, 'b'), lz4Batch(2, 'c')]), 1)
    r = await parked
    expect(batchesOf(r.raw).map((b) => [b.baseOffset, b.values])).toEqual([[3, ['b0', 'b1']], [5, ['c0', 'c1']]])
    expect(r.body.partitions[1]).toMatchObject({highWatermark: 7, logStartOffset: 0})
    // the same again with a partition limit of a few bytes: the first batch only (whole), then the second
    parked = follow([0, 7], {partitionMaxBytes: 10})
    await settle()
    await produce(t, Buffer.concat([lz4Batch(2, 'd'), lz4Batch(2, 'e')]), 1)
    r = await parked
    expect(batchesOf(r.raw).map((b) => b.values)).toEqual([['d0', 'd1']])
    r = await follow([0, 9])
    expect(batchesOf(r.raw).map((b) => [b.baseOffset, b.values])).toEqual([[9, ['e0', 'e1']]])
    // records deleted past the last append: a fetch there is out of range, not answered from the append
    const del = await c.request(ApiKey.DeleteRecords, {partitions: [{topic: t, partition: 1, offset: 11}]})
    expect(del.body.partitions[0]).toMatchObject({lowWatermark: 11})
    r = await fetch([{topic: t, partition: 1, offset: 7}], {maxWaitMs: 1000, minBytes: 1}, consumer)
    expect(r.body.partitions[0].error.code).toBe('OFFSET_OUT_OF_RANGE')
    consumer.close()
  })

  it('returns the first batch whole even beyond maxBytes, then only whole batches within the limits', async () => {
    const t = await topic(2)
    for (let i = 0; i < 3; i++) await produce(t, lz4Batch(20, `big${i}-`, 100), 0)
    await produce(t, lz4Batch(20, 'other-', 100), 1)
    const one = await fetch([{topic: t, offset: 0, maxBytes: 10}])
    const sizes = batchesOf(one.raw).map((b) => b.size)
    expect(sizes).toHaveLength(1)
    expect(one.body.partitions[0].bytes).toBe(sizes[0])
    // the response limit: partition 0 fills it, partition 1 gets nothing (not even a first batch)
    const limited = await fetch([{topic: t, partition: 0, offset: 0}, {topic: t, partition: 1, offset: 0}], {maxBytes: sizes[0]! + 10})
    expect(limited.body.partitions.map((p: {bytes: number}) => p.bytes)).toEqual([sizes[0], 0])
    // offset at the high watermark: empty, no error; beyond it: OFFSET_OUT_OF_RANGE for that partition only
    const edge = await fetch([{topic: t, partition: 1, offset: 20}, {topic: t, partition: 1, offset: 21}, {topic: t, partition: 0, offset: 0}])
    expect(edge.body.partitions[0]).toMatchObject({bytes: 0, highWatermark: 20})
    expect(edge.body.partitions[0].error).toBeUndefined()
    expect(edge.body.partitions[1].error.code).toBe('OFFSET_OUT_OF_RANGE')
    expect(edge.body.partitions[2].bytes).toBeGreaterThan(0)
  })

  it('reports unknown topics and partitions per partition', async () => {
    const t = await topic(1)
    const r = await fetch([{topic: 'no-such-topic', offset: 0}, {topic: t, partition: 7, offset: 0}, {topic: '../x', offset: 0}])
    expect(r.body.partitions.map((p: {error: {code: string}}) => p.error.code)).toEqual(['UNKNOWN_TOPIC', 'UNKNOWN_PARTITION', 'INVALID_TOPIC'])
    const p = await produce('no-such-topic', lz4Batch(1))
    expect(p.body.error.code).toBe('UNKNOWN_TOPIC')
    const q = await produce(t, lz4Batch(1), 3)
    expect(q.body.error.code).toBe('UNKNOWN_PARTITION')
  })

  it('lists offsets (latest, earliest, by timestamp) and deletes records', async () => {
    const t = await topic()
    const base = Date.now() + 1_000_000
    const {encodeRecordBatch} = await import('../../src/format/record-batch.js')
    for (let i = 0; i < 4; i++) {
      const batch = encodeRecordBatch(
        Array.from({length: 5}, (_, j) => ({key: null, value: Buffer.from(`v${i * 5 + j}`), timestamp: base + (i * 5 + j) * 10, headers: []})),
      )
      await produce(t, batch)
    }
    const q = (timestamp: number) => c.request(ApiKey.ListOffsets, {partitions: [{topic: t, partition: 0, timestamp}]})
    expect((await q(-1)).body.partitions[0]).toMatchObject({offset: 20})
    expect((await q(-2)).body.partitions[0]).toMatchObject({offset: 0})
    expect((await q(base + 70)).body.partitions[0]).toMatchObject({offset: 7, timestamp: base + 70})
    expect((await q(base + 10_000)).body.partitions[0]).toMatchObject({offset: -1, timestamp: -1})
    const del = await c.request(ApiKey.DeleteRecords, {partitions: [{topic: t, partition: 0, offset: 12}, {topic: 'nope', partition: 0, offset: 1}]})
    expect(del.body.partitions[0]).toMatchObject({topic: t, partition: 0, lowWatermark: 12})
    expect(del.body.partitions[1].error.code).toBe('UNKNOWN_TOPIC')
    expect((await q(-2)).body.partitions[0]).toMatchObject({offset: 12})
    const gone = await fetch([{topic: t, offset: 0}])
    expect(gone.body.partitions[0].error.code).toBe('OFFSET_OUT_OF_RANGE')
    const past = await c.request(ApiKey.DeleteRecords, {partitions: [{topic: t, partition: 0, offset: 99}]})
    expect(past.body.partitions[0].error.code).toBe('OFFSET_OUT_OF_RANGE')
    const toEnd = await c.request(ApiKey.DeleteRecords, {partitions: [{topic: t, partition: 0, offset: -1}]})
    expect(toEnd.body.partitions[0].lowWatermark).toBe(20)
  })

  it('refuses a batch larger than max.message.bytes, and an empty produce', async () => {
    const t = await topic(1, {'max.message.bytes': '200'})
    const r = await produce(t, lz4Batch(50, 'x', 100))
    expect(r.body.error.code).toBe('MESSAGE_TOO_LARGE')
    expect(r.body.error.message).toMatch(/max\.message\.bytes=200/)
    const empty = await c.request(ApiKey.Produce, {topic: t, partition: 0, acks: 1, timeoutMs: 1000})
    expect(empty.body.error.code).toBe('INVALID_REQUEST')
    const badAcks = await c.request(ApiKey.Produce, {topic: t, partition: 0, acks: 2, timeoutMs: 1000}, lz4Batch(1))
    expect(badAcks.body.error.code).toBe('INVALID_REQUEST')
  })

  it('keeps produce order for pipelined requests to one partition', async () => {
    const t = await topic()
    const replies = await Promise.all(Array.from({length: 50}, (_, i) => produce(t, lz4Batch(2, `o${i}-`))))
    expect(replies.map((r) => r.body.baseOffset)).toEqual(Array.from({length: 50}, (_, i) => i * 2))
  })
})
