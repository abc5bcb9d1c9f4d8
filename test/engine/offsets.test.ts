// Committed consumer-group offsets (OffsetCommit / OffsetFetch) through a real daemon: per-partition
// errors, any group id (even "__proto__"), durable across kill -9, forgotten with their topic.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient, cleanupDirs, killAll, requireBuild, spawnDaemon, stopDaemon, tempDir} from './helpers.js'

beforeAll(requireBuild)
afterAll(() => {
  killAll()
  cleanupDirs()
})

describe('committed offsets', () => {
  it('commits and fetches offsets, keeps them across kill -9, and forgets them with their topic', async () => {
    const dataDir = tempDir()
    const d = await spawnDaemon(dataDir)
    const c = await TestClient.connect(d.socket)
    const hello = await c.request(ApiKey.Hello, {client: 't'})
    expect(hello.body.apis.map((a: {key: number}) => a.key)).toEqual(expect.arrayContaining([ApiKey.OffsetCommit, ApiKey.OffsetFetch]))
    await c.request(ApiKey.CreateTopic, {name: 'logs', partitions: 2, configs: {}, ifNotExists: false})
    expect((await c.request(ApiKey.OffsetFetch, {group: 'g1'})).body).toEqual({offsets: []})

    const commit = await c.request(ApiKey.OffsetCommit, {
      group: 'g1',
      offsets: [
        {topic: 'logs', partition: 0, offset: 42, metadata: 'host-a'},
        {topic: 'logs', partition: 1, offset: 7},
        {topic: 'nope', partition: 0, offset: 1},
        {topic: 'logs', partition: 9, offset: 1},
        {topic: 'logs', partition: 0, offset: -5},
      ],
    })
    expect(commit.body.partitions.map((p: {error?: {code: string}}) => p.error?.code ?? 'ok')).toEqual(['ok', 'ok', 'UNKNOWN_TOPIC', 'UNKNOWN_PARTITION', 'INVALID_REQUEST'])
    await c.request(ApiKey.OffsetCommit, {group: '__proto__', offsets: [{topic: 'logs', partition: 0, offset: 3}]})
    await c.request(ApiKey.OffsetCommit, {group: 'g1', offsets: [{topic: 'logs', partition: 1, offset: 8}]})

    const all = await c.request(ApiKey.OffsetFetch, {group: 'g1'})
    expect(all.body.offsets).toEqual(
      expect.arrayContaining([
        {topic: 'logs', partition: 0, offset: 42, metadata: 'host-a'},
        {topic: 'logs', partition: 1, offset: 8, metadata: ''},
      ]),
    )
    const some = await c.request(ApiKey.OffsetFetch, {group: '__proto__', partitions: [{topic: 'logs', partition: 0}, {topic: 'logs', partition: 1}]})
    expect(some.body.offsets).toEqual([
      {topic: 'logs', partition: 0, offset: 3, metadata: ''},
      {topic: 'logs', partition: 1, offset: -1, metadata: ''},
    ])
    expect((await c.request(ApiKey.OffsetFetch, {group: ''})).body.error.code).toBe('INVALID_REQUEST')

    d.child.kill('SIGKILL')
    await d.exited
    const again = await spawnDaemon(dataDir)
    expect(again.output()).toMatch(/committed offsets: 2 group\(s\)/)
    const c2 = await TestClient.connect(again.socket)
    const after = await c2.request(ApiKey.OffsetFetch, {group: 'g1', partitions: [{topic: 'logs', partition: 0}, {topic: 'logs', partition: 1}]})
    expect(after.body.offsets.map((o: {offset: number}) => o.offset)).toEqual([42, 8])
    // the internal topic is not the client's to create or delete
    expect((await c2.request(ApiKey.DeleteTopic, {name: '__consumer_offsets', ifExists: false})).body.error.code).toBe('INVALID_TOPIC')

    await c2.request(ApiKey.DeleteTopic, {name: 'logs', ifExists: false})
    await c2.request(ApiKey.CreateTopic, {name: 'logs', partitions: 2, configs: {}, ifNotExists: false})
    const fresh = await c2.request(ApiKey.OffsetFetch, {group: 'g1', partitions: [{topic: 'logs', partition: 0}]})
    expect(fresh.body.offsets[0].offset).toBe(-1)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })
})
