// __consumer_offsets stays small under heavy committing (issue 11): the daemon's log cleaner compacts it
// like any compacted topic, so thousands of commits of a few groups leave about one record per committed
// partition plus the active segment — and a restart after kill -9 still finds every latest commit.
import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanupDirs, killAll, requireBuild, sleep, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {TestClient} from './helpers.js'

beforeAll(requireBuild)
afterAll(() => {
  killAll()
  cleanupDirs()
})

const GROUPS = 4
const PARTITIONS = 4
const COMMITS = 600 // per group, each of every partition, with ~1 KB of incompressible metadata per partition

describe('__consumer_offsets under heavy committing', () => {
  it('is cleaned by the daemon: thousands of commits leave it bounded by its segment size, every latest commit kept', {timeout: 300_000}, async () => {
    const dataDir = tempDir()
    let d = await spawnDaemon(dataDir)
    let c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 'logs', partitions: PARTITIONS, configs: {}, ifNotExists: false})

    const last = new Map<string, {offset: number; metadata: string}>()
    let written = 0
    await Promise.all(
      Array.from({length: GROUPS}, async (_, g) => {
        const group = `group-${g}`
        for (let i = 1; i <= COMMITS; i++) {
          const offsets = Array.from({length: PARTITIONS}, (_, partition) => ({topic: 'logs', partition, offset: i * 10 + partition, metadata: randomBytes(512).toString('hex')}))
          const r = await c.request(ApiKey.OffsetCommit, {group, offsets}, undefined, 60_000)
          expect(r.body.partitions.every((p: {error?: unknown}) => p.error === undefined)).toBe(true)
          for (const o of offsets) {
            last.set(`${group}/${o.partition}`, {offset: o.offset, metadata: o.metadata})
            written += o.metadata.length
          }
        }
      }),
    )
    expect(written).toBeGreaterThan(8 * 1024 * 1024)

    // the daemon cleans on its own (each 1 MiB segment rolled is all dirty: ratio 1): what is left is the
    // live commits and at most the active segment
    const describe = async () => (await c.request(ApiKey.DescribeTopics, {topics: ['__consumer_offsets']})).body.topics[0].partitions[0]
    const deadline = Date.now() + 120_000
    let p = await describe()
    while (!(p.cleaner?.lastCleanedAt && p.sizeInBytes < 2.5 * 1024 * 1024 && p.cleaner.dirtyRatio < 0.5)) {
      if (Date.now() > deadline) throw new Error(`__consumer_offsets not cleaned: ${JSON.stringify(p)}`)
      await sleep(200)
      p = await describe()
    }
    expect(p.logEndOffset).toBeGreaterThanOrEqual(GROUPS * COMMITS * PARTITIONS) // offsets never change
    expect(p.cleaner.cleanBytes).toBeLessThan(256 * 1024) // ~16 live commits of ~1 KB

    // kill -9, restart: the replay over the cleaned log finds every latest commit
    d.child.kill('SIGKILL')
    await d.exited
    c.close()
    d = await spawnDaemon(dataDir)
    c = await TestClient.connect(d.socket)
    for (let g = 0; g < GROUPS; g++) {
      const r = await c.request(ApiKey.OffsetFetch, {group: `group-${g}`})
      const got = new Map<number, {offset: number; metadata: string}>(
        r.body.offsets.map((o: {partition: number; offset: number; metadata: string}) => [o.partition, {offset: o.offset, metadata: o.metadata}]),
      )
      for (let partition = 0; partition < PARTITIONS; partition++) expect(got.get(partition)).toEqual(last.get(`group-${g}/${partition}`))
    }
    c.close()
    await stopDaemon(d)
  })
})
