// Storage faults through a real daemon, armed by failpoint actions (README Guarantees, rule 2; the rules:
// storage/failpoints.ts). What test/recovery/io-failure.test.ts proves on one PartitionLog (STORAGE_ERROR,
// file cut back, no offset consumed, reopen recovers) and test/engine/faults.test.ts on a daemon (ENOSPC:
// that partition offline, others served; a failed fsync never acknowledged; a create whose partition
// cannot be made durable fails whole), this file proves for the rest: EIO and a short write on a segment
// write leave nothing partial on disk, EIO on a read fails that fetch with a one-line error naming the
// file, and a directory the daemon cannot write is a clear error: a partition's (its roll fails, that
// partition goes offline), or the whole data directory (the daemon starts, but each partition is offline
// naming EACCES and the file, and creates are refused; a data directory that cannot be created at all:
// test/integration/cli-manners.test.ts) — each time with the earlier data intact and, after a restart without the fault, writes resumed.
import {chmodSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {Ledger, armedDaemon, expectVerifyClean, keyedBatch, readPartition} from './helpers.js'

beforeAll(requireBuild)
afterAll(cleanup)

const produce = (c: TestClient, topic: string, tag: string) =>
  c.request(ApiKey.Produce, {topic, partition: 0, acks: 1, timeoutMs: 5000}, keyedBatch(5, tag))

function segmentBytes(dataDir: string, topic: string): Record<string, string> {
  const dir = join(dataDir, `${topic}-0`)
  const out: Record<string, string> = {}
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log'))) out[name] = readFileSync(join(dir, name)).toString('base64')
  return out
}

describe('write and read faults through the daemon', () => {
  it('EIO and a short write on a segment: one-line error, nothing partial on disk, that partition offline, the rest served; a restart resumes', async () => {
    const dataDir = tempDir()
    const d = await armedDaemon(dataDir, [
      {point: 'before-write', action: 'EIO', topic: 'eio', after: 3},
      {point: 'before-write', action: 'short-write', topic: 'short', after: 3},
    ])
    const c = await TestClient.connect(d.socket)
    const topics = ['eio', 'short', 'fine']
    for (const name of topics) await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false})
    const ledgers = new Map(topics.map((t) => [t, new Ledger()]))
    for (const t of topics) for (let i = 0; i < 3; i++) expect(await ledgers.get(t)!.produce(c, t, `${t}${i}-`, 5, 1)).toBe(true)
    const disk = {eio: segmentBytes(dataDir, 'eio'), short: segmentBytes(dataDir, 'short')}

    const failed = {eio: (await produce(c, 'eio', 'x')).body.error, short: (await produce(c, 'short', 'x')).body.error}
    expect(failed.eio).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(/eio-0\/00000000000000000000\.log: write of \d+ bytes at position \d+ failed: EIO/)})
    expect(failed.short).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(/short-0\/00000000000000000000\.log: short write: \d+ of \d+ bytes at position \d+/)})
    for (const e of Object.values(failed)) expect(e.message).not.toMatch(/\n/)
    expect(segmentBytes(dataDir, 'eio')).toEqual(disk.eio) // nothing partial: the half-written batch was cut back
    expect(segmentBytes(dataDir, 'short')).toEqual(disk.short)
    for (const t of ['eio', 'short']) {
      expect((await produce(c, t, 'y')).body.error.code).toBe('PARTITION_OFFLINE')
      ledgers.get(t)!.check(await readPartition(c, t)) // earlier data still served
    }
    expect(await ledgers.get('fine')!.produce(c, 'fine', 'more', 5, -1)).toBe(true)
    const desc = await c.request(ApiKey.DescribeTopics, {topics})
    expect(desc.body.topics.map((t: {partitions: {online: boolean}[]}) => t.partitions[0]!.online)).toEqual([false, false, true])
    c.close()
    expect(await stopDaemon(d)).toBe(0)

    expectVerifyClean(dataDir, 'after the faults')
    const again = await spawnDaemon(dataDir, {workers: 1})
    const c2 = await TestClient.connect(again.socket)
    for (const t of topics) {
      const stored = await readPartition(c2, t)
      ledgers.get(t)!.check(stored)
      expect((await produce(c2, t, 'z')).body.baseOffset).toBe(stored.length)
    }
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })

  it('EIO on a read: that fetch fails with one line naming the file, the partition takes no more writes, its data is still served', async () => {
    const dataDir = tempDir()
    const d = await armedDaemon(dataDir, [{op: 'read', action: 'EIO', topic: 'bad', path: '.log', times: 1}])
    const c = await TestClient.connect(d.socket)
    for (const name of ['bad', 'good']) await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false})
    const ledger = new Ledger()
    for (let i = 0; i < 3; i++) expect(await ledger.produce(c, 'bad', `v${i}-`, 5, 1)).toBe(true)
    expect((await produce(c, 'good', 'g')).body.baseOffset).toBe(0)
    const fetch = (topic: string) => c.request(ApiKey.Fetch, {partitions: [{topic, partition: 0, offset: 0, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20})
    const failed = (await fetch('bad')).body.partitions[0]
    expect(failed.error).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(/EIO.*bad-0\/00000000000000000000\.log/)})
    expect(failed.error.message).not.toMatch(/\n/)
    expect((await produce(c, 'bad', 'late')).body.error.code).toBe('PARTITION_OFFLINE')
    ledger.check(await readPartition(c, 'bad')) // an offline partition still serves what it has (the disk answers again)
    expect((await fetch('good')).body.partitions[0]).toMatchObject({highWatermark: 5, bytes: expect.any(Number)})
    c.close()
    expect(await stopDaemon(d)).toBe(0)
    const again = await spawnDaemon(dataDir, {workers: 1})
    const c2 = await TestClient.connect(again.socket)
    ledger.check(await readPartition(c2, 'bad'))
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })
})

// Permissions stop root from nothing: when the tests run as root, the daemon runs without the capabilities
// that let root ignore file modes (setpriv, util-linux), so chmod means what it means for any user — and it
// still reads the build wherever the checkout lives (a daemon run as another user may not reach it).
const asRoot = process.getuid?.() === 0
const asUser = asRoot ? {wrapper: ['setpriv', '--bounding-set=-dac_override,-dac_read_search,-fowner', '--']} : {}

describe('a directory the daemon cannot write', () => {
  it('a partition directory made read-only while the daemon runs: the roll fails with one line (EACCES), that partition offline, others served', async () => {
    const dataDir = tempDir()
    const home = tempDir()
    const d = await spawnDaemon(dataDir, {workers: 1, env: {HOME: home, XDG_DATA_HOME: home}, ...asUser})
    const c = await TestClient.connect(d.socket)
    for (const name of ['locked', 'open']) await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {'segment.bytes': '1024'}, ifNotExists: false})
    const ledger = new Ledger()
    expect(await ledger.produce(c, 'locked', 'a', 5, 1)).toBe(true)
    chmodSync(join(dataDir, 'locked-0'), 0o555)
    let error: {code: string; message: string} | undefined
    for (let i = 0; i < 50 && error === undefined; i++) {
      const r = await c.request(ApiKey.Produce, {topic: 'locked', partition: 0, acks: 1, timeoutMs: 5000}, keyedBatch(5, `b${i}-`))
      if (r.body.error) error = r.body.error
      else for (let j = 0; j < 5; j++) ledger.acked.set(r.body.baseOffset + j, `b${i}-${j}`)
    }
    expect(error).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(/locked-0.*EACCES/)})
    expect(error!.message).not.toMatch(/\n/)
    expect(await ledger.produce(c, 'locked', 'late', 1, 1)).toBe(false)
    expect((await produce(c, 'open', 'o')).body.baseOffset).toBe(0)
    ledger.check(await readPartition(c, 'locked'))
    c.close()
    expect(await stopDaemon(d)).toBe(0)
    chmodSync(join(dataDir, 'locked-0'), 0o755)
    expectVerifyClean(dataDir, 'after the failed roll')
    const again = await spawnDaemon(dataDir, {workers: 1, env: {HOME: home, XDG_DATA_HOME: home}, ...asUser})
    const c2 = await TestClient.connect(again.socket)
    const stored = await readPartition(c2, 'locked')
    ledger.check(stored)
    expect((await produce(c2, 'locked', 'z')).body.baseOffset).toBe(stored.length)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })

  it('a read-only data directory: its partitions offline with one line naming EACCES and the file, creates refused, nothing changed', async () => {
    const dataDir = tempDir()
    const home = tempDir()
    const d = await spawnDaemon(dataDir, {workers: 1})
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: {}, ifNotExists: false})
    const ledger = new Ledger()
    expect(await ledger.produce(c, 't', 'v', 5, 1)).toBe(true)
    c.close()
    expect(await stopDaemon(d)).toBe(0)
    const entries = () => (readdirSync(dataDir, {recursive: true}) as string[]).filter((n) => !n.startsWith('run')).sort()
    const files = () => entries().map((n) => `${n}:${statSync(join(dataDir, n)).size}`)
    const before = files()
    for (const name of entries()) chmodSync(join(dataDir, name), statSync(join(dataDir, name)).isDirectory() ? 0o555 : 0o444)
    chmodSync(dataDir, 0o555)
    const env = {HOME: home, XDG_DATA_HOME: home}
    try {
      const ro = await spawnDaemon(dataDir, {workers: 1, env, ...asUser})
      const c1 = await TestClient.connect(ro.socket)
      const refused = (await produce(c1, 't', 'w')).body.error
      expect(refused).toMatchObject({code: 'PARTITION_OFFLINE', message: expect.stringMatching(/t-0: cannot open the partition log: EACCES: permission denied, \w+ '[^']*t-0\//)})
      expect(refused.message).not.toMatch(/\n/)
      const create = (await c1.request(ApiKey.CreateTopic, {name: 'u', partitions: 1, configs: {}, ifNotExists: false})).body.error
      expect(create).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(/EACCES/)})
      expect(create.message).not.toMatch(/\n/)
      c1.close()
      expect(await stopDaemon(ro)).toBe(0)
      expect(files()).toEqual(before)
    } finally {
      chmodSync(dataDir, 0o755)
      for (const name of entries()) chmodSync(join(dataDir, name), statSync(join(dataDir, name)).isDirectory() ? 0o755 : 0o644)
    }
    expectVerifyClean(dataDir, 'after the read-only start')
    const again = await spawnDaemon(dataDir, {workers: 1, env, ...asUser})
    const c2 = await TestClient.connect(again.socket)
    ledger.check(await readPartition(c2, 't'))
    expect((await produce(c2, 't', 'z')).body.baseOffset).toBe(5)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })
})
