// Crash at each failpoint (README Guarantees; the points: storage/failpoints.ts): a real daemon armed to
// kill itself (SIGKILL, as kill -9) at one named durability boundary, under the work that crosses it —
// pipelined produce (acks=1 and acks=all), group offset commits, topic creation. After each crash `samsa
// log verify` finds nothing wrong, and a restarted daemon serves every acknowledged record exactly once at
// the offset its acknowledgement named, accepts new records right after them, and keeps every
// acknowledged commit. Compaction and retention points: crash-at-compaction.test.ts; crashes during
// recovery and compound faults: crash-in-recovery.test.ts.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {Ledger, armedDaemon, expectVerifyClean, keyedBatch, killedAt, readPartition, type Rule} from './helpers.js'

beforeAll(requireBuild)
afterAll(cleanup)

const TOPIC_CONFIG = {'segment.bytes': '4096'} // rolls every few batches: a roll's fsyncs and snapshots too

/** Produces from 4 pipelined lanes (acks 1 and all) until the daemon dies; the ledger keeps what was acknowledged. */
async function produceUntilKilled(c: TestClient, ledger: Ledger, topic: string): Promise<void> {
  let n = 0
  const lanes = [1, -1, 1, -1].map(async (acks) => {
    while (!c.closed) {
      const ok = await ledger.produce(c, topic, `b${n++}-`, 10, acks as 1 | -1)
      if (!ok && !c.closed) await new Promise((r) => setTimeout(r, 10))
      if (n > 10_000) throw new Error('the failpoint never fired')
    }
  })
  await Promise.all(lanes)
}

/** Restart without failpoints: every acknowledged record once at its offset, offsets 0.. without a hole, produce resumes after them. */
async function expectIntactAfterRestart(dataDir: string, ledger: Ledger, topic: string): Promise<void> {
  expectVerifyClean(dataDir, 'after the crash')
  const d = await spawnDaemon(dataDir, {workers: 1})
  const c = await TestClient.connect(d.socket)
  const stored = await readPartition(c, topic)
  ledger.check(stored)
  expect(stored.map((s) => s.offset)).toEqual(stored.map((_, i) => i)) // no gap, no reuse
  const next = await c.request(ApiKey.Produce, {topic, partition: 0, acks: -1, timeoutMs: 5000}, keyedBatch(3, 'after-'))
  expect(next.body.baseOffset).toBe(stored.length)
  c.close()
  expect(await stopDaemon(d)).toBe(0)
  expectVerifyClean(dataDir, 'after the restart')
}

describe('crash at each produce-path failpoint', () => {
  const cases: Array<[string, Rule]> = [
    ['before-write', {point: 'before-write', action: 'kill', topic: 't', after: 6}],
    ['after-write', {point: 'after-write', action: 'kill', topic: 't', after: 6}],
    ['before-fsync', {point: 'before-fsync', action: 'kill', topic: 't', after: 3}],
    ['after-fsync', {point: 'after-fsync', action: 'kill', topic: 't', after: 3}],
    ['after-write-before-ack', {point: 'after-write-before-ack', action: 'kill', topic: 't', after: 6}],
    ['before-ack', {point: 'before-ack', action: 'kill', topic: 't', after: 6}],
    ['checkpoint-tmp-written (recovery point)', {point: 'checkpoint-tmp-written', action: 'kill', topic: 't', pathPattern: 'recovery-point', after: 2}],
    ['checkpoint-before-rename (producer snapshot or recovery point)', {point: 'checkpoint-before-rename', action: 'kill', topic: 't', after: 3}],
    ['checkpoint-after-rename (recovery point)', {point: 'checkpoint-after-rename', action: 'kill', topic: 't', pathPattern: 'recovery-point', after: 2}],
  ]
  for (const [name, rule] of cases) {
    it(`${name}: verify clean, every acknowledged record once, produce resumes`, async () => {
      const dataDir = tempDir()
      const d = await armedDaemon(dataDir, [rule])
      const c = await TestClient.connect(d.socket)
      const created = await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: TOPIC_CONFIG, ifNotExists: false})
      expect(created.body.error).toBeUndefined()
      const ledger = new Ledger()
      await produceUntilKilled(c, ledger, 't')
      await killedAt(d, rule.point!)
      expect(ledger.acked.size).toBeGreaterThan(0)
      await expectIntactAfterRestart(dataDir, ledger, 't')
    })
  }
})

describe('crash while committing group offsets', () => {
  for (const point of ['before-write', 'before-ack']) {
    it(`${point} on __consumer_offsets: the last acknowledged commit or the one in flight, nothing else`, async () => {
      const dataDir = tempDir()
      const d = await armedDaemon(dataDir, [{point, action: 'kill', topic: '__consumer_offsets', after: 2}])
      const c = await TestClient.connect(d.socket)
      await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: {}, ifNotExists: false})
      const acked: number[] = []
      for (const offset of [10, 20, 30, 40]) {
        const r = await c.request(ApiKey.OffsetCommit, {group: 'g', offsets: [{topic: 't', partition: 0, offset}]}).catch(() => null)
        if (r === null) break
        expect(r.body.partitions[0].error).toBeUndefined()
        acked.push(offset)
      }
      await killedAt(d, point)
      expect(acked).toEqual([10, 20]) // the third commit is the one the point stopped
      expectVerifyClean(dataDir, 'after the crash')
      const again = await spawnDaemon(dataDir, {workers: 1})
      const c2 = await TestClient.connect(again.socket)
      const fetched = await c2.request(ApiKey.OffsetFetch, {group: 'g', partitions: [{topic: 't', partition: 0}]})
      expect([20, 30]).toContain(fetched.body.offsets[0].offset)
      const r = await c2.request(ApiKey.OffsetCommit, {group: 'g', offsets: [{topic: 't', partition: 0, offset: 50}]})
      expect(r.body.partitions[0].error).toBeUndefined()
      c2.close()
      expect(await stopDaemon(again)).toBe(0)
    })
  }
})

describe('crash while the catalog is written', () => {
  for (const point of ['checkpoint-tmp-written', 'checkpoint-after-rename']) {
    it(`${point} on catalog.json: the topic being created exists whole or not at all; the others are intact`, async () => {
      const dataDir = tempDir()
      const d = await armedDaemon(dataDir, [{point, action: 'kill', pathPattern: 'catalog\\.json', after: 1}])
      const c = await TestClient.connect(d.socket)
      expect((await c.request(ApiKey.CreateTopic, {name: 'a', partitions: 1, configs: {}, ifNotExists: false})).body.error).toBeUndefined()
      const ledger = new Ledger()
      expect(await ledger.produce(c, 'a', 'v', 5, -1)).toBe(true)
      await c.request(ApiKey.CreateTopic, {name: 'b', partitions: 2, configs: {}, ifNotExists: false}).catch(() => null)
      await killedAt(d, point)
      expectVerifyClean(dataDir, 'after the crash')
      const again = await spawnDaemon(dataDir, {workers: 1})
      const c2 = await TestClient.connect(again.socket)
      const names = (await c2.request(ApiKey.ListTopics, {})).body.topics.map((t: {name: string}) => t.name).filter((n: string) => !n.startsWith('__'))
      expect([['a'], ['a', 'b']]).toContainEqual(names)
      ledger.check(await readPartition(c2, 'a'))
      const b = await c2.request(ApiKey.CreateTopic, {name: 'b', partitions: 2, configs: {}, ifNotExists: true}) // whole either way
      expect(b.body.error).toBeUndefined()
      expect(b.body.topic.partitions).toHaveLength(2)
      c2.close()
      expect(await stopDaemon(again)).toBe(0)
    })
  }
})
