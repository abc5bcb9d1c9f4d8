// The broker core in-process, through its typed methods only — no socket, no control JSON — against a
// real WorkerPool (worker threads from dist/) and real partition logs in a temp directory: what a second
// front end (the Kafka listener) gets from it. Errors are SamsaErrors, thrown for a request or carried
// on a partition's entry; fetched records are the stored batch bytes, as views.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SamsaError} from '../../../src/errors.js'
import {Compression, lastOffsetOf, readBatchHeader} from '../../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch} from '../../../src/format/record-batch.js'
import {Broker} from '../../../src/engine/broker/broker.js'
import type {FetchContext, FetchedPartition} from '../../../src/engine/broker/fetcher.js'
import {OPERATIONS, fetchResponseBound} from '../../../src/engine/broker/operations.js'

const dirs: string[] = []
const lines: string[] = []
let broker: Broker

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-broker-'))
  dirs.push(dir)
  return dir
}

function startBroker(dataDir: string): Broker {
  return new Broker({dataDir, workers: 2, log: (line) => lines.push(line), retentionCheckMs: 60_000, tickMs: 1000})
}

function batch(values: string[], key: string | null = null): Buffer {
  return encodeRecordBatch(
    values.map((v, i) => ({key: key === null ? null : Buffer.from(key), value: Buffer.from(v), timestamp: 1_700_000_000_000 + i, headers: []})),
    {compression: Compression.Lz4},
  )
}

// The values from offset `from` on (a fetch starts at the batch holding it: earlier records are skipped).
function valuesOf(records: Buffer | null, from = 0): string[] {
  const out: string[] = []
  for (let pos = 0; records && pos < records.length; ) {
    const size = records.readInt32BE(pos + 8) + 12
    for (const r of decodeRecordBatch(records.subarray(pos, pos + size)).records) if (r.offset >= from) out.push(r.value!.toString())
    pos += size
  }
  return out
}

// A fetch asker that can go away, as a connection does.
function asker(): FetchContext & {close(): void} {
  const hooks = new Set<() => void>()
  const ctx = {
    closed: false,
    onClose(fn: () => void) {
      hooks.add(fn)
      return () => hooks.delete(fn)
    },
    close() {
      ctx.closed = true
      for (const fn of hooks) fn()
    },
  }
  return ctx
}

const fetchOne = (topic: string, offset: number, extra: {partition?: number; maxWaitMs?: number; minBytes?: number} = {}, ctx = asker()) =>
  broker
    .fetch({partitions: [{topic, partition: extra.partition ?? 0, offset, maxBytes: 1 << 20}], maxWaitMs: extra.maxWaitMs ?? 0, minBytes: extra.minBytes ?? 0, maxBytes: 4 << 20}, ctx)
    .then((r) => r[0]!)

beforeAll(async () => {
  broker = startBroker(tempDir())
  await broker.open()
})
afterAll(async () => {
  await broker?.close()
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

describe('Broker (typed, in-process, real workers)', () => {
  it('creates a topic, appends batches and fetches the stored bytes back', async () => {
    const {created, topic} = await broker.createTopic('orders', 2, new Map([['retention.ms', '3600000']]), {ifNotExists: false})
    expect(created).toBe(true)
    expect(topic.partitions.map((p) => [p.partition, p.worker, p.online])).toEqual([
      [0, 0, true],
      [1, 1, true],
    ])
    expect(topic.configs.find((c) => c.name === 'retention.ms')).toEqual({name: 'retention.ms', value: '3600000', isDefault: false})
    const first = await broker.produce('orders', 0, 1, batch(['a', 'b', 'c']), 0)
    expect([first.baseOffset, first.lastOffset]).toEqual([0, 2])
    const second = await broker.produce('orders', 0, -1, batch(['d']), 5000)
    expect([second.baseOffset, second.lastOffset]).toEqual([3, 3])

    const got = await fetchOne('orders', 0)
    expect(got.error).toBeUndefined()
    expect([got.highWatermark, got.logStartOffset]).toEqual([4, 0])
    expect(valuesOf(got.records)).toEqual(['a', 'b', 'c', 'd'])
    expect(lastOffsetOf(readBatchHeader(got.records!, 0))).toBe(2) // the broker assigned the offsets in place
    const again = await broker.createTopic('orders', 2, new Map(), {ifNotExists: true})
    expect(again.created).toBe(false)
  })

  it('answers a fetch of partitions on one worker from one buffer of views, in request order', async () => {
    await broker.createTopic('views', 3, new Map(), {ifNotExists: false}) // the second topic: partitions 0 and 2 on worker 1
    for (let p = 0; p < 3; p++) await broker.produce('views', p, 1, batch([`p${p}`]), 0)
    const parts = await broker.fetch(
      {partitions: [2, 0, 1].map((partition) => ({topic: 'views', partition, offset: 0, maxBytes: 1 << 20})), maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20},
      asker(),
    )
    expect(parts.map((p) => [p.partition, valuesOf(p.records)])).toEqual([
      [2, ['p2']],
      [0, ['p0']],
      [1, ['p1']],
    ])
    const [p2, p0] = parts as [FetchedPartition, FetchedPartition]
    expect(p2.records!.buffer).toBe(p0.records!.buffer) // the worker's one transferred buffer, not copies
  })

  it('reports errors as SamsaErrors: for the request, or on the partition they concern', async () => {
    const produce = await broker.produce('nope', 0, 1, batch(['x']), 0).catch((e: unknown) => e)
    expect(produce).toBeInstanceOf(SamsaError)
    expect((produce as SamsaError).code).toBe('UNKNOWN_TOPIC')
    const cases: [string, number, string][] = [
      ['orders', 7, 'UNKNOWN_PARTITION'],
      ['../x', 0, 'INVALID_TOPIC'],
      ['__consumer_offsets', 0, 'INVALID_TOPIC'],
    ]
    for (const [topic, partition, code] of cases) {
      const err = await broker.produce(topic, partition, 1, batch(['x']), 0).catch((e: SamsaError) => e)
      expect(err.code, `${topic}-${partition}`).toBe(code)
    }
    expect((await broker.produce('orders', 0, 1, Buffer.alloc(0), 0).catch((e: SamsaError) => e)).code).toBe('INVALID_REQUEST')
    const corrupt = batch(['x'])
    corrupt[corrupt.length - 1]! ^= 0xff
    expect((await broker.produce('orders', 1, 1, corrupt, 0).catch((e: SamsaError) => e)).code).toBe('CORRUPT_MESSAGE')

    const parts = await broker.fetch(
      {
        partitions: [
          {topic: 'nope', partition: 0, offset: 0, maxBytes: 100},
          {topic: 'orders', partition: 9, offset: 0, maxBytes: 100},
          {topic: 'orders', partition: 0, offset: 99, maxBytes: 100},
        ],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1000,
      },
      asker(),
    )
    expect(parts.map((p) => p.error instanceof SamsaError && p.error.code)).toEqual(['UNKNOWN_TOPIC', 'UNKNOWN_PARTITION', 'OFFSET_OUT_OF_RANGE'])
    const alter = await broker.alterTopic('orders', {set: new Map(), delete: [], partitions: 1}).catch((e: SamsaError) => e)
    expect([alter.code, alter.kafkaCode]).toEqual(['INVALID_PARTITIONS', 37]) // what a Kafka front end maps from
  })

  it('lists offsets and deletes records per partition', async () => {
    const listed = await broker.listOffsets([
      {topic: 'orders', partition: 0, timestamp: -2},
      {topic: 'orders', partition: 0, timestamp: -1},
      {topic: 'orders', partition: 0, timestamp: 1_700_000_000_001},
      {topic: 'gone', partition: 0, timestamp: -1},
    ])
    expect(listed.slice(0, 3).map((l) => l.offset)).toEqual([0, 4, 1])
    expect(listed[3]).toMatchObject({topic: 'gone', partition: 0, offset: -1, timestamp: -1})
    expect(listed[3]!.error?.code).toBe('UNKNOWN_TOPIC')
    const deleted = await broker.deleteRecords([
      {topic: 'orders', partition: 0, offset: 2},
      {topic: 'orders', partition: 0, offset: 99},
      {topic: '__consumer_offsets', partition: 0, offset: -1},
    ])
    expect(deleted[0]).toEqual({topic: 'orders', partition: 0, lowWatermark: 2})
    expect(deleted.slice(1).map((d) => d.error?.code)).toEqual(['OFFSET_OUT_OF_RANGE', 'INVALID_TOPIC'])
    expect((await fetchOne('orders', 0)).error?.code).toBe('OFFSET_OUT_OF_RANGE')
    expect(valuesOf((await fetchOne('orders', 2)).records, 2)).toEqual(['c', 'd'])
  })

  it('wakes a parked fetch with the appended bytes, and lets one whose asker left go at once', async () => {
    const end = (await broker.listOffsets([{topic: 'orders', partition: 1, timestamp: -1}]))[0]!.offset
    const waiting = fetchOne('orders', end, {partition: 1, maxWaitMs: 20_000, minBytes: 1})
    await new Promise((r) => setTimeout(r, 50))
    await broker.produce('orders', 1, 1, batch(['late']), 0)
    const woke = await waiting
    expect(valuesOf(woke.records)).toEqual(['late'])
    expect(woke.highWatermark).toBe(end + 1)

    const ctx = asker()
    const started = Date.now()
    const parked = fetchOne('orders', end + 1, {partition: 1, maxWaitMs: 20_000, minBytes: 1}, ctx)
    await new Promise((r) => setTimeout(r, 50))
    ctx.close()
    const left = await parked
    expect(left.records).toBeNull()
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('describes, lists and counts what it holds; appends to internal topics only for the daemon', async () => {
    const result = await broker.appendInternal('__consumer_offsets', 0, batch(['commit'], 'group')) // compacted: keyed
    expect(result.baseOffset).toBe(0)
    expect(valuesOf((await fetchOne('__consumer_offsets', 0)).records)).toEqual(['commit'])
    expect((await broker.appendInternal('orders', 0, batch(['x'])).catch((e: SamsaError) => e)).code).toBe('INTERNAL')
    const topics = await broker.listTopics()
    expect(topics.map((t) => [t.name, t.partitions, t.internal ?? false])).toEqual([
      ['__consumer_offsets', 1, true],
      ['orders', 2, false],
      ['views', 3, false],
    ])
    const status = await broker.status()
    expect([status.topics, status.partitions, status.workers.length]).toEqual([3, 6, 2])
    expect(status.workers.reduce((n, w) => n + w.partitions, 0)).toBe(6)
    const [described] = await broker.describeTopics(['views'])
    expect(described!.partitions.map((p) => p.logEndOffset)).toEqual([1, 1, 1])
    expect(broker.partitionCount('views')).toBe(3)
    expect(broker.partitionCount('nope')).toBeUndefined()
  })

  it('deletes a topic: a fetch parked on it answers, and the name is free again', async () => {
    await broker.createTopic('doomed', 1, new Map(), {ifNotExists: false})
    const parked = fetchOne('doomed', 0, {maxWaitMs: 20_000, minBytes: 1})
    await new Promise((r) => setTimeout(r, 50))
    expect(await broker.deleteTopic('doomed', {ifExists: false})).toBe(true)
    expect((await parked).error?.code).toBe('UNKNOWN_TOPIC')
    expect(await broker.deleteTopic('doomed', {ifExists: true})).toBe(false)
    expect((await broker.deleteTopic('doomed', {ifExists: false}).catch((e: SamsaError) => e)).code).toBe('UNKNOWN_TOPIC')
    expect((await broker.createTopic('doomed', 1, new Map(), {ifNotExists: false})).created).toBe(true)
  })

  it('reopens what it stored after a clean close', async () => {
    const dataDir = tempDir()
    const first = startBroker(dataDir)
    await first.open()
    await first.createTopic('kept', 1, new Map(), {ifNotExists: false})
    await first.produce('kept', 0, -1, batch(['one', 'two']), 0)
    await first.close()
    const second = startBroker(dataDir)
    try {
      await second.open()
      const [part] = await second.fetch({partitions: [{topic: 'kept', partition: 0, offset: 0, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20}, asker())
      expect(valuesOf(part!.records)).toEqual(['one', 'two'])
      expect(lines.some((l) => /opened 1 partition\(s\) of 1 topic\(s\): 1 clean/.test(l))).toBe(true)
    } finally {
      await second.close()
    }
  })
})

describe('operation traits', () => {
  it('marks what changes topics, offsets or the daemon as a barrier, and bounds a fetch reserve', () => {
    const barriers = Object.entries(OPERATIONS)
      .filter(([, t]) => t.barrier)
      .map(([name]) => name)
    expect(barriers).toEqual(['deleteRecords', 'createTopic', 'alterTopic', 'deleteTopic', 'commitOffsets', 'deleteGroup', 'shutdown'])
    expect([fetchResponseBound(1000), fetchResponseBound(1 << 30), fetchResponseBound(undefined), fetchResponseBound(-5)]).toEqual([1000, 8 << 20, 8 << 20, 0])
  })
})
