// The partition workers' timers, with an in-process daemon whose retention and tick periods are short:
// retention by bytes and by time (log start offset advances, long-polls see it), segment.ms rolls of an
// idle partition. (flush.ms is PartitionLog.flushIfDue, called by the same tick; its effect — a recovery
// point that is only checkpointed at the storage's own pace — is covered by the storage tests.)
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startDaemon, type Daemon} from '../../src/engine/lifecycle/daemon.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanupDirs, requireBuild, sleep, tempDir} from '../support/index.js'
import {TestClient, lz4Batch} from './helpers.js'

let daemon: Daemon
let c: TestClient

beforeAll(async () => {
  requireBuild()
  daemon = await startDaemon({dataDir: tempDir(), workers: 2, log: () => {}, retentionCheckMs: 100, tickMs: 50})
  c = await TestClient.connect(daemon.paths.socket)
})
afterAll(async () => {
  c?.close()
  await daemon?.stop()
  cleanupDirs()
})

async function offsets(topic: string): Promise<{earliest: number; latest: number}> {
  const r = await c.request(ApiKey.ListOffsets, {
    partitions: [
      {topic, partition: 0, timestamp: -2},
      {topic, partition: 0, timestamp: -1},
    ],
  })
  return {earliest: r.body.partitions[0].offset, latest: r.body.partitions[1].offset}
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms
  let v = await probe()
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`)
    await sleep(50)
    v = await probe()
  }
  return v
}

function create(name: string, configs: Record<string, string>) {
  return c.request(ApiKey.CreateTopic, {name, partitions: 1, configs, ifNotExists: false})
}

function produce(topic: string, batch: Buffer) {
  return c.request(ApiKey.Produce, {topic, partition: 0, acks: 1, timeoutMs: 1000}, batch)
}

describe('partition timers', () => {
  it('applies retention.bytes after size rolls: the log start offset advances', async () => {
    await create('by-bytes', {'segment.bytes': '1024', 'retention.bytes': '2048'})
    for (let i = 0; i < 30; i++) expect((await produce('by-bytes', lz4Batch(5, `r${i}-`, 60))).body.error).toBeUndefined()
    // retention runs while the batches arrive, too: wait for the pass after the last one
    const d = await until(
      'retention',
      () => c.request(ApiKey.DescribeTopics, {topics: ['by-bytes']}),
      (r) => r.body.topics[0].partitions[0].sizeInBytes <= 2048 + 1024,
    )
    expect(d.body.topics[0].partitions[0].logStartOffset).toBeGreaterThan(0)
    expect(await offsets('by-bytes')).toMatchObject({latest: 150})
  })

  it('rolls an idle partition after segment.ms and then applies retention.ms', async () => {
    await create('by-time', {'segment.ms': '200', 'retention.ms': '400'})
    await produce('by-time', lz4Batch(3))
    const d = await until(
      'roll',
      () => c.request(ApiKey.DescribeTopics, {topics: ['by-time']}),
      (r) => r.body.topics[0].partitions[0].segments >= 2 || r.body.topics[0].partitions[0].logStartOffset === 3,
    )
    expect(d.body.topics[0].partitions[0].logEndOffset).toBe(3)
    const o = await until('retention.ms', () => offsets('by-time'), (v) => v.earliest === 3)
    expect(o).toEqual({earliest: 3, latest: 3})
  })
})
