// A worker thread that dies heals: the pool notices ('error' / 'exit'), fails that worker's in-flight
// requests with a retriable error, starts a replacement and reopens its partitions (recovery in
// PartitionLog.open). The death comes from the SAMSA_WORKER_CRASH failpoint (an uncaught exception, or
// process.exit inside the worker), which only the first worker of a slot obeys.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanupDirs, killAll, requireBuild, sleep, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {TestClient, lz4Batch} from './helpers.js'

beforeAll(requireBuild)
afterAll(() => {
  killAll()
  cleanupDirs()
})

describe('a worker thread that dies', () => {
  it.each(['throw', 'exit'] as const)('is replaced and its partitions reopen (%s)', async (action) => {
    const d = await spawnDaemon(tempDir(), {workers: 2, env: {SAMSA_WORKER_CRASH: JSON.stringify({topic: 'boom', action})}})
    const c = await TestClient.connect(d.socket)
    // boom (created first) lives on worker 0; calm-1 shares that worker, calm-0 is on worker 1
    for (const [name, partitions] of [['boom', 1], ['calm', 2]] as const) {
      expect((await c.request(ApiKey.CreateTopic, {name, partitions, configs: {}, ifNotExists: false})).body.error).toBeUndefined()
    }
    const produce = (topic: string, partition: number, acks = 1) =>
      c.request(ApiKey.Produce, {topic, partition, acks, timeoutMs: 5000}, lz4Batch(3))
    expect((await produce('calm', 1)).body.baseOffset).toBe(0)
    expect((await produce('calm', 0, -1)).body.baseOffset).toBe(0)
    // a long-poll parked on the dying worker's partition
    const consumer = await TestClient.connect(d.socket)
    const parked = consumer.request(ApiKey.Fetch, {
      partitions: [{topic: 'calm', partition: 1, offset: 3, maxBytes: 1 << 20}], maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20,
    })
    await sleep(100)

    const died = await produce('boom', 0)
    expect(died.body.error).toMatchObject({code: 'TIMEOUT', retriable: true})
    expect(died.body.error.message).toMatch(/worker 0 (crashed|exited)/)

    // retriable means retry: the replacement serves the same partitions, data intact
    const deadline = Date.now() + 10_000
    let retry = await produce('calm', 1)
    while (retry.body.error && Date.now() < deadline) {
      expect(retry.body.error.retriable).toBe(true)
      await sleep(50)
      retry = await produce('calm', 1)
    }
    expect(retry.body).toMatchObject({baseOffset: 3, lastOffset: 5})
    // the parked fetch did not hang for its whole maxWait: it answered when the worker died (the retry
    // reached the dead slot) or, re-parked on the replacement (watch renewed), with the new batch
    const answeredAt = Date.now()
    const p = (await parked).body.partitions[0]
    expect(Date.now() - answeredAt).toBeLessThan(3000)
    if (p.error) expect(p.error).toMatchObject({code: 'TIMEOUT', retriable: true}) // woke between 'error' and 'exit'
    else expect(p).toMatchObject({highWatermark: 6, bytes: expect.any(Number)})
    if (!p.error) expect(p.bytes).toBeGreaterThan(0)
    expect((await produce('boom', 0, -1)).body).toMatchObject({baseOffset: 0}) // nothing of the dead produce
    expect((await produce('calm', 0)).body.baseOffset).toBe(3) // the other worker never noticed
    const f = await c.request(ApiKey.Fetch, {
      partitions: [{topic: 'calm', partition: 1, offset: 0, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
    })
    expect(f.body.partitions[0]).toMatchObject({highWatermark: 6})
    const desc = await c.request(ApiKey.DescribeTopics, {topics: ['boom', 'calm']})
    for (const t of desc.body.topics) for (const p of t.partitions) expect(p.online).toBe(true)
    const status = await c.request(ApiKey.Status, {})
    expect(status.body.workers).toHaveLength(2)

    const out = d.output()
    expect(out).toMatch(action === 'throw' ? /worker 0 crashed: .*crash failpoint/ : /worker 0 exited with code 70/)
    expect(out).toMatch(/starting a replacement that reopens its partitions/)
    expect(out).toMatch(/worker 0: reopened 2 partition\(s\)/)
    consumer.close()
    c.close()
    expect(await stopDaemon(d)).toBe(0)
  })
})
