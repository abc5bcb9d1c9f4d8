// Storage faults through the daemon (SAMSA_FAILPOINTS arms storage's FaultyFileIo in the workers): a failed
// write fails that request with a clear storage error, takes only that partition offline (its data stays
// readable), leaves the others working, and a restart without the fault brings it back intact.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanupDirs, killAll, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {TestClient, lz4Batch} from './helpers.js'

beforeAll(requireBuild)
afterAll(() => {
  killAll()
  cleanupDirs()
})

describe('storage faults', () => {
  it('takes one partition offline on ENOSPC and keeps serving the rest', async () => {
    const dataDir = tempDir()
    const failpoints = JSON.stringify([{op: 'write', action: 'ENOSPC', pathPattern: 'broken-0/\\d+\\.log$', after: 2}])
    const d = await spawnDaemon(dataDir, {env: {SAMSA_FAILPOINTS: failpoints}})
    const c = await TestClient.connect(d.socket)
    for (const name of ['broken', 'fine']) await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false})
    const produce = (topic: string) => c.request(ApiKey.Produce, {topic, partition: 0, acks: 1, timeoutMs: 1000}, lz4Batch(4))
    expect((await produce('broken')).body.baseOffset).toBe(0)
    expect((await produce('broken')).body.baseOffset).toBe(4)
    const failed = await produce('broken')
    expect(failed.body.error.code).toBe('STORAGE_ERROR')
    expect(failed.body.error.message).toMatch(/ENOSPC/)
    const after = await produce('broken')
    expect(after.body.error.code).toBe('PARTITION_OFFLINE')
    expect((await produce('fine')).body.baseOffset).toBe(0)
    // what was acknowledged is still readable
    const f = await c.request(ApiKey.Fetch, {partitions: [{topic: 'broken', partition: 0, offset: 0, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20})
    expect(f.body.partitions[0]).toMatchObject({highWatermark: 8})
    expect(f.body.partitions[0].bytes).toBeGreaterThan(0)
    const desc = await c.request(ApiKey.DescribeTopics, {topics: ['broken', 'fine']})
    expect(desc.body.topics.map((t: {partitions: {online: boolean}[]}) => t.partitions[0]!.online)).toEqual([false, true])
    expect(d.output()).toMatch(/partition broken-0 is now offline/)
    c.close()
    expect(await stopDaemon(d)).toBe(0)

    const again = await spawnDaemon(dataDir)
    const c2 = await TestClient.connect(again.socket)
    const r = await c2.request(ApiKey.Produce, {topic: 'broken', partition: 0, acks: -1, timeoutMs: 1000}, lz4Batch(1))
    expect(r.body.baseOffset).toBe(8)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })

  it('fails acks=all when the fdatasync fails, and never acknowledges it', async () => {
    const failpoints = JSON.stringify([
      {op: 'datasync', action: 'EIO', pathPattern: 'synced-0/\\d+\\.log$'},
      {op: 'open', action: 'EIO', pathPattern: 'stillborn-1/'},
    ])
    const dataDir = tempDir()
    const d = await spawnDaemon(dataDir, {env: {SAMSA_FAILPOINTS: failpoints}})
    const c = await TestClient.connect(d.socket)
    const created = await c.request(ApiKey.CreateTopic, {name: 'synced', partitions: 1, configs: {}, ifNotExists: false})
    expect(created.body.error).toBeUndefined()
    const replies = await Promise.all(
      Array.from({length: 5}, () => c.request(ApiKey.Produce, {topic: 'synced', partition: 0, acks: -1, timeoutMs: 1000}, lz4Batch(2))),
    )
    for (const r of replies) expect(r.body.error?.code).toMatch(/STORAGE_ERROR|PARTITION_OFFLINE/)
    // a create whose partition cannot be made durable fails whole: nothing on disk, nothing in the catalog
    const stillborn = await c.request(ApiKey.CreateTopic, {name: 'stillborn', partitions: 2, configs: {}, ifNotExists: false})
    expect(stillborn.body.error.code).toBe('STORAGE_ERROR')
    expect(existsSync(join(dataDir, 'stillborn-0'))).toBe(false)
    expect(existsSync(join(dataDir, 'stillborn-1'))).toBe(false)
    const list = await c.request(ApiKey.ListTopics, {})
    expect(list.body.topics.map((t: {name: string}) => t.name)).toEqual(['synced'])
    c.close()
    expect(await stopDaemon(d)).toBe(0)
  })

  it('answers an acks=all produce whose fsync outlasts timeoutMs with TIMEOUT, never with an ack', async () => {
    const d = await spawnDaemon(tempDir(), {workers: 2, env: {SAMSA_SLOW_SYNC: JSON.stringify({topic: 'slow', ms: 1500})}})
    const c = await TestClient.connect(d.socket)
    // slow lives on worker 0, quick on worker 1
    for (const name of ['slow', 'quick']) await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false})
    const produce = (topic: string, acks: number, timeoutMs: number) =>
      c.request(ApiKey.Produce, {topic, partition: 0, acks, timeoutMs}, lz4Batch(2))
    const started = Date.now()
    const late = await produce('slow', -1, 200)
    expect(late.body.error).toMatchObject({code: 'TIMEOUT', retriable: true})
    expect(late.body.error.message).toMatch(/slow-0: not synced within timeoutMs=200/)
    expect(Date.now() - started).toBeLessThan(1400)
    expect((await produce('quick', -1, 200)).body).toMatchObject({baseOffset: 0}) // another worker: in time
    // with room for the sync it is acknowledged; the timed-out records were stored after all (indeterminate)
    expect((await produce('slow', -1, 10_000)).body).toMatchObject({baseOffset: 2})
    expect((await produce('slow', 1, 1)).body).toMatchObject({baseOffset: 4}) // acks=1 ignores timeoutMs
    expect((await c.request(ApiKey.Produce, {topic: 'slow', partition: 0, acks: -1, timeoutMs: -5}, lz4Batch(1))).body.error.code).toBe('INVALID_REQUEST')
    c.close()
    expect(await stopDaemon(d)).toBe(0)
  })
})
