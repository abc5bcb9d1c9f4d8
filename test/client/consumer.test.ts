// Consumer against an in-memory log: position resolution, skipping records before the position inside a
// fetched batch, --until, stop after --count, partitions that end, OFFSET_OUT_OF_RANGE after retention,
// and a batch that fails this client's CRC check (the daemon checks too; this is the client's own net).
import {describe, expect, it} from 'vitest'
import {Consumer} from '../../src/client/consumer.js'
import {parseOffsetSpec} from '../../src/client/offset-spec.js'
import type {AdminApi, FetchRequest, RecordApi} from '../../src/client/types.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {SamsaError} from '../../src/errors.js'

// Each partition: batches of 3 records; record i has value `p<part>-<i>` and timestamp 1000 + i*10.
function fakeLog(partitions: number, records: number, logStart = 0, corrupt?: {partition: number; base: number}, failFetches = new Set<number>()) {
  const batches = Array.from({length: partitions}, (_, part) => {
    const out: {base: number; bytes: Buffer}[] = []
    for (let base = 0; base < records; base += 3) {
      const n = Math.min(3, records - base)
      const recs = Array.from({length: n}, (_, j) => ({key: null, value: Buffer.from(`p${part}-${base + j}`), timestamp: 1000 + (base + j) * 10, headers: []}))
      const bytes = encodeRecordBatch(recs, {baseOffset: base})
      if (corrupt?.partition === part && corrupt.base === base) bytes[bytes.length - 2] ^= 1 // inside the CRC's range
      out.push({base, bytes})
    }
    return out
  })
  const fetches: FetchRequest[] = []
  const records_: RecordApi = {
    produce: () => Promise.reject(new Error('unused')),
    async fetch(req) {
      fetches.push(req)
      // the connection lost on these fetches (counted from 1), as a daemon restart would
      if (failFetches.has(fetches.length)) throw new SamsaError('DAEMON_UNAVAILABLE', 'the connection to the samsa daemon was lost')
      return {
        partitions: req.partitions.map((p) => {
          const meta = {topic: p.topic, partition: p.partition, highWatermark: records, logStartOffset: logStart}
          if (p.offset < logStart) {
            return {...meta, bytes: 0, records: Buffer.alloc(0), error: {code: 'OFFSET_OUT_OF_RANGE' as const, message: 'gone', retriable: false}}
          }
          const bs = batches[p.partition].filter((b) => b.base + 3 > p.offset).slice(0, 2) // at most 2 batches per fetch
          const bytes = Buffer.concat(bs.map((b) => b.bytes))
          return {...meta, bytes: bytes.length, records: bytes}
        }),
      }
    },
  }
  const admin = {
    async describeTopics(names: string[]) {
      return names.filter((n) => n === 't').map((name) => ({name, configs: [], partitions: Array.from({length: partitions}, (_, partition) => ({partition}))}))
    },
    async listOffsets(ps: {topic: string; partition: number; timestamp: number}[]) {
      return ps.map((p) => ({
        ...p,
        offset: p.timestamp === -2 ? logStart : p.timestamp === -1 ? records : Math.max(logStart, Math.ceil((p.timestamp - 1000) / 10)),
        timestamp: -1,
      }))
    },
  } as unknown as AdminApi
  return {client: {records: records_, admin}, fetches}
}

async function readAll(c: Consumer, stopAfter = Infinity): Promise<string[]> {
  const out: string[] = []
  while (!c.done) await c.poll((_c, r) => out.push(r.value!.toString()) >= stopAfter)
  return out
}

describe('Consumer', () => {
  it('reads every partition from the beginning to the end snapshot, then is done', async () => {
    const f = fakeLog(2, 10)
    const c = await Consumer.open(f.client, {topics: ['t']})
    const got = await readAll(c)
    expect(got.filter((v) => v.startsWith('p0'))).toEqual(Array.from({length: 10}, (_, i) => `p0-${i}`))
    expect(got.filter((v) => v.startsWith('p1'))).toEqual(Array.from({length: 10}, (_, i) => `p1-${i}`))
    expect(c.assignments.map((a) => a.position)).toEqual([10, 10])
  })

  it('skips records before the position inside the first fetched batch; --until is exclusive', async () => {
    const f = fakeLog(1, 20)
    const c = await Consumer.open(f.client, {topics: ['t'], from: parseOffsetSpec('4'), until: parseOffsetSpec('11')})
    expect(await readAll(c)).toEqual(['p0-4', 'p0-5', 'p0-6', 'p0-7', 'p0-8', 'p0-9', 'p0-10'])
  })

  it('-N, by time, and a partition subset', async () => {
    const f = fakeLog(3, 10)
    const last = await Consumer.open(f.client, {topics: ['t'], from: parseOffsetSpec('-2'), partitions: [2]})
    expect(await readAll(last)).toEqual(['p2-8', 'p2-9'])
    const byTime = await Consumer.open(f.client, {topics: ['t'], from: {kind: 'time', timestamp: 1075}, partitions: [0]})
    expect(await readAll(byTime)).toEqual(['p0-8', 'p0-9'])
    await expect(Consumer.open(f.client, {topics: ['nope']})).rejects.toMatchObject({code: 'UNKNOWN_TOPIC'})
    await expect(Consumer.open(f.client, {topics: ['t'], partitions: [3]})).rejects.toMatchObject({code: 'UNKNOWN_PARTITION'})
  })

  it('stopping after a record leaves that partition positioned right after it', async () => {
    const f = fakeLog(1, 10)
    const c = await Consumer.open(f.client, {topics: ['t']})
    expect(await readAll(c, 5)).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4'])
    expect(c.assignments[0].position).toBe(5)
  })

  it('prefetches the next fetch while records wait on the daemon, not once caught up (it would only long-poll)', async () => {
    const f = fakeLog(1, 12)
    const c = await Consumer.open(f.client, {topics: ['t'], follow: true})
    const seen: string[] = []
    const visit = (_c: unknown, r: {value: Buffer | null}): void => {
      seen.push(r.value!.toString())
    }
    await c.poll(visit) // offsets 0..5 of 12: more waits, so the next fetch is already out
    expect(f.fetches.map((r) => r.partitions[0].offset)).toEqual([0, 6])
    await c.poll(visit) // 6..11: caught up, nothing more is asked until the next poll()
    expect(f.fetches.map((r) => r.partitions[0].offset)).toEqual([0, 6])
    expect(seen).toEqual(Array.from({length: 12}, (_, i) => `p0-${i}`))
    const next = c.poll(visit)
    expect(f.fetches.map((r) => r.partitions[0].offset)).toEqual([0, 6, 12])
    c.stop()
    await next
  })

  it('a position deleted by retention jumps to the log start, with a warning', async () => {
    const f = fakeLog(1, 12, 6)
    const warnings: string[] = []
    const c = await Consumer.open(f.client, {topics: ['t'], onWarning: (w) => warnings.push(w)})
    c.assignments[0].position = 2 // as if it had been resolved before retention ran
    expect(await readAll(c)).toEqual(['p0-6', 'p0-7', 'p0-8', 'p0-9', 'p0-10', 'p0-11'])
    expect(warnings[0]).toMatch(/offsets 2\.\.5 were deleted/)
  })

  it('a batch failing the CRC check stops its partition there; the other partitions are read to the end', async () => {
    const f = fakeLog(2, 12, 0, {partition: 0, base: 6})
    const c = await Consumer.open(f.client, {topics: ['t']})
    const got = await readAll(c)
    expect(got.filter((v) => v.startsWith('p0'))).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p0-4', 'p0-5'])
    expect(got.filter((v) => v.startsWith('p1'))).toEqual(Array.from({length: 12}, (_, i) => `p1-${i}`))
    expect(c.failure).toBe(c.assignments[0])
    expect(c.failure).toMatchObject({position: 6, nextOffset: 9, error: {code: 'CORRUPT_LOG', message: expect.stringMatching(/^t-0: offset 6 is in a corrupt record batch \(CRC mismatch/)}})
    expect(c.assignments[1].error).toBeNull()
  })

  it('a lost connection: with reconnectTimeoutMs the fetch goes again from the same positions, nothing read twice', async () => {
    const f = fakeLog(2, 24, 0, undefined, new Set([2, 3, 5]))
    const c = await Consumer.open(f.client, {topics: ['t'], follow: true, until: parseOffsetSpec('24'), reconnectTimeoutMs: 10_000})
    const got = await readAll(c)
    expect(got.filter((v) => v.startsWith('p0'))).toEqual(Array.from({length: 24}, (_, i) => `p0-${i}`))
    expect(got.filter((v) => v.startsWith('p1'))).toEqual(Array.from({length: 24}, (_, i) => `p1-${i}`))
    // each failed fetch (the 2nd, 3rd and 5th) was asked again with the offsets it had asked for
    expect(f.fetches.length).toBeGreaterThanOrEqual(6)
    for (const n of [2, 3, 5]) expect(f.fetches[n]!.partitions).toEqual(f.fetches[n - 1]!.partitions)

    const plain = await Consumer.open(fakeLog(1, 12, 0, undefined, new Set([2])).client, {topics: ['t'], follow: true})
    await expect(readAll(plain)).rejects.toMatchObject({code: 'DAEMON_UNAVAILABLE'})
  })
})
