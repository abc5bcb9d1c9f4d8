// The client library against a real daemon (dist/engine/main.js) in a temp directory: pipelining on one
// connection, the raw record API, typed errors, and what a lost connection looks like.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LocalClient, connect} from '../../../src/client/local/local-client.js'
import {Connection} from '../../../src/client/local/connection.js'
import {Compression} from '../../../src/format/batch-header.js'
import {RecordBatchBuilder} from '../../../src/format/record-batch.js'
import {SamsaError} from '../../../src/errors.js'
import {ApiKey, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP} from '../../../src/protocol/control/messages.js'
import {daemonPaths} from '../../../src/protocol/control/data-dir-layout.js'

const MAIN = fileURLToPath(new URL('../../../dist/engine/main.js', import.meta.url))

let dataDir = ''
let daemon: ChildProcess | null = null
let client: LocalClient

function startDaemon(): ChildProcess {
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir, '--workers', '2'], {stdio: 'ignore'})
  return child
}

async function connectWhenReady(): Promise<LocalClient> {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      return await connect({dataDir, autostart: false})
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

function batchOf(values: string[]): Buffer {
  const b = new RecordBatchBuilder({compression: Compression.Lz4})
  for (const v of values) b.append(Buffer.from(v), null, Date.now()) // a fixed past time would meet retention
  return b.build()
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'samsa-client-'))
  daemon = startDaemon()
  client = await connectWhenReady()
})

afterAll(async () => {
  await client?.close()
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL')
  if (dataDir) rmSync(dataDir, {recursive: true, force: true})
})

describe('client against a real daemon', () => {
  it('Hello names the daemon and its data directory', () => {
    expect(client.daemon.pid).toBe(daemon!.pid)
    expect(client.daemon.dataDir).toBe(dataDir)
  })

  it('pipelines 200 produce requests on one connection; offsets are contiguous and fetch returns the bytes', async () => {
    await client.admin.createTopic('pipe', {partitions: 2})
    const batches = Array.from({length: 200}, (_, i) => batchOf([`r${i}-a`, `r${i}-b`, `r${i}-c`]))
    const acks = await Promise.all(batches.map((b, i) => client.records.produce('pipe', i % 2, b, 1)))
    for (const p of [0, 1]) {
      const mine = acks.filter((_, i) => i % 2 === p).map((a) => [a!.baseOffset, a!.lastOffset])
      // one partition's requests are answered in the order they were sent
      expect(mine).toEqual(Array.from({length: 100}, (_, k) => [3 * k, 3 * k + 2]))
    }
    const r = await client.records.fetch({
      partitions: [
        {topic: 'pipe', partition: 0, offset: 0, maxBytes: 1 << 20},
        {topic: 'pipe', partition: 1, offset: 0, maxBytes: 1 << 20},
      ],
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 4 << 20,
    })
    expect(r.partitions.map((p) => [p.partition, p.highWatermark])).toEqual([[0, 300], [1, 300]])
    // stored bytes are the produced batches with the base offset set (bytes 0..7; the CRC does not cover it)
    const p0 = r.partitions[0]!.records
    const sent = batches.filter((_, i) => i % 2 === 0)
    expect(p0.length).toBe(sent.reduce((n, b) => n + b.length, 0))
    let pos = 0
    sent.forEach((b, k) => {
      const stored = p0.subarray(pos, pos + b.length)
      expect(stored.readBigInt64BE(0)).toBe(BigInt(3 * k))
      expect(stored.subarray(8).equals(b.subarray(8))).toBe(true)
      pos += b.length
    })
  })

  it('acks=0 gets no answer, yet the batch is appended', async () => {
    await client.admin.createTopic('fire')
    expect(await client.records.produce('fire', 0, batchOf(['x']), 0)).toBeNull()
    const ack = await client.records.produce('fire', 0, batchOf(['y']), 1)
    expect(ack!.baseOffset).toBe(1)
  })

  it('long-poll fetch at the log end wakes when a batch arrives', async () => {
    await client.admin.createTopic('poll')
    const other = await connect({dataDir, autostart: false})
    try {
      const started = Date.now()
      const waiting = other.records.fetch({partitions: [{topic: 'poll', partition: 0, offset: 0, maxBytes: 65536}], maxWaitMs: 5000, minBytes: 1, maxBytes: 65536})
      await new Promise((r) => setTimeout(r, 100))
      await client.records.produce('poll', 0, batchOf(['wake']), 1)
      const r = await waiting
      expect(r.partitions[0]!.records.length).toBeGreaterThan(0)
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      await other.close()
    }
  })

  it('listOffsets and deleteRecords', async () => {
    await client.admin.createTopic('offs')
    for (let i = 0; i < 3; i++) await client.records.produce('offs', 0, batchOf(['a', 'b']), 1)
    const [latest, earliest] = await client.admin.listOffsets([
      {topic: 'offs', partition: 0, timestamp: LATEST_TIMESTAMP},
      {topic: 'offs', partition: 0, timestamp: EARLIEST_TIMESTAMP},
    ])
    expect(latest!.offset).toBe(6)
    expect(earliest!.offset).toBe(0)
    const [del] = await client.admin.deleteRecords([{topic: 'offs', partition: 0, offset: 4}])
    expect(del!.error).toBeUndefined()
    expect(del!.lowWatermark).toBeGreaterThanOrEqual(0)
  })

  it('typed errors: unknown topic, existing topic, bad partition, offset out of range', async () => {
    const produce = await client.records.produce('no-such-topic', 0, batchOf(['x']), 1).catch((e) => e)
    expect(produce).toBeInstanceOf(SamsaError)
    expect(produce.code).toBe('UNKNOWN_TOPIC')

    await client.admin.createTopic('dup')
    const dup = await client.admin.createTopic('dup').catch((e) => e)
    expect(dup.code).toBe('TOPIC_EXISTS')
    expect(dup.exitCode).toBe(5)
    expect((await client.admin.createTopic('dup', {ifNotExists: true})).created).toBe(false)

    const part = await client.records.produce('dup', 7, batchOf(['x']), 1).catch((e) => e)
    expect(['UNKNOWN_PARTITION', 'UNKNOWN_TOPIC']).toContain(part.code)

    const r = await client.records.fetch({partitions: [{topic: 'dup', partition: 0, offset: 99, maxBytes: 1024}], maxWaitMs: 0, minBytes: 1, maxBytes: 1024})
    expect(r.partitions[0]!.error?.code).toBe('OFFSET_OUT_OF_RANGE')
    expect(r.partitions[0]!.records.length).toBe(0)

    const corrupt = batchOf(['x'])
    corrupt[corrupt.length - 1]! ^= 0xff
    const bad = await client.records.produce('dup', 0, corrupt, 1).catch((e) => e)
    expect(bad.code).toBe('CORRUPT_MESSAGE')
  })

  it('the daemon refuses a bad name sent past the client check, creating nothing', async () => {
    const conn = await Connection.open(daemonPaths(dataDir).socket)
    try {
      await conn.request(ApiKey.Hello, {client: 'test'})
      for (const name of ['../x', 'a/b', 'nul\u0000x', '', '..', 'x'.repeat(250)]) {
        const err = await conn.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false}).catch((e) => e)
        expect(err, JSON.stringify(name)).toBeInstanceOf(SamsaError)
        expect(err.code).toBe('INVALID_TOPIC')
      }
    } finally {
      conn.destroy()
    }
    expect(readdirSync(join(dataDir, '..')).filter((e) => e === 'x-0')).toEqual([])
    expect(readdirSync(dataDir).filter((e) => e.includes('x-0') || e.startsWith('nul'))).toEqual([])
  })

  it('a daemon killed with -9 fails in-flight requests with DAEMON_UNAVAILABLE; a restarted one is reached again', async () => {
    await client.admin.createTopic('lost')
    const waiting = client.records
      .fetch({partitions: [{topic: 'lost', partition: 0, offset: 0, maxBytes: 1024}], maxWaitMs: 10_000, minBytes: 1, maxBytes: 1024})
      .catch((e) => e)
    await new Promise((r) => setTimeout(r, 100))
    daemon!.kill('SIGKILL')
    const err = await waiting
    expect(err).toBeInstanceOf(SamsaError)
    expect(err.code).toBe('DAEMON_UNAVAILABLE')
    expect(err.retriable).toBe(true)
    daemon = startDaemon()
    // the client dials again by itself (auto-start is off: it retries with backoff while the daemon starts)
    const topics = await client.admin.listTopics()
    expect(topics.map((t) => t.name)).toContain('lost')
    expect(client.daemon.pid).toBe(daemon.pid)
  })
})
