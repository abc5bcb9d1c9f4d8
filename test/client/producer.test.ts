// Producer against an in-memory RecordApi: ordering per partition, one request in flight per partition,
// batching, linger, report tags, failure, backpressure.
import {describe, expect, it} from 'vitest'
import {Producer, type ProduceAck} from '../../src/client/producer.js'
import type {AdminApi, RecordApi} from '../../src/client/types.js'
import {readBatchHeader} from '../../src/format/batch-header.js'
import {forEachRecord} from '../../src/format/record-batch.js'
import {SamsaError} from '../../src/errors.js'

interface Call {
  topic: string
  partition: number
  raw: Buffer
  resolve: () => void
  reject: (e: Error) => void
}

function fake(options: {auto?: boolean} = {}) {
  const logs = new Map<number, string[]>()
  const calls: Call[] = []
  let inFlight = new Map<number, number>()
  let maxInFlightPerPartition = 0
  const records: RecordApi = {
    produce(topic, partition, batches) {
      const raw = Buffer.from(batches)
      inFlight.set(partition, (inFlight.get(partition) ?? 0) + 1)
      maxInFlightPerPartition = Math.max(maxInFlightPerPartition, inFlight.get(partition)!)
      return new Promise((resolve, reject) => {
        const call: Call = {
          topic,
          partition,
          raw,
          resolve: () => {
            inFlight.set(partition, inFlight.get(partition)! - 1)
            const log = logs.get(partition) ?? []
            const base = log.length
            let pos = 0
            while (pos < raw.length) {
              const h = forEachRecord(raw, (r) => log.push(r.value!.toString()), {pos})
              pos += h.batchLength + 12
            }
            logs.set(partition, log)
            resolve({baseOffset: base, lastOffset: log.length - 1, logAppendTime: -1, logStartOffset: 0})
          },
          reject: (e) => {
            inFlight.set(partition, inFlight.get(partition)! - 1)
            reject(e)
          },
        }
        calls.push(call)
        if (options.auto) setImmediate(() => call.resolve())
      })
    },
    fetch: () => Promise.reject(new Error('unused')),
    initProducerId: () => Promise.resolve({producerId: 42, producerEpoch: 0}),
  }
  const admin = {describeTopic: async (name: string) => ({name, partitions: [{partition: 0}, {partition: 1}], configs: []})} as unknown as AdminApi
  return {client: {records, admin}, logs, calls, maxInFlight: () => maxInFlightPerPartition}
}

/** [producerId, epoch, baseSequence, records] of each batch in a request. */
function stamps(raw: Buffer): number[][] {
  const out: number[][] = []
  for (let pos = 0; pos < raw.length; pos += raw.readInt32BE(pos + 8) + 12) {
    const h = readBatchHeader(raw, pos)
    out.push([h.producerId, h.producerEpoch, h.baseSequence, h.recordsCount])
  }
  return out
}

const B = (s: string) => Buffer.from(s)

describe('Producer', () => {
  it('keeps order per partition with one request in flight per partition, batching what waits', async () => {
    const f = fake({auto: true})
    const p = new Producer(f.client, {batchBytes: 200})
    p.addTopic({name: 't', partitions: 3, maxMessageBytes: 1_000_000})
    for (let i = 0; i < 500; i++) p.append('t', B(`v${i}`), null, undefined, -1, i % 3)
    await p.flush()
    expect(f.maxInFlight()).toBe(1)
    for (let part = 0; part < 3; part++) {
      const want = Array.from({length: 500}, (_, i) => i).filter((i) => i % 3 === part).map((i) => `v${i}`)
      expect(f.logs.get(part)).toEqual(want)
    }
    expect(p.acknowledged).toBe(500)
    // several batches went in one request while the previous one was in flight
    expect(f.calls.length).toBeLessThan(500 / 3)
  })

  it('reports tags in offset order per acknowledged request', async () => {
    const f = fake({auto: true})
    const acks: ProduceAck[] = []
    const p = new Producer(f.client, {trackTags: true, onAck: (a) => acks.push(a), batchBytes: 50})
    p.addTopic({name: 't', partitions: 1, maxMessageBytes: 1_000_000})
    for (let i = 0; i < 20; i++) p.append('t', B(`v${i}`), null, undefined, -1, -1, i)
    await p.flush()
    const tags = acks.flatMap((a) => a.tags!.map((t, i) => [a.baseOffset + i, t]))
    expect(tags).toEqual(Array.from({length: 20}, (_, i) => [i, i]))
  })

  it('linger 0 sends a lone record at once; a busy partition keeps filling until the ack', async () => {
    const f = fake()
    const p = new Producer(f.client)
    p.addTopic({name: 't', partitions: 1, maxMessageBytes: 1_000_000})
    p.append('t', B('first'))
    await Promise.resolve()
    expect(f.calls).toHaveLength(1)
    for (let i = 0; i < 10; i++) p.append('t', B(`more${i}`))
    await new Promise((r) => setTimeout(r, 5))
    expect(f.calls).toHaveLength(1) // still waiting for the first ack: the open batch grows
    f.calls[0].resolve()
    await new Promise((r) => setTimeout(r, 0))
    expect(f.calls).toHaveLength(2)
    let n = 0
    forEachRecord(f.calls[1].raw, () => n++)
    expect(n).toBe(10)
    f.calls[1].resolve()
    await p.flush()
  })

  it('--linger-ms holds a batch open', async () => {
    const f = fake({auto: true})
    const p = new Producer(f.client, {lingerMs: 30})
    p.addTopic({name: 't', partitions: 1, maxMessageBytes: 1_000_000})
    p.append('t', B('a'))
    await new Promise((r) => setTimeout(r, 5))
    p.append('t', B('b'))
    expect(f.calls).toHaveLength(0)
    await new Promise((r) => setTimeout(r, 60))
    expect(f.calls).toHaveLength(1)
    await p.flush()
  })

  it('a failed request fails the producer: later appends throw, flush rejects after in-flight requests settle', async () => {
    const f = fake()
    const p = new Producer(f.client)
    p.addTopic({name: 't', partitions: 2, maxMessageBytes: 1_000_000})
    p.append('t', B('a'), null, undefined, -1, 0)
    p.append('t', B('b'), null, undefined, -1, 1)
    await Promise.resolve()
    expect(f.calls).toHaveLength(2)
    f.calls[0].reject(new SamsaError('DAEMON_UNAVAILABLE', 'gone'))
    await new Promise((r) => setTimeout(r, 0))
    expect(() => p.append('t', B('c'))).toThrow('gone')
    const flushed = p.flush().catch((e) => e)
    f.calls[1].resolve()
    const err = await flushed
    expect(err).toBeInstanceOf(SamsaError)
    expect(p.acknowledged).toBe(1)
  })

  it('refuses records that can never fit max.message.bytes, and unknown partitions', () => {
    const p = new Producer(fake().client)
    p.addTopic({name: 't', partitions: 2, maxMessageBytes: 1000})
    expect(() => p.append('t', Buffer.alloc(2000))).toThrow(expect.objectContaining({code: 'MESSAGE_TOO_LARGE'}))
    expect(() => p.append('t', B('x'), null, undefined, -1, 2)).toThrow(expect.objectContaining({code: 'UNKNOWN_PARTITION'}))
  })

  it('bounds buffered bytes: ready goes false and whenReady resolves once acks drain it', async () => {
    const f = fake()
    const p = new Producer(f.client, {maxBufferedBytes: 10_000, batchBytes: 1000, compression: 'none'})
    p.addTopic({name: 't', partitions: 1, maxMessageBytes: 1_000_000})
    while (p.ready) p.append('t', Buffer.alloc(100, 0x61))
    let resolved = false
    const ready = p.whenReady().then(() => (resolved = true))
    await new Promise((r) => setTimeout(r, 5))
    expect(resolved).toBe(false)
    while (f.calls.some((c) => c)) {
      const c = f.calls.shift()!
      c.resolve()
      await new Promise((r) => setTimeout(r, 0))
      if (resolved) break
    }
    await ready
    expect(resolved).toBe(true)
    p.abort()
  })
})

describe('idempotent Producer', () => {
  it('stamps every batch with its producer id and a sequence per partition, at most 5 batches a request', async () => {
    const f = fake()
    const p = new Producer(f.client, {idempotent: true, batchBytes: 40, compression: 'none'})
    await p.prepare('t')
    expect(p.producerIdentity).toEqual({producerId: 42, producerEpoch: 0})
    p.append('t', B('first'), null, undefined, -1, 0)
    await Promise.resolve()
    for (let i = 0; i < 30; i++) p.append('t', B(`v${i}`), null, undefined, -1, 0)
    p.append('t', B('other'), null, undefined, -1, 1)
    await Promise.resolve()
    const flushed = p.flush()
    const requests: number[][][] = [[], []]
    for (let i = 0; i < 50 && p.acknowledged < p.appended; i++) {
      for (const c of f.calls.splice(0)) {
        requests[c.partition]!.push(stamps(c.raw))
        c.resolve()
      }
      await new Promise((r) => setTimeout(r, 0))
    }
    await flushed
    expect(f.logs.get(0)).toEqual(['first', ...Array.from({length: 30}, (_, i) => `v${i}`)])
    expect(f.logs.get(1)).toEqual(['other'])
    expect(requests[1]).toEqual([[[42, 0, 0, 1]]])
    // partition 0: several batches queued behind the first request, sent 5 at most per request, sequences
    // following each other from 0
    expect(Math.max(...requests[0]!.map((r) => r.length))).toBe(5)
    let next = 0
    for (const batch of requests[0]!.flat()) {
      expect(batch.slice(0, 3)).toEqual([42, 0, next])
      next += batch[3]!
    }
    expect(next).toBe(31)
  })

  it("a backend that takes one batch a request (Kafka's brokers) gets them one at a time, in order", async () => {
    const f = fake()
    const client = {...f.client, records: {...f.client.records, maxBatchesPerProduce: 1}}
    const p = new Producer(client, {idempotent: true, batchBytes: 40, compression: 'none'})
    await p.prepare('t')
    p.append('t', B('first'), null, undefined, -1, 0)
    await Promise.resolve()
    for (let i = 0; i < 30; i++) p.append('t', B(`v${i}`), null, undefined, -1, 0)
    const flushed = p.flush()
    const requests: number[][][] = []
    for (let i = 0; i < 100 && p.acknowledged < p.appended; i++) {
      for (const c of f.calls.splice(0)) {
        requests.push(stamps(c.raw))
        c.resolve()
      }
      await new Promise((r) => setTimeout(r, 0))
    }
    await flushed
    expect(f.logs.get(0)).toEqual(['first', ...Array.from({length: 30}, (_, i) => `v${i}`)])
    expect(requests.length).toBeGreaterThan(2)
    expect(requests.every((r) => r.length === 1)).toBe(true)
    let next = 0
    for (const [batch] of requests) {
      expect(batch!.slice(0, 3)).toEqual([42, 0, next])
      next += batch![3]!
    }
    expect(next).toBe(31)
  })

  it('a request that fails with a lost connection is sent again, the same bytes, until acknowledged', async () => {
    const f = fake()
    const p = new Producer(f.client, {idempotent: true, retryTimeoutMs: 10_000})
    await p.prepare('t')
    p.append('t', B('a'), null, undefined, -1, 0)
    await Promise.resolve()
    const first = f.calls.shift()!
    expect(stamps(first.raw)).toEqual([[42, 0, 0, 1]])
    p.append('t', B('b'), null, undefined, -1, 0) // waits behind the one in flight
    first.reject(new SamsaError('DAEMON_UNAVAILABLE', 'the connection to the samsa daemon was lost'))
    await new Promise((r) => setTimeout(r, 0))
    expect(p.retrying()).toEqual({records: 1, partitions: [{topic: 't', partition: 0}]})
    await new Promise((r) => setTimeout(r, 100))
    const again = f.calls.shift()!
    expect(again.raw.equals(first.raw)).toBe(true) // same producer id, same sequence numbers
    again.resolve()
    await new Promise((r) => setTimeout(r, 0))
    const next = f.calls.shift()!
    expect(stamps(next.raw)).toEqual([[42, 0, 1, 1]])
    next.resolve()
    await p.flush()
    expect(f.logs.get(0)).toEqual(['a', 'b'])
    expect(p.failed).toBeNull()
  })

  it('gives up once the outage outlasts retryTimeoutMs; a producer that is not idempotent never retries', async () => {
    const f = fake()
    const p = new Producer(f.client, {idempotent: true, retryTimeoutMs: 150})
    await p.prepare('t')
    const failed = p.whenFailed()
    p.append('t', B('a'), null, undefined, -1, 0)
    const lost = () => new SamsaError('DAEMON_UNAVAILABLE', 'gone')
    const deadline = Date.now() + 5000
    while (!p.failed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5))
      for (const c of f.calls.splice(0)) c.reject(lost())
    }
    expect((await failed).code).toBe('DAEMON_UNAVAILABLE')
    await expect(p.flush()).rejects.toMatchObject({code: 'DAEMON_UNAVAILABLE'})

    const g = fake()
    const plain = new Producer(g.client, {retryTimeoutMs: 10_000})
    await plain.prepare('t')
    plain.append('t', B('a'), null, undefined, -1, 0)
    await Promise.resolve()
    expect(stamps(g.calls[0]!.raw)).toEqual([[-1, -1, -1, 1]])
    g.calls.shift()!.reject(lost())
    await expect(plain.flush()).rejects.toMatchObject({code: 'DAEMON_UNAVAILABLE'})
  })
})
