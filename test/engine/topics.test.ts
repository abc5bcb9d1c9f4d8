// Topic administration through a real daemon: create/describe/alter/delete with configs and partitions,
// every bad name (nothing created on disk), reserved and colliding names, crash leftovers cleaned at
// restart, symbolic links left alone, topics surviving a restart, a create that runs out of file
// descriptors leaving nothing behind.
import {existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'
import {lz4Batch, sharedDaemon, TestClient} from './helpers.js'

let dataDir: string
let d: DaemonProcess
let c: TestClient

sharedDaemon((daemon, client) => {
  d = daemon
  dataDir = daemon.dataDir
  c = client
})

function create(name: unknown, partitions?: unknown, configs: Record<string, string> = {}, ifNotExists = false) {
  const body: Record<string, unknown> = {name, configs, ifNotExists}
  if (partitions !== undefined) body.partitions = partitions
  return c.request(ApiKey.CreateTopic, body)
}

function describeTopic(name: string) {
  return c.request(ApiKey.DescribeTopics, {topics: [name]})
}

describe('topics', () => {
  it('creates, describes with defaults marked, lists and deletes a topic', async () => {
    const r = await create('orders', 3, {'retention.ms': '3600000', 'cleanup.policy': 'compact'})
    expect(r.body.error, d.output()).toBeUndefined()
    expect(r.body.created).toBe(true)
    expect(r.body.topic.partitions).toHaveLength(3)
    expect(new Set(r.body.topic.partitions.map((p: {worker: number}) => p.worker))).toEqual(new Set([0, 1]))
    const configs = new Map<string, {value: string; isDefault: boolean}>(r.body.topic.configs.map((e: {name: string}) => [e.name, e]))
    expect(configs.get('retention.ms')).toEqual({name: 'retention.ms', value: '3600000', isDefault: false})
    expect(configs.get('cleanup.policy')).toMatchObject({value: 'compact', isDefault: false})
    expect(configs.get('segment.bytes')).toMatchObject({value: '1073741824', isDefault: true})
    expect(configs.get('flush.ms')).toMatchObject({value: '9223372036854775807', isDefault: true})
    expect(configs.get('max.compaction.lag.ms')).toMatchObject({value: '9223372036854775807', isDefault: true})
    expect(configs.size).toBe(14)
    for (let p = 0; p < 3; p++) expect(existsSync(join(dataDir, `orders-${p}`))).toBe(true)
    const list = await c.request(ApiKey.ListTopics, {})
    expect(list.body.topics).toContainEqual({name: 'orders', partitions: 3, compact: true, sizeInBytes: 0, messages: 0})
    const again = await create('orders', 3)
    expect(again.body.error.code).toBe('TOPIC_EXISTS')
    const idem = await create('orders', 3, {}, true)
    expect(idem.body.created).toBe(false)
    const del = await c.request(ApiKey.DeleteTopic, {name: 'orders', ifExists: false})
    expect(del.body).toEqual({deleted: true})
    for (let p = 0; p < 3; p++) expect(existsSync(join(dataDir, `orders-${p}`))).toBe(false)
    expect(readFileSync(join(dataDir, 'catalog.json'), 'utf8')).not.toMatch(/"orders"/)
    expect((await describeTopic('orders')).body.error.code).toBe('UNKNOWN_TOPIC')
    expect((await c.request(ApiKey.DeleteTopic, {name: 'orders', ifExists: false})).body.error.code).toBe('UNKNOWN_TOPIC')
    expect((await c.request(ApiKey.DeleteTopic, {name: 'orders', ifExists: true})).body).toEqual({deleted: false})
  })

  it('defaults to one partition and refuses bad partition counts', async () => {
    expect((await create('one')).body.topic.partitions).toHaveLength(1)
    for (const bad of [0, -1, 10_001, 1.5, '3', null]) {
      const r = await create(`bad-parts-${String(bad)}`.replace(/[^a-z0-9-]/gi, '_'), bad)
      expect(r.body.error?.code, `partitions ${String(bad)}`).toBe('INVALID_PARTITIONS')
    }
  })

  it('refuses unknown configs and bad values, naming the config and its range', async () => {
    const unknown = await create('cfg', 1, {'retention.msec': '5'})
    expect(unknown.body.error.code).toBe('INVALID_CONFIG')
    expect(unknown.body.error.message).toMatch(/retention\.msec.*did you mean retention\.ms/)
    const bad = await create('cfg', 1, {'segment.bytes': '12'})
    expect(bad.body.error.code).toBe('INVALID_CONFIG')
    expect(bad.body.error.message).toMatch(/segment\.bytes.*1024/)
    const proto = await create('cfg', 1, {__proto__: 'x'} as unknown as Record<string, string>)
    expect(proto.body.error?.code ?? 'none').toMatch(/INVALID_CONFIG|none/)
    expect(existsSync(join(dataDir, 'cfg-0'))).toBe(proto.body.error === undefined)
  })

  it('alters configs (set and delete) and grows partitions, never shrinks them', async () => {
    await create('alt', 2, {'retention.ms': '1000'})
    const r = await c.request(ApiKey.AlterTopic, {name: 'alt', set: {'segment.bytes': '1048576'}, delete: ['retention.ms'], partitions: 4})
    expect(r.body.error).toBeUndefined()
    const configs = new Map<string, {value: string; isDefault: boolean}>(r.body.topic.configs.map((e: {name: string}) => [e.name, e]))
    expect(configs.get('segment.bytes')).toMatchObject({value: '1048576', isDefault: false})
    expect(configs.get('retention.ms')).toMatchObject({value: '604800000', isDefault: true})
    expect(r.body.topic.partitions).toHaveLength(4)
    const p3 = await c.request(ApiKey.Produce, {topic: 'alt', partition: 3, acks: 1, timeoutMs: 1000}, lz4Batch(1))
    expect(p3.body.baseOffset).toBe(0)
    const shrink = await c.request(ApiKey.AlterTopic, {name: 'alt', set: {}, delete: [], partitions: 2})
    expect(shrink.body.error.code).toBe('INVALID_PARTITIONS')
    expect(shrink.body.error.message).toMatch(/has 4 partitions/)
    const badCfg = await c.request(ApiKey.AlterTopic, {name: 'alt', set: {'max.message.bytes': 'lots'}, delete: []})
    expect(badCfg.body.error.code).toBe('INVALID_CONFIG')
    const badDel = await c.request(ApiKey.AlterTopic, {name: 'alt', set: {}, delete: ['nope']})
    expect(badDel.body.error.code).toBe('INVALID_CONFIG')
    const missing = await c.request(ApiKey.AlterTopic, {name: 'ghost', set: {}, delete: []})
    expect(missing.body.error.code).toBe('UNKNOWN_TOPIC')
    // a live config change reaches the partition logs: a small max.message.bytes now refuses big batches
    await c.request(ApiKey.AlterTopic, {name: 'alt', set: {'max.message.bytes': '100'}, delete: []})
    const big = await c.request(ApiKey.Produce, {topic: 'alt', partition: 0, acks: 1, timeoutMs: 1000}, lz4Batch(20, 'x', 50))
    expect(big.body.error.code).toBe('MESSAGE_TOO_LARGE')
  })

  it('refuses every bad name with INVALID_TOPIC and creates nothing on disk', async () => {
    const before = readdirSync(dataDir).sort()
    const catalogBefore = readFileSync(join(dataDir, 'catalog.json'), 'utf8')
    const bad = ['', '.', '..', 'a'.repeat(250), 'a/b', '../x', 'nul\0byte', 'with space', 'caf\u00e9', '\u{1F600}', 'tab\t', 42, null]
    for (const name of bad) {
      const r = await create(name, 1)
      expect(r.body.error?.code, `name ${JSON.stringify(name)}`).toBe('INVALID_TOPIC')
      const del = await c.request(ApiKey.DeleteTopic, {name, ifExists: true})
      expect(del.body.error?.code, `delete ${JSON.stringify(name)}`).toBe('INVALID_TOPIC')
    }
    expect(readdirSync(dataDir).sort()).toEqual(before)
    expect(readFileSync(join(dataDir, 'catalog.json'), 'utf8')).toEqual(catalogBefore)
    expect(existsSync(join(dataDir, '..', 'x-0'))).toBe(false)
    // the longest legal name works
    expect((await create('b'.repeat(249), 1)).body.created).toBe(true)
  })

  it('refuses reserved "__" names and names colliding on "." versus "_"', async () => {
    const internal = await create('__consumer_offsets', 1)
    expect(internal.body.error.code).toBe('INVALID_TOPIC')
    expect(internal.body.error.message).toMatch(/reserved/)
    await create('metrics.cpu', 1)
    const collide = await create('metrics_cpu', 1)
    expect(collide.body.error.code).toBe('INVALID_TOPIC')
    expect(collide.body.error.message).toMatch(/collides with existing topic metrics\.cpu/)
    expect(existsSync(join(dataDir, 'metrics_cpu-0'))).toBe(false)
  })

  it('serialises concurrent creates of one topic: exactly one succeeds', async () => {
    const other = await TestClient.connect(d.socket)
    const results = await Promise.all([create('race', 2), other.request(ApiKey.CreateTopic, {name: 'race', partitions: 2, configs: {}, ifNotExists: false})])
    const codes = results.map((r) => r.body.error?.code ?? 'created').sort()
    expect(codes).toEqual(['TOPIC_EXISTS', 'created'])
    other.close()
  })

  it('keeps topics across a restart, and cleans up what an interrupted create or delete left behind', async () => {
    const dir = tempDir()
    const first = await spawnDaemon(dir)
    const c1 = await TestClient.connect(first.socket)
    await c1.request(ApiKey.CreateTopic, {name: 'keep', partitions: 2, configs: {'retention.bytes': '1000000'}, ifNotExists: false})
    await c1.request(ApiKey.Produce, {topic: 'keep', partition: 1, acks: 1, timeoutMs: 1000}, lz4Batch(3))
    c1.close()
    expect(await stopDaemon(first)).toBe(0)
    // a create interrupted before its catalog entry: partition dirs, no entry
    mkdirSync(join(dir, 'half-0'))
    writeFileSync(join(dir, 'half-0', '00000000000000000000.log'), '')
    mkdirSync(join(dir, 'half-1'))
    // a grow interrupted before the entry: a partition beyond the catalog's count
    mkdirSync(join(dir, 'keep-2'))
    // an interrupted catalog write
    writeFileSync(join(dir, 'catalog.json.tmp'), '{"trunc')
    // a symbolic link planted in the data directory: never followed, never deleted
    const outside = tempDir('samsa-outside-')
    writeFileSync(join(outside, 'precious'), 'do not delete')
    symlinkSync(outside, join(dir, 'evil-0'))
    const second = await spawnDaemon(dir)
    expect(existsSync(join(dir, 'half-0'))).toBe(false)
    expect(existsSync(join(dir, 'half-1'))).toBe(false)
    expect(existsSync(join(dir, 'keep-2'))).toBe(false)
    expect(existsSync(join(dir, 'catalog.json.tmp'))).toBe(false)
    expect(existsSync(join(outside, 'precious'))).toBe(true)
    expect(second.output()).toMatch(/removed leftover partition directory .*half-0/)
    expect(second.output()).toMatch(/leaving symbolic link .*evil-0/)
    const c2 = await TestClient.connect(second.socket)
    const desc = await c2.request(ApiKey.DescribeTopics, {topics: ['keep']})
    expect(desc.body.topics[0].partitions.map((p: {logEndOffset: number}) => p.logEndOffset)).toEqual([0, 3])
    expect(desc.body.topics[0].configs.find((e: {name: string}) => e.name === 'retention.bytes')).toMatchObject({value: '1000000', isDefault: false})
    const list = await c2.request(ApiKey.ListTopics, {})
    expect(list.body.topics.map((t: {name: string}) => t.name)).toEqual(['keep'])
    // creating a topic whose partition dir is a planted symlink is refused, and the link's target is untouched
    const evil = await c2.request(ApiKey.CreateTopic, {name: 'evil', partitions: 1, configs: {}, ifNotExists: false})
    expect(evil.body.error.code).toBe('STORAGE_ERROR')
    expect(existsSync(join(outside, 'precious'))).toBe(true)
    c2.close()
    expect(await stopDaemon(second)).toBe(0)
  })

  it('refuses to start on an unreadable catalog, deleting nothing', async () => {
    const dir = tempDir()
    const first = await spawnDaemon(dir)
    const c1 = await TestClient.connect(first.socket)
    await c1.request(ApiKey.CreateTopic, {name: 'safe', partitions: 1, configs: {}, ifNotExists: false})
    c1.close()
    expect(await stopDaemon(first)).toBe(0)
    writeFileSync(join(dir, 'catalog.json'), '{"version":1,"topics":[{"na')
    const second = await spawnDaemon(dir, {waitReady: false})
    expect(await second.exited).toBe(7)
    expect(second.output()).toMatch(/samsa: cannot read the topic catalog/)
    expect(existsSync(join(dir, 'safe-0'))).toBe(true)
  })

  it('leaves nothing behind when a create runs out of file descriptors, and creates once they are free', async () => {
    const dir = tempDir()
    const daemon = await spawnDaemon(dir, {workers: 1, fdLimit: 64})
    const client = await TestClient.connect(daemon.socket)
    const openIn = (prefix: string): string[] =>
      readdirSync(`/proc/${daemon.pid}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${daemon.pid}/fd/${fd}`)
          } catch {
            return '' // closed meanwhile
          }
        })
        .filter((target) => target.startsWith(join(dir, prefix)))
    const extra: TestClient[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      // Three files per partition: 40 partitions need more than 64 descriptors. Which open fails (the
      // partition's first file, or its second or third, with the others open) depends on how many are
      // free; one more connection per attempt (one descriptor in the daemon) tries each case.
      extra.push(await TestClient.connect(daemon.socket))
      const r = await client.request(ApiKey.CreateTopic, {name: 'wide', partitions: 40, configs: {}, ifNotExists: false})
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe('STORAGE_ERROR')
      expect(r.body.error.message).toMatch(/cannot create topic wide: .*too many open files/)
      expect(readdirSync(dir).filter((n) => n.startsWith('wide-'))).toEqual([])
      const catalog = join(dir, 'catalog.json')
      expect(existsSync(catalog) && readFileSync(catalog, 'utf8').includes('"wide"'), 'catalog entry').toBe(false)
      expect(openIn('wide-'), 'descriptors left open').toEqual([])
      expect((await client.request(ApiKey.DescribeTopics, {topics: ['wide']})).body.error.code).toBe('UNKNOWN_TOPIC')
    }
    const ok = await client.request(ApiKey.CreateTopic, {name: 'narrow', partitions: 4, configs: {}, ifNotExists: false})
    expect(ok.body.error, JSON.stringify(ok.body)).toBeUndefined()
    const produced = await client.request(ApiKey.Produce, {topic: 'narrow', partition: 3, acks: 1, timeoutMs: 0}, lz4Batch(2))
    expect(produced.body.lastOffset).toBe(1)
    for (const c of [client, ...extra]) c.close()
    expect(await stopDaemon(daemon)).toBe(0)
  })

  it('answers a malformed admin body with INVALID_REQUEST', async () => {
    expect((await c.request(ApiKey.CreateTopic, [1, 2])).body.error.code).toBe('INVALID_REQUEST')
    expect((await c.request(ApiKey.DescribeTopics, {topics: 'x'})).body.error.code).toBe('INVALID_REQUEST')
    expect((await c.request(ApiKey.AlterTopic, {name: 'one', set: {a: 1}, delete: []})).body.error.code).toBe('INVALID_REQUEST')
    expect((await c.request(99, {})).body.error.code).toBe('INVALID_REQUEST')
  })
})
