// Crashes during recovery, again and again, and compound faults (README Guarantees, rules 2-3): a daemon
// restarted after a crash is killed (SIGKILL, by a failpoint: storage/failpoints.ts) while its recovery is
// finishing an interrupted compaction swap, or while it makes a recovered log durable; each time `samsa log
// verify` finds nothing wrong, and the daemon that finally starts serves the right log. A storage error
// (ENOSPC, a failed fsync, a checkpoint that cannot be written) followed by kill -9 loses no acknowledged
// record, and the restarted daemon takes writes again.
import {appendFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'
import {Ledger, armedDaemon, copyDataDir, expectVerifyClean, keyedBatch, killedAt, prepareCompacted, readPartition, type Rule} from './helpers.js'

beforeAll(requireBuild)
afterAll(cleanup)

/** Starts a daemon armed with `rules`; resolves with the point it died at during startup, or with the daemon once it is ready. */
async function startOrDie(dataDir: string, rules: Rule[]): Promise<string | DaemonProcess> {
  const d = await spawnDaemon(dataDir, {workers: 1, waitReady: false, env: {SAMSA_FAILPOINTS: JSON.stringify(rules)}})
  for (;;) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) break
    if (/ ready: /.test(d.output())) return d
    await new Promise((r) => setTimeout(r, 20))
  }
  await d.exited
  const m = /failpoint (\S+): kill/.exec(d.output())
  expect(d.child.signalCode, d.output()).toBe('SIGKILL')
  return m![1]!
}

describe('crash during recovery, repeatedly', () => {
  it('an interrupted swap that recovery is finishing: killed at each of its steps, then the after state', async () => {
    const {dir: prepared, after} = await prepareCompacted()
    const dataDir = copyDataDir(prepared)
    // every old segment renamed .deleted, no .swap renamed yet: the next open must finish the swap
    const d = await armedDaemon(dataDir, [{point: 'compaction-renamed-to-deleted', action: 'kill', topic: 'c', after: 5}])
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CompactTopic, {name: 'c', dryRun: false}).catch(() => null)
    await killedAt(d, 'compaction-renamed-to-deleted')
    const crashes: string[] = []
    const rules: Rule[] = [
      {point: 'compaction-renamed-to-final', action: 'kill', topic: 'c'},
      {point: 'compaction-after-unlink-deleted', action: 'kill', topic: 'c'}, // after: each crash leaves one file fewer
    ]
    for (let round = 0; round < 12; round++) {
      expectVerifyClean(dataDir, `after recovery crash ${round}`)
      const outcome = await startOrDie(dataDir, rules)
      if (typeof outcome !== 'string') {
        await stopDaemon(outcome)
        break
      }
      crashes.push(outcome)
    }
    // three .swap renames (.log, .index, .timeindex), then six .deleted files, one crash each
    expect(crashes).toEqual([...Array(3).fill('compaction-renamed-to-final'), ...Array(6).fill('compaction-after-unlink-deleted')])
    expect(readdirSync(join(dataDir, 'c-0')).filter((n) => /\.(swap|deleted|cleaned)$/.test(n))).toEqual([])
    const again = await spawnDaemon(dataDir, {workers: 1})
    const c2 = await TestClient.connect(again.socket)
    expect(await readPartition(c2, 'c')).toEqual(after)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })

  it('a torn tail after kill -9: killed while recovery syncs, snapshots and checkpoints, then every acknowledged record', async () => {
    const dataDir = tempDir()
    const d = await armedDaemon(dataDir, [{point: 'after-write', action: 'kill', topic: 't', after: 8}])
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: {'segment.bytes': '4096'}, ifNotExists: false})
    const ledger = new Ledger()
    for (let i = 0; !c.closed && i < 100; i++) await ledger.produce(c, 't', `b${i}-`, 10, 1)
    await killedAt(d, 'after-write')
    const segments = readdirSync(join(dataDir, 't-0')).filter((n) => n.endsWith('.log')).sort()
    appendFileSync(join(dataDir, 't-0', segments[segments.length - 1]!), Buffer.alloc(37, 0xab)) // a torn write after the last batch

    const crashes: string[] = []
    for (const rule of [
      {point: 'before-fsync', action: 'kill', topic: 't'},
      {point: 'checkpoint-before-rename', action: 'kill', topic: 't', pathPattern: 'recovery-point'},
      {point: 'checkpoint-after-rename', action: 'kill', topic: 't', pathPattern: 'recovery-point'},
    ]) {
      const outcome = await startOrDie(dataDir, [rule])
      expect(outcome, `recovery should cross ${rule.point}`).toBe(rule.point)
      crashes.push(outcome as string)
    }
    expect(crashes).toHaveLength(3)
    expectVerifyClean(dataDir, 'after the last recovery crash') // the torn tail was cut by the first
    const again = await spawnDaemon(dataDir, {workers: 1})
    const c2 = await TestClient.connect(again.socket)
    const stored = await readPartition(c2, 't')
    ledger.check(stored)
    expect(stored.map((s) => s.offset)).toEqual(stored.map((_, i) => i))
    expect((await c2.request(ApiKey.Produce, {topic: 't', partition: 0, acks: 1, timeoutMs: 5000}, keyedBatch(2, 'z'))).body.baseOffset).toBe(stored.length)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })
})

describe('compound faults: a storage error, then kill -9', () => {
  const cases: Array<[string, Rule, RegExp]> = [
    ['ENOSPC on a segment write', {op: 'write', action: 'ENOSPC', topic: 't', path: '.log', after: 6}, /ENOSPC/],
    ['EIO reported by an fdatasync that did happen', {point: 'after-fsync', action: 'EIO', topic: 't', after: 2}, /fdatasync failed: EIO/],
    ['ENOSPC writing the recovery-point checkpoint', {point: 'checkpoint-tmp-written', action: 'ENOSPC', topic: 't', pathPattern: 'recovery-point', after: 1}, /recovery-point\.checkpoint\.tmp.*ENOSPC/],
  ]
  for (const [name, rule, message] of cases) {
    it(`${name}: a clear error, offline, then kill -9: every acknowledged record, writes again`, async () => {
      const dataDir = tempDir()
      const d = await armedDaemon(dataDir, [rule])
      const c = await TestClient.connect(d.socket)
      await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: {'segment.bytes': '4096'}, ifNotExists: false})
      const ledger = new Ledger()
      let error: {code: string; message: string} | undefined
      for (let i = 0; i < 200 && error === undefined; i++) {
        const r = await c.request(ApiKey.Produce, {topic: 't', partition: 0, acks: -1, timeoutMs: 5000}, keyedBatch(10, `b${i}-`))
        if (r.body.error) error = r.body.error
        else for (let j = 0; j < 10; j++) ledger.acked.set(r.body.baseOffset + j, `b${i}-${j}`)
      }
      expect(error?.code).toBe('STORAGE_ERROR')
      expect(error!.message).toMatch(message)
      expect(error!.message).not.toMatch(/\n/)
      const later = await c.request(ApiKey.Produce, {topic: 't', partition: 0, acks: 1, timeoutMs: 5000}, keyedBatch(1, 'late'))
      expect(later.body.error.code).toBe('PARTITION_OFFLINE')
      ledger.check(await readPartition(c, 't')) // still readable while offline
      d.child.kill('SIGKILL')
      await d.exited
      expectVerifyClean(dataDir, 'after the kill')
      const again = await spawnDaemon(dataDir, {workers: 1})
      const c2 = await TestClient.connect(again.socket)
      const stored = await readPartition(c2, 't')
      ledger.check(stored)
      expect((await c2.request(ApiKey.Produce, {topic: 't', partition: 0, acks: -1, timeoutMs: 5000}, keyedBatch(2, 'z'))).body.baseOffset).toBe(stored[stored.length - 1]!.offset + 1)
      c2.close()
      expect(await stopDaemon(again)).toBe(0)
    })
  }
})
