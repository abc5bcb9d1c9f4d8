// kill -9 under load, several times in a row (README Guarantees, rule 1): a producer pipelines batches
// (acks=1 and acks=all mixed) while the daemon is killed; after each restart — with no manual step — every
// acknowledged record is present exactly once at the offset its acknowledgement named, and offsets run
// without gaps or reuse. The ledger of acknowledgements lives in this (test) process, which survives.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {decodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanupDirs, killAll, requireBuild, sleep, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {TestClient, lz4Batch} from './helpers.js'

beforeAll(requireBuild)
afterAll(() => {
  killAll()
  cleanupDirs()
})

const PARTITIONS = 2

async function readPartition(c: TestClient, partition: number): Promise<Map<number, string>> {
  const out = new Map<number, string>()
  let offset = 0
  for (;;) {
    const r = await c.request(ApiKey.Fetch, {partitions: [{topic: 'crash', partition, offset, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20})
    const p = r.body.partitions[0]
    expect(p.error).toBeUndefined()
    if (p.bytes === 0) return out
    for (let pos = 0; pos < r.raw.length; ) {
      const size = r.raw.readInt32BE(pos + 8) + 12
      for (const rec of decodeRecordBatch(r.raw.subarray(pos, pos + size)).records) {
        expect(out.has(rec.offset), `offset ${rec.offset} seen twice`).toBe(false)
        out.set(rec.offset, rec.value!.toString())
        offset = rec.offset + 1
      }
      pos += size
    }
  }
}

describe('kill -9 under load', () => {
  it('keeps every acknowledged record across repeated crashes', async () => {
    const dataDir = tempDir()
    const acked: {partition: number; baseOffset: number; values: string[]}[] = []
    let d = await spawnDaemon(dataDir)
    {
      const c = await TestClient.connect(d.socket)
      await c.request(ApiKey.CreateTopic, {name: 'crash', partitions: PARTITIONS, configs: {'segment.bytes': '65536'}, ifNotExists: false})
      c.close()
    }
    for (let round = 0; round < 4; round++) {
      const c = await TestClient.connect(d.socket)
      let stop = false
      let n = 0
      const lanes = Array.from({length: 8}, async (_, lane) => {
        while (!stop) {
          const i = n++
          const partition = i % PARTITIONS
          const values = Array.from({length: 20}, (_, j) => `r${round}-b${i}-${j}`)
          const batch = lz4Batch(20, `r${round}-b${i}-`)
          try {
            const r = await c.request(ApiKey.Produce, {topic: 'crash', partition, acks: lane % 2 === 0 ? 1 : -1, timeoutMs: 5000}, batch, 5000)
            if (r.body.error) throw new Error(r.body.error.message)
            acked.push({partition, baseOffset: r.body.baseOffset, values})
          } catch {
            return // the daemon died under us: an indeterminate send, allowed to be lost or present
          }
        }
      })
      await sleep(150 + round * 100)
      d.child.kill('SIGKILL')
      await d.exited
      stop = true
      await Promise.all(lanes)
      c.close()
      d = await spawnDaemon(dataDir)
      const v = await TestClient.connect(d.socket)
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const log = await readPartition(v, partition)
        const offsets = [...log.keys()]
        expect(offsets).toEqual(Array.from({length: offsets.length}, (_, i) => i)) // no gap, no reuse
        for (const a of acked.filter((x) => x.partition === partition)) {
          a.values.forEach((value, j) => expect(log.get(a.baseOffset + j), `round ${round} offset ${a.baseOffset + j}`).toBe(value))
        }
      }
      v.close()
    }
    expect(acked.length).toBeGreaterThan(50)
    expect(await stopDaemon(d)).toBe(0)
  }, 120_000)
})
