// GroupConsumer through createClient against a real daemon: where each partition starts (the group's
// committed offset, else `from`), that only what was delivered is committed, the commit interval, and the
// last commit on close(). And Client.supports('groups'), which `consume --group` asks before reading.
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
  it('starts at the committed offset, at `from` where the group has none, and commits only what was delivered', async () => {
    await client.groups.commitOffsets('g1', [{topic: 'gc', partition: 0, offset: 3}])
    const g = await GroupConsumer.open(client, 'g1', {topics: ['gc'], from: {kind: 'offset', offset: 1}})
    expect(g.consumer.assignments.map((c) => c.position)).toEqual([3, 1])
    const read: string[] = []
    while (!g.consumer.done) {
      await g.consumer.poll((c, r) => {
        read.push(`${c.partition}:${r.offset}`)
        if (c.partition === 0 || r.offset < 3) g.delivered(c.index, r.offset) // partition 1: only 1 and 2
      })
    }
    expect(read.sort()).toEqual(['0:3', '0:4', '1:1', '1:2', '1:3', '1:4'])
    await g.close()
    expect(await committed('g1', 'gc', 2)).toEqual([5, 3])
  })

  it('commits at most once per commit interval while reading, and the rest on close()', async () => {
    const g = await GroupConsumer.open(client, 'g2', {topics: ['gc'], commitIntervalMs: 60_000})
    while (!g.consumer.done) await g.consumer.poll((c, r) => g.delivered(c.index, r.offset))
    await g.commitIfDue() // the interval has not passed
    expect(await committed('g2', 'gc', 2)).toEqual([-1, -1])
    await g.close()
    expect(await committed('g2', 'gc', 2)).toEqual([5, 5])

    const eager = await GroupConsumer.open(client, 'g3', {topics: ['gc'], partitions: [1], commitIntervalMs: 0})
    while (!eager.consumer.done) await eager.consumer.poll((c, r) => eager.delivered(c.index, r.offset))
    await eager.commitIfDue()
    expect(await committed('g3', 'gc', 2)).toEqual([-1, 5])
    await eager.close()
  })
})

describe('Client.supports', () => {
  it("answers from what the daemon serves; consume --group says so when the daemon has no committed offsets", async () => {
    expect(client.supports('groups')).toBe(true)
    const fake = new FakeDaemon() // its Hello lists no APIs
    await fake.listen()
    try {
      const old = await createClient({dataDir: fake.dir, socket: fake.socketPath, autostart: false})
      expect(old.supports('groups')).toBe(false)
      await old.close()
      const r = await samsa(tempDir(), ['consume', 'gc', '--group', 'g', '--socket', fake.socketPath, '--no-autostart'])
      expect(r.code).toBe(6)
      expect(r.stdout).toBe('')
      expect(lines(r.stderr)).toEqual(['samsa: --group needs committed offsets (OffsetFetch/OffsetCommit), which this daemon does not support yet'])
    } finally {
      await fake.dispose()
    }
  })
})
