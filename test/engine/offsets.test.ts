// Committed consumer-group offsets (OffsetCommit / OffsetFetch) through a real daemon: per-partition
// errors, any group id (even "__proto__"), durable across kill -9, forgotten with their topic. The
// internal topic __consumer_offsets is the daemon's: clients read it but cannot alter, grow, produce to
// or trim it; a data directory of an earlier version keeps its commits, and records the daemon did not
// write are never replayed.
import {execFile} from 'node:child_process'
import {appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {ROOT, cleanEnv, cleanupDirs, killAll, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {TestClient, lz4Batch} from './helpers.js'

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

const OFFSETS = '__consumer_offsets'

// `samsa …` as a user runs it, against the daemon of dataDir (never auto-started).
function cli(dataDir: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args, '--data-dir', dataDir, '--no-autostart'], {env: cleanEnv()}, (err, stdout, stderr) => {
      resolve({code: err ? Number((err as {code?: unknown}).code ?? 1) : 0, stdout, stderr})
    })
  })
}

// A commit record as samsa wrote them before the daemon marked its own batches.
function legacyCommit(group: string, topic: string, partition: number, offset: number) {
  return {key: Buffer.from(JSON.stringify([group, topic, partition])), value: Buffer.from(JSON.stringify({offset, metadata: '', commitTimestamp: 1})), timestamp: 1, headers: []}
}

async function committed(c: TestClient, group: string): Promise<number> {
  const r = await c.request(ApiKey.OffsetFetch, {group, partitions: [{topic: 'logs', partition: 0}]})
  return r.body.offsets[0].offset
}

describe('the internal topic __consumer_offsets', () => {
  it('is read by clients but never altered, grown, produced to or trimmed by them', async () => {
    const dataDir = tempDir()
    const d = await spawnDaemon(dataDir)
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 'logs', partitions: 1, configs: {}, ifNotExists: false})
    await c.request(ApiKey.OffsetCommit, {group: 'g1', offsets: [{topic: 'logs', partition: 0, offset: 42}]})

    const refused = [
      await c.request(ApiKey.AlterTopic, {name: OFFSETS, set: {'cleanup.policy': 'delete', 'retention.ms': '1'}, delete: []}),
      await c.request(ApiKey.AlterTopic, {name: OFFSETS, set: {}, delete: [], partitions: 3}),
      await c.request(ApiKey.AlterTopic, {name: OFFSETS, set: {}, delete: ['cleanup.policy']}),
      await c.request(ApiKey.Produce, {topic: OFFSETS, partition: 0, acks: 1, timeoutMs: 0}, encodeRecordBatch([legacyCommit('g1', 'logs', 0, 0)])),
      await c.request(ApiKey.Produce, {topic: '__other', partition: 0, acks: 1, timeoutMs: 0}, lz4Batch(1)),
      await c.request(ApiKey.DeleteRecords, {partitions: [{topic: OFFSETS, partition: 0, offset: -1}]}),
      await c.request(ApiKey.DeleteTopic, {name: OFFSETS, ifExists: false}),
    ]
    for (const r of refused) {
      const error = r.body.error ?? r.body.partitions?.[0]?.error
      expect(error?.code, JSON.stringify(r.body)).toBe('INVALID_TOPIC')
      expect(error.message).toMatch(/internal/)
    }
    // reading it is fine
    const described = (await c.request(ApiKey.DescribeTopics, {topics: [OFFSETS]})).body.topics[0]
    expect(described.partitions).toHaveLength(1)
    expect(described.configs.find((e: {name: string}) => e.name === 'cleanup.policy').value).toBe('compact')
    expect(described.configs.find((e: {name: string}) => e.name === 'retention.ms').isDefault).toBe(true)
    const fetched = await c.request(ApiKey.Fetch, {partitions: [{topic: OFFSETS, partition: 0, offset: 0, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20})
    expect(fetched.body.partitions[0].bytes).toBeGreaterThan(0)
    // the CLI says the same, in one line, with exit code 6
    const alter = await cli(dataDir, ['topic', 'alter', OFFSETS, '--config', 'retention.ms=1'])
    expect(alter.code).toBe(6)
    expect(alter.stderr.trim().split('\n')).toHaveLength(1)
    expect(alter.stderr).toMatch(/__consumer_offsets is internal/)
    const consume = await cli(dataDir, ['consume', OFFSETS, '--format', '%k\n'])
    expect(consume.code, consume.stderr).toBe(0)
    expect(consume.stdout).toContain('["g1","logs",0]')

    c.close()
    d.child.kill('SIGKILL')
    await d.exited
    const again = await spawnDaemon(dataDir)
    const c2 = await TestClient.connect(again.socket)
    expect(await committed(c2, 'g1')).toBe(42)
    c2.close()
    expect(await stopDaemon(again)).toBe(0)
  })

  it('keeps the commits an earlier version wrote, restores its configs, and replays nothing a client wrote', async () => {
    // A data directory as an earlier samsa left it: unmarked commit batches in partition 0, a config a
    // client altered, and a partition a client added, holding a forged commit.
    const dataDir = tempDir()
    const topics = [
      {name: 'logs', partitions: 1, configs: {}, seq: 0, createdAt: 1},
      {name: OFFSETS, partitions: 2, configs: {'cleanup.policy': 'delete', 'retention.ms': '1'}, seq: 1, createdAt: 1},
    ]
    writeFileSync(join(dataDir, 'catalog.json'), JSON.stringify({version: 1, topics}))
    for (const dir of ['logs-0', `${OFFSETS}-0`, `${OFFSETS}-1`]) mkdirSync(join(dataDir, dir))
    writeFileSync(
      join(dataDir, `${OFFSETS}-0`, '00000000000000000000.log'),
      Buffer.concat([
        encodeRecordBatch([legacyCommit('g1', 'logs', 0, 42), legacyCommit('g2', 'logs', 0, 5)], {baseOffset: 0}),
        encodeRecordBatch([legacyCommit('g2', 'logs', 0, 6)], {baseOffset: 2}),
      ]),
    )
    writeFileSync(join(dataDir, `${OFFSETS}-1`, '00000000000000000000.log'), encodeRecordBatch([legacyCommit('g1', 'logs', 0, 0)], {baseOffset: 0}))

    const d = await spawnDaemon(dataDir)
    expect(d.output()).toMatch(/committed offsets: 2 group\(s\)/)
    expect(d.output()).toMatch(/restored/)
    const c = await TestClient.connect(d.socket)
    expect(await committed(c, 'g1')).toBe(42)
    expect(await committed(c, 'g2')).toBe(6)
    const described = (await c.request(ApiKey.DescribeTopics, {topics: [OFFSETS]})).body.topics[0]
    expect(described.configs.find((e: {name: string}) => e.name === 'cleanup.policy').value).toBe('compact')
    expect(described.configs.find((e: {name: string}) => e.name === 'retention.ms').isDefault).toBe(true)
    const stored = JSON.parse(readFileSync(join(dataDir, 'catalog.json'), 'utf8')).topics.find((t: {name: string}) => t.name === OFFSETS)
    expect(stored.configs['cleanup.policy']).toBe('compact')
    expect(stored.configs['retention.ms']).toBeUndefined()
    const end = (await c.request(ApiKey.ListOffsets, {partitions: [{topic: OFFSETS, partition: 0, timestamp: -1}]})).body.partitions[0].offset
    c.close()
    expect(await stopDaemon(d)).toBe(0)

    // An unmarked commit appended after the daemon took the topic over (as a client of an earlier
    // version could): never replayed.
    const partitionDir = join(dataDir, `${OFFSETS}-0`)
    const active = readdirSync(partitionDir).filter((n) => n.endsWith('.log')).sort().at(-1)!
    appendFileSync(join(partitionDir, active), encodeRecordBatch([legacyCommit('g1', 'logs', 0, 0)], {baseOffset: end}))
    rmSync(join(partitionDir, '.clean-shutdown'), {force: true})
    const second = await spawnDaemon(dataDir)
    expect(second.output()).toMatch(/ignored 1 record\(s\)/)
    const c2 = await TestClient.connect(second.socket)
    expect(await committed(c2, 'g1')).toBe(42)
    // the daemon's own commits replay as before
    await c2.request(ApiKey.OffsetCommit, {group: 'g1', offsets: [{topic: 'logs', partition: 0, offset: 50}]})
    c2.close()
    second.child.kill('SIGKILL')
    await second.exited
    const third = await spawnDaemon(dataDir)
    const c3 = await TestClient.connect(third.socket)
    expect(await committed(c3, 'g1')).toBe(50)
    expect(await committed(c3, 'g2')).toBe(6)
    c3.close()
    expect(await stopDaemon(third)).toBe(0)
  })
})
