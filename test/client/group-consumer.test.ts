// GroupConsumer through createClient against a real daemon: a member reads exactly what it owns, starting
// at the group's committed offset (else `from`); only what was delivered AND flushed is committed (every
// commit interval, on give-back and on close); two members in one process hand partitions over in order
// (revoke → commit → acknowledge → assign) so the second starts where the first's output stopped. And
// Client.supports, which `consume --group` asks before reading.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createClient, type Client} from '../../src/client/index.js'
import {GroupConsumer} from '../../src/client/group-consumer.js'
import {Producer} from '../../src/client/producer.js'
import {cleanup, lines, samsa, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'
import {FakeDaemon} from './local/fake-daemon.js'

let daemon: DaemonProcess
let client: Client

// the group's committed offset per partition of `topic` (-1: none)
async function committed(group: string, topic: string, partitions: number): Promise<number[]> {
  const offsets = await client.groups.fetchOffsets(group, Array.from({length: partitions}, (_, partition) => ({topic, partition})))
  return Array.from({length: partitions}, (_, p) => offsets.find((o) => o.topic === topic && o.partition === p)?.offset ?? -1)
}

// Reads what the member owns to its end: every record delivered; flushed only when `flush` says so.
async function drain(g: GroupConsumer, read: string[], flush = true): Promise<void> {
  const c = g.consumer!
  while (!c.done) {
    await c.poll((cur, r) => {
      read.push(`${cur.partition}:${r.offset}`)
      g.delivered(cur.index, r.offset)
    })
    if (flush) g.writing()()
  }
}

beforeAll(async () => {
  daemon = await spawnDaemon(tempDir())
  client = await createClient({dataDir: daemon.dataDir, autostart: false})
  await client.admin.createTopic('gc', {partitions: 2})
  const producer = new Producer(client)
  await producer.prepare('gc')
  for (let i = 0; i < 10; i++) producer.append('gc', Buffer.from(`v${i}`), null, undefined, -1, i % 2)
  await producer.flush()
})

afterAll(async () => {
  await client?.close()
  if (daemon) await stopDaemon(daemon)
  await cleanup()
})

describe('GroupConsumer', () => {
  it('starts at the committed offset, at `from` where the group has none, and commits only what was flushed', async () => {
    await client.groups.commitOffsets('g1', [{topic: 'gc', partition: 0, offset: 3}])
    const g = await GroupConsumer.join(client, 'g1', {topics: ['gc'], from: {kind: 'offset', offset: 1}, commitIntervalMs: 60_000})
    expect(g.consumer!.assignments.map((c) => c.position)).toEqual([3, 1])
    const read: string[] = []
    await drain(g, read, false) // delivered, never flushed
    expect(read.sort()).toEqual(['0:3', '0:4', '1:1', '1:2', '1:3', '1:4'])
    await g.close()
    expect(await committed('g1', 'gc', 2)).toEqual([3, 1]) // where it started: nothing was flushed
    const again = await GroupConsumer.join(client, 'g1', {topics: ['gc']})
    await drain(again, [])
    await again.close()
    expect(await committed('g1', 'gc', 2)).toEqual([5, 5])
  })

  it('commits at most once per commit interval while reading, and the rest on close()', async () => {
    const g = await GroupConsumer.join(client, 'g2', {topics: ['gc'], commitIntervalMs: 60_000})
    await drain(g, [])
    await g.commitIfDue() // the interval has not passed
    expect(await committed('g2', 'gc', 2)).toEqual([-1, -1])
    await g.close()
    expect(await committed('g2', 'gc', 2)).toEqual([5, 5])
  })

  it('hands a partition over: the new owner starts exactly where the old owner output stopped', async () => {
    const a = await GroupConsumer.join(client, 'g3', {topics: ['gc'], follow: true, commitIntervalMs: 60_000})
    expect(a.consumer!.assignments.map((c) => c.partition)).toEqual([0, 1])
    // a delivers and flushes 0..2 of both partitions, then b joins
    await a.consumer!.poll((c, r) => {
      if (r.offset <= 2) a.delivered(c.index, r.offset)
    })
    a.writing()()
    const b = await GroupConsumer.join(client, 'g3', {topics: ['gc'], follow: true, commitIntervalMs: 60_000})
    expect(b.consumer).toBeNull() // its partition is still a's
    await a.changed
    await a.rebalance() // gives one back: commits it, then reports it gone
    expect(a.consumer!.assignments).toHaveLength(1)
    const moved = [0, 1].find((p) => p !== a.consumer!.assignments[0]!.partition)!
    await b.changed
    await b.rebalance()
    expect(b.consumer!.assignments.map((c) => [c.partition, c.position])).toEqual([[moved, 3]])
    const desc = await client.groups.describeGroup('g3')
    expect(desc.state).toBe('Stable')
    expect(desc.partitions.find((p) => p.partition === moved)!.currentOffset).toBe(3)
    await b.close()
    await a.changed // b left: its partition is free at once
    await a.rebalance()
    expect(a.consumer!.assignments.map((c) => [c.partition, c.position]).sort()).toEqual([
      [0, 3],
      [1, 3],
    ])
    await a.close()
    expect((await client.groups.describeGroup('g3')).state).toBe('Empty')
  })
})

describe('Client.supports', () => {
  it("answers from what the daemon serves; consume --group says so when the daemon has no consumer groups", async () => {
    expect(client.supports('groups')).toBe(true)
    expect(client.supports('membership')).toBe(true)
    const fake = new FakeDaemon() // its Hello lists no APIs
    await fake.listen()
    try {
      const old = await createClient({dataDir: fake.dir, socket: fake.socketPath, autostart: false})
      expect(old.supports('groups')).toBe(false)
      expect(old.supports('membership')).toBe(false)
      await old.close()
      const r = await samsa(tempDir(), ['consume', 'gc', '--group', 'g', '--socket', fake.socketPath, '--no-autostart'])
      expect(r.code).toBe(6)
      expect(r.stdout).toBe('')
      expect(lines(r.stderr)).toEqual(['samsa: --group needs consumer groups (GroupHeartbeat, OffsetFetch/OffsetCommit), which this daemon does not support yet'])
    } finally {
      await fake.dispose()
    }
  })
})
