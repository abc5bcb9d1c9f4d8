// Crash at each step of a compaction swap and of a segment deletion (README Guarantees; the points:
// storage/failpoints.ts; the protocol: storage/segment-swap.ts, storage/log-deletion.ts). A prepared data
// directory is copied for each case; a daemon armed to kill itself at one step is asked to compact (or to
// delete records), dies there, and after `samsa log verify` finds nothing wrong a restarted daemon serves
// exactly the log before the operation or exactly the log after it — never a mix, never a key's latest
// value lost — and says which one the protocol promises for that step.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {armedDaemon, copyDataDir, expectVerifyClean, keyedBatch, killedAt, prepareCompacted, produceAcked, readPartition, type Rule, type Stored} from './helpers.js'

beforeAll(requireBuild)
afterAll(cleanup)

/** Arms `rule`, runs `operation` (which the kill interrupts), restarts clean, and returns the log it serves. */
async function crashAndRead(prepared: string, topic: string, rule: Omit<Rule, 'action'> & {point: string}, operation: (c: TestClient) => Promise<unknown>): Promise<Stored[]> {
  const dataDir = copyDataDir(prepared)
  const d = await armedDaemon(dataDir, [{action: 'kill', topic, ...rule}])
  const c = await TestClient.connect(d.socket)
  await operation(c).catch(() => null) // answered only when the point did not fire, which killedAt refuses
  await killedAt(d, rule.point)
  expectVerifyClean(dataDir, `after a crash at ${rule.point}`)
  const again = await spawnDaemon(dataDir, {workers: 1})
  const c2 = await TestClient.connect(again.socket)
  const stored = await readPartition(c2, topic)
  c2.close()
  expect(await stopDaemon(again)).toBe(0)
  return stored
}

describe('crash at each step of a compaction swap', () => {
  let prepared: string
  let before: Stored[]
  let after: Stored[]
  beforeAll(async () => {
    const p = await prepareCompacted()
    prepared = p.dir
    before = p.before
    after = p.after
  })

  // hits: the swap replaces 2 old segments (6 files) by 1 new one (3 files: .log, .index, .timeindex); a
  // crash at each later rename and unlink, as recovery finishes the swap: crash-in-recovery.test.ts
  const cases: Array<[string, number, 'before' | 'after']> = [
    ['compaction-cleaned-written', 0, 'before'],
    ['compaction-renamed-to-swap', 0, 'before'],
    ['compaction-renamed-to-swap', 2, 'after'],
    ['compaction-renamed-to-deleted', 0, 'after'],
    ['compaction-renamed-to-deleted', 4, 'after'],
    ['compaction-renamed-to-final', 0, 'after'],
    ['compaction-before-unlink-deleted', 0, 'after'],
  ]
  for (const [point, skip, expected] of cases) {
    it(`${point} (after ${skip} hits): the log is the ${expected} state`, async () => {
      const stored = await crashAndRead(prepared, 'c', {point, after: skip}, (c) => c.request(ApiKey.CompactTopic, {name: 'c', dryRun: false}))
      expect(stored).toEqual(expected === 'before' ? before : after)
    })
  }
})

describe('crash at each step of a segment deletion (DeleteRecords, as retention)', () => {
  const X = 120
  let prepared: string
  let before: Stored[]
  beforeAll(async () => {
    prepared = tempDir()
    const d = await spawnDaemon(prepared, {workers: 1})
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 'r', partitions: 1, configs: {'segment.bytes': '1024'}, ifNotExists: false})
    for (let i = 0; i < 40; i++) await produceAcked(c, 'r', keyedBatch(5, `b${i}-`))
    before = await readPartition(c, 'r')
    c.close()
    expect(await stopDaemon(d)).toBe(0)
    expect(before).toHaveLength(200)
  })

  const cases: Array<[string, number, string | undefined, 'before' | 'after']> = [
    ['checkpoint-tmp-written', 0, 'log-start-offset', 'before'],
    ['checkpoint-before-rename', 0, 'log-start-offset', 'before'],
    ['checkpoint-after-rename', 0, 'log-start-offset', 'after'],
    ['before-segment-unlink', 0, undefined, 'after'],
    ['after-segment-unlink', 0, undefined, 'after'], // the .log gone, its indexes not yet
  ]
  for (const [point, skip, pathPattern, expected] of cases) {
    it(`${point}${pathPattern ? ` (${pathPattern})` : ''} after ${skip} hits: the log is the ${expected} state`, async () => {
      const stored = await crashAndRead(prepared, 'r', {point, after: skip, pathPattern}, (c) =>
        c.request(ApiKey.DeleteRecords, {partitions: [{topic: 'r', partition: 0, offset: X}]}),
      )
      expect(stored).toEqual(expected === 'before' ? before : before.filter((s) => s.offset >= X))
    })
  }
})
