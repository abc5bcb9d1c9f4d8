// A group's committed offsets never go back (README Guarantees), whatever happens to the daemon: after a
// kill -9 and restart the coordinator knows none of the old members, so a commit carrying a member id from
// before the restart is refused (UNKNOWN_MEMBER_ID), also when a new member sits at the same epoch number;
// a member whose rejoin is slow after the restart rejoins once and reads on (it used to send a second
// "join" without topics and die). The one time a member moves a commit back is said out loud: a log that
// lost its tail (what a power loss does to records written with acks=1) is read from its end, and the
// member resets the commit there with a warning, so the records produced afterwards are not skipped.
// `samsa group reset` still moves the offsets of a group without members. Real daemons, killed with SIGKILL and restarted on the
// same data directory; real members (the client library and `samsa consume --group`).
import {truncateSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {createClient, type Client, type GroupApi} from '../../src/client/index.js'
import {GroupConsumer} from '../../src/client/group-consumer.js'
import {Producer} from '../../src/client/producer.js'
import {cleanup, lines, samsa, sleep, spawnDaemon, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../support/index.js'

afterAll(cleanup)

async function ok(dir: string, args: string[], input?: string): Promise<string> {
  const r = await samsa(dir, args, input === undefined ? {} : {input})
  expect(r.code, `samsa ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

async function committed(client: Client, group: string, topic: string, partitions: number): Promise<number[]> {
  const offsets = await client.groups.fetchOffsets(group, Array.from({length: partitions}, (_, partition) => ({topic, partition})))
  return offsets.map((o) => o.offset)
}

async function kill9(d: DaemonProcess): Promise<DaemonProcess> {
  d.child.kill('SIGKILL')
  await d.exited
  return spawnDaemon(d.dataDir)
}

async function produce(client: Client, topic: string, partitions: number, each: number, from = 0): Promise<void> {
  const producer = new Producer(client)
  await producer.prepare(topic)
  for (let i = 0; i < each; i++) for (let p = 0; p < partitions; p++) producer.append(topic, Buffer.from(`p${p}-${from + i}`), null, undefined, -1, p)
  await producer.flush()
}

// Reads what the member owns until every partition reached `until`, delivering and flushing all of it.
async function readTo(g: GroupConsumer, until: number): Promise<void> {
  const c = g.consumer!
  while (c.assignments.some((a) => a.position < until)) {
    await c.poll((cur, r) => g.delivered(cur.index, r.offset))
    g.writing()()
  }
}

describe('committed offsets across a kill -9 of the daemon', () => {
  it('a commit from a member the restarted daemon does not know is refused, beside a new member at the same epoch too; group reset still works', async () => {
    let d = await spawnDaemon(tempDir())
    const client = await createClient({dataDir: d.dataDir, autostart: false, reconnectTimeoutMs: 30_000})
    try {
      await client.admin.createTopic('fenced', {partitions: 1})
      await produce(client, 'fenced', 1, 10)
      const old = await client.groups.heartbeat('g', {memberId: '', memberEpoch: 0, topics: ['fenced']})
      expect(old.assignment).toEqual([{topic: 'fenced', partition: 0}])
      const as = (m: {memberId: string; memberEpoch: number}) => ({memberId: m.memberId, memberEpoch: m.memberEpoch})
      await client.groups.commitOffsets('g', [{topic: 'fenced', partition: 0, offset: 8}], as(old))

      d = await kill9(d)
      const refused = (offset: number) => client.groups.commitOffsets('g', [{topic: 'fenced', partition: 0, offset}], as(old))
      await expect(refused(3)).rejects.toMatchObject({code: 'UNKNOWN_MEMBER_ID'}) // the group has no members
      const fresh = await client.groups.heartbeat('g', {memberId: '', memberEpoch: 0, topics: ['fenced']})
      expect(fresh.memberEpoch).toBe(old.memberEpoch) // epochs start again: only the member id tells them apart
      await expect(refused(3)).rejects.toMatchObject({code: 'UNKNOWN_MEMBER_ID'})
      await expect(client.groups.heartbeat('g', {memberId: old.memberId, memberEpoch: old.memberEpoch})).rejects.toMatchObject({code: 'UNKNOWN_MEMBER_ID'})
      expect(await committed(client, 'g', 'fenced', 1)).toEqual([8])
      await client.groups.commitOffsets('g', [{topic: 'fenced', partition: 0, offset: 9}], as(fresh))
      await client.groups.heartbeat('g', {memberId: fresh.memberId, memberEpoch: -1}) // leaves

      // an administrator moves the offsets of a group without members (a simple commit)
      await ok(d.dataDir, ['group', 'reset', 'g', '--topic', 'fenced', '--to-offset', '2', '--execute'])
      expect(await committed(client, 'g', 'fenced', 1)).toEqual([2])
    } finally {
      await client.close()
      await stopDaemon(d)
    }
  })

  it('a member whose rejoin is slow after the restart rejoins once, resumes where its output stopped and reads on', async () => {
    let d = await spawnDaemon(tempDir())
    const client = await createClient({dataDir: d.dataDir, autostart: false, reconnectTimeoutMs: 30_000})
    try {
      await client.admin.createTopic('slow', {partitions: 2})
      await produce(client, 'slow', 2, 10)
      // the daemon's answer to a join takes longer than the member's retry pause (a busy daemon after a restart)
      let slowJoins = false
      const groups: GroupApi = {
        fetchOffsets: (...a) => client.groups.fetchOffsets(...a),
        commitOffsets: (...a) => client.groups.commitOffsets(...a),
        heartbeat: async (group, req) => {
          if (slowJoins && req.topics !== undefined) await sleep(700)
          return client.groups.heartbeat(group, req)
        },
        listGroups: () => client.groups.listGroups(),
        describeGroup: (g) => client.groups.describeGroup(g),
        deleteGroup: (g) => client.groups.deleteGroup(g),
      }
      const g = await GroupConsumer.join({admin: client.admin, records: client.records, groups}, 'g', {topics: ['slow'], follow: true, commitIntervalMs: 60_000})
      await readTo(g, 10)
      await g.commit()
      expect(await committed(client, 'g', 'slow', 2)).toEqual([10, 10])
      const before = g.memberId

      slowJoins = true
      d = await kill9(d)
      g.reconnected()
      await g.changed // its heartbeat hears UNKNOWN_MEMBER_ID
      await g.rebalance()
      expect(g.failure).toBeNull()
      expect(g.memberId).not.toBe(before)
      expect(g.memberId).not.toBe('')
      expect(g.consumer!.assignments.map((c) => [c.partition, c.position])).toEqual([
        [0, 10],
        [1, 10],
      ])
      await produce(client, 'slow', 2, 5, 10)
      await readTo(g, 15)
      await g.close()
      expect(await committed(client, 'g', 'slow', 2)).toEqual([15, 15])
    } finally {
      await client.close()
      await stopDaemon(d)
    }
  })

  it('a log that lost its tail: consume --group says it resets the commit to the log end, and prints everything produced next', async () => {
    let d = await spawnDaemon(tempDir())
    const dir = d.dataDir
    let client = await createClient({dataDir: dir, autostart: false})
    const send = async (values: string[]): Promise<void> => {
      const producer = new Producer(client)
      await producer.prepare('cut')
      for (const v of values) producer.append('cut', Buffer.from(v), null, undefined, -1, 0)
      await producer.flush()
    }
    const values = (prefix: string, from: number, n: number): string[] => Array.from({length: n}, (_, i) => `${prefix}${from + i}`)
    await client.admin.createTopic('cut', {partitions: 1})
    await send(values('v', 0, 60))
    await send(values('v', 60, 40))
    expect(lines(await ok(dir, ['consume', 'cut', '--group', 'g']))).toHaveLength(100)
    expect(await committed(client, 'g', 'cut', 1)).toEqual([100])

    // what a power loss does to records written with acks=1: the file ends early, in the middle of the
    // second batch (offsets 60..99), which recovery then cuts off as a torn tail
    await client.close()
    d.child.kill('SIGKILL')
    await d.exited
    const segment = join(dir, 'cut-0', '00000000000000000000.log')
    const batches = lines((await samsa(null, ['log', 'dump', segment, '--json'])).stdout).map((l) => JSON.parse(l) as {baseOffset: number; position: number})
    expect(batches.map((b) => b.baseOffset)).toEqual([0, 60])
    truncateSync(segment, batches[1]!.position + 30)
    d = await spawnDaemon(dir)
    client = await createClient({dataDir: dir, autostart: false})

    const again = await samsa(dir, ['consume', 'cut', '--group', 'g'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toBe('')
    expect(lines(again.stderr)).toEqual([expect.stringMatching(/^samsa: group g: cut-0: the committed offset 100 is past the log end 60 \(.*\); resetting it to 60/)])
    expect(await committed(client, 'g', 'cut', 1)).toEqual([60])

    await send(values('w', 0, 50)) // offsets 60..109
    const next = await samsa(dir, ['consume', 'cut', '--group', 'g'])
    expect(next.code, next.stderr).toBe(0)
    expect(lines(next.stdout)).toEqual(values('w', 0, 50)) // none skipped
    expect(await committed(client, 'g', 'cut', 1)).toEqual([110])
    await client.close()
    await stopDaemon(d)
  })
})
