// The classic group protocol over the Kafka listener, on a real daemon process, with a bare Kafka client
// (one connection per member, as kcat and kafkajs have): JoinGroup's barrier, the leader's assignment
// through SyncGroup, Heartbeat telling members of a rebalance, LeaveGroup, DescribeGroups, and commits
// checked against the member and generation — and the same group in `samsa group describe`: one
// coordinator whichever front end a member uses. Bad input gets Kafka's codes and the connection stays.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {encodeAssignment, encodeSubscription, KafkaErrorCode as E, type RequestBody} from '../../../src/protocol/kafka/index.js'
import {cleanup, requireBuild, samsa, spawnDaemon, start, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../../support/index.js'
import {batch, KafkaTestClient, produceBody} from './helpers.js'

let d: DaemonProcess
let port: number
const clients: KafkaTestClient[] = []

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {kafka: true})
  port = d.kafkaPort()
})

afterAll(async () => {
  for (const c of clients) c.close()
  if (d) await stopDaemon(d)
  await cleanup()
})

async function client(): Promise<KafkaTestClient> {
  const c = await KafkaTestClient.connect(port)
  clients.push(c)
  return c
}

async function ok(args: string[]): Promise<string> {
  const r = await samsa(d.dataDir, args)
  expect(r.code, `samsa ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

function join(groupId: string, memberId: string, extra: Partial<RequestBody<'JoinGroup'>> = {}): RequestBody<'JoinGroup'> {
  return {
    groupId,
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    protocolType: 'consumer',
    protocols: [{name: 'range', metadata: encodeSubscription(['gt'])}],
    ...extra,
  }
}

function commit(groupId: string, generationId: number, memberId: string, partition: number, offset: number): RequestBody<'OffsetCommit'> {
  return {
    groupId,
    generationId,
    memberId,
    retentionTimeMs: -1,
    topics: [{name: 'gt', partitions: [{partitionIndex: partition, committedOffset: offset, commitTimestamp: -1, committedMetadata: ''}]}],
  }
}

const code = (r: {topics: {partitions: {errorCode: number}[]}[]}): number => r.topics[0]!.partitions[0]!.errorCode

describe('a group of two Kafka members', () => {
  it('join, sync, rebalance on a join and on a leave; commits at the generation; the same group in samsa group describe', async () => {
    await ok(['topic', 'create', 'gt', '--partitions', '2'])
    for (const p of [0, 1]) await (await client()).request('Produce', produceBody('gt', p, batch(['a', 'b', 'c', 'd', 'e'])))
    const a = await client()
    const b = await client()

    // alone in an Empty group: generation 1 at once, a is the leader and gets its own metadata
    const a1 = await a.request('JoinGroup', join('two', ''))
    expect(a1).toMatchObject({errorCode: 0, generationId: 1, protocolName: 'range'})
    expect(a1.leader).toBe(a1.memberId)
    expect(a1.memberId).toMatch(/^samsa-test-/) // client id, then a unique suffix (Kafka's form)
    expect(a1.members).toEqual([{memberId: a1.memberId, metadata: encodeSubscription(['gt'])}])
    const both = encodeAssignment([{topic: 'gt', partition: 0}, {topic: 'gt', partition: 1}])
    const s1 = await a.request('SyncGroup', {groupId: 'two', generationId: 1, memberId: a1.memberId, assignments: [{memberId: a1.memberId, assignment: both}]})
    expect(s1).toEqual({throttleTimeMs: 0, errorCode: 0, assignment: both})
    expect((await a.request('Heartbeat', {groupId: 'two', generationId: 1, memberId: a1.memberId})).errorCode).toBe(0)

    // b joins: its join waits in the barrier; a hears of the rebalance on its heartbeat and rejoins
    const bJoin = b.request('JoinGroup', join('two', ''))
    await waitFor(async () => (await a.request('Heartbeat', {groupId: 'two', generationId: 1, memberId: a1.memberId})).errorCode === E.REBALANCE_IN_PROGRESS, 10_000, 'a rebalance')
    const a2 = await a.request('JoinGroup', join('two', a1.memberId))
    const b2 = await bJoin
    expect(a2).toMatchObject({errorCode: 0, generationId: 2, leader: a1.memberId, memberId: a1.memberId})
    expect(b2).toMatchObject({errorCode: 0, generationId: 2, leader: a1.memberId, members: []})
    expect(a2.members.map((m) => m.memberId).sort()).toEqual([a1.memberId, b2.memberId].sort())

    // the follower's sync waits for the leader's assignments
    const bSync = b.request('SyncGroup', {groupId: 'two', generationId: 2, memberId: b2.memberId, assignments: []})
    const p0 = encodeAssignment([{topic: 'gt', partition: 0}])
    const p1 = encodeAssignment([{topic: 'gt', partition: 1}])
    const a3 = await a.request('SyncGroup', {
      groupId: 'two',
      generationId: 2,
      memberId: a1.memberId,
      assignments: [
        {memberId: a1.memberId, assignment: p0},
        {memberId: b2.memberId, assignment: p1},
      ],
    })
    expect(a3.assignment).toEqual(p0)
    expect((await bSync).assignment).toEqual(p1)

    // commits at the current generation; a stale one is refused
    expect(code(await a.request('OffsetCommit', commit('two', 2, a1.memberId, 0, 3)))).toBe(0)
    expect(code(await b.request('OffsetCommit', commit('two', 2, b2.memberId, 1, 5)))).toBe(0)
    expect(code(await a.request('OffsetCommit', commit('two', 1, a1.memberId, 0, 4)))).toBe(E.ILLEGAL_GENERATION)
    expect(code(await a.request('OffsetCommit', commit('two', 2, 'nobody', 0, 4)))).toBe(E.UNKNOWN_MEMBER_ID)
    expect(code(await a.request('OffsetCommit', commit('two', -1, '', 0, 4)))).toBe(E.UNKNOWN_MEMBER_ID) // no simple commits while it has members

    // samsa's CLI sees the same group: its members, who owns which partition, committed offsets, lag
    const described = JSON.parse(await ok(['group', 'describe', 'two', '--json']))
    expect(described).toMatchObject({type: 'classic', state: 'Stable', epoch: 2, assignor: 'range', totalLag: 2})
    expect(described.members.map((m: {memberId: string}) => m.memberId).sort()).toEqual([a1.memberId, b2.memberId].sort())
    expect(described.partitions.map((p: {partition: number; currentOffset: number; lag: number; memberId: string}) => [p.partition, p.currentOffset, p.lag, p.memberId])).toEqual([
      [0, 3, 2, a1.memberId],
      [1, 5, 0, b2.memberId],
    ])
    expect(JSON.parse(await ok(['group', 'list', '--json'])).groups).toContainEqual({group: 'two', type: 'classic', state: 'Stable', members: 2})

    // Kafka's DescribeGroups and ListGroups
    const kd = await a.request('DescribeGroups', {groups: ['two']})
    expect(kd.groups[0]).toMatchObject({errorCode: 0, groupId: 'two', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range'})
    expect(kd.groups[0]!.members.find((m) => m.memberId === b2.memberId)).toMatchObject({clientId: 'samsa-test', clientHost: '/127.0.0.1', memberAssignment: p1})
    expect((await a.request('ListGroups', {})).groups).toContainEqual({groupId: 'two', protocolType: 'consumer'})

    // b leaves: a rebalances alone into generation 3
    expect((await b.request('LeaveGroup', {groupId: 'two', memberId: b2.memberId})).errorCode).toBe(0)
    expect((await b.request('LeaveGroup', {groupId: 'two', memberId: b2.memberId})).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await a.request('Heartbeat', {groupId: 'two', generationId: 2, memberId: a1.memberId})).errorCode).toBe(E.REBALANCE_IN_PROGRESS)
    const a4 = await a.request('JoinGroup', join('two', a1.memberId))
    expect(a4).toMatchObject({errorCode: 0, generationId: 3, leader: a1.memberId})
    expect(a4.members.map((m) => m.memberId)).toEqual([a1.memberId])

    // the last member leaves: the group is Empty, its offsets stay, simple commits are taken again
    expect((await a.request('LeaveGroup', {groupId: 'two', memberId: a1.memberId})).errorCode).toBe(0)
    expect((await a.request('DescribeGroups', {groups: ['two']})).groups[0]!.groupState).toBe('Empty')
    expect(code(await a.request('OffsetCommit', commit('two', -1, '', 0, 5)))).toBe(0)
    expect(JSON.parse(await ok(['group', 'describe', 'two', '--json'])).totalLag).toBe(0)
  })
})

describe('refusals', () => {
  it("stale generations, unknown members and bad joins get Kafka's codes, and the connection stays open", async () => {
    const c = await client()
    const j = await c.request('JoinGroup', join('bad', ''))
    expect(j.errorCode).toBe(0)
    const m = j.memberId
    await c.request('SyncGroup', {groupId: 'bad', generationId: 1, memberId: m, assignments: []})

    // a SyncGroup or Heartbeat from a stale (or future) generation; an unknown member; an unknown group
    expect((await c.request('SyncGroup', {groupId: 'bad', generationId: 0, memberId: m, assignments: []})).errorCode).toBe(E.ILLEGAL_GENERATION)
    expect((await c.request('Heartbeat', {groupId: 'bad', generationId: 7, memberId: m})).errorCode).toBe(E.ILLEGAL_GENERATION)
    expect((await c.request('Heartbeat', {groupId: 'bad', generationId: 1, memberId: 'stranger'})).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await c.request('Heartbeat', {groupId: 'no-such-group', generationId: 1, memberId: 'stranger'})).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await c.request('SyncGroup', {groupId: 'no-such-group', generationId: 1, memberId: 'stranger', assignments: []})).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await c.request('Heartbeat', {groupId: '', generationId: 1, memberId: m})).errorCode).toBe(E.INVALID_GROUP_ID)

    // joins: no protocol type, no protocols, another protocol type or no protocol in common with the
    // members; an unknown member id; a session timeout out of range; an empty group id
    const refused = (r: {errorCode: number; generationId: number; protocolName: string}) => [r.errorCode, r.generationId, r.protocolName]
    expect(refused(await c.request('JoinGroup', join('fresh', '', {protocolType: ''})))).toEqual([E.INCONSISTENT_GROUP_PROTOCOL, -1, ''])
    expect(refused(await c.request('JoinGroup', join('fresh', '', {protocols: []})))).toEqual([E.INCONSISTENT_GROUP_PROTOCOL, -1, ''])
    expect((await c.request('JoinGroup', join('bad', '', {protocolType: 'connect'}))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
    expect((await c.request('JoinGroup', join('bad', '', {protocols: [{name: 'roundrobin', metadata: Buffer.alloc(0)}]}))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
    expect((await c.request('JoinGroup', join('bad', 'made-up-member'))).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await c.request('JoinGroup', join('fresh', '', {sessionTimeoutMs: 10}))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT)
    expect((await c.request('JoinGroup', join('', ''))).errorCode).toBe(E.INVALID_GROUP_ID)
    expect((await c.request('DescribeGroups', {groups: ['fresh']})).groups[0]!.groupState).toBe('Dead') // nothing was created

    // the member refused nothing of its own: it is still the group's, Stable
    expect((await c.request('Heartbeat', {groupId: 'bad', generationId: 1, memberId: m})).errorCode).toBe(0)
    expect(c.closed).toBe(false)
    await c.request('LeaveGroup', {groupId: 'bad', memberId: m})
  })

  it('JoinGroup v0 (no rebalance timeout: the session timeout bounds the barrier) and v1, Heartbeat and LeaveGroup v0', async () => {
    const c = await client()
    const {rebalanceTimeoutMs: _, ...v0body} = join('old', '')
    const v0 = await c.request('JoinGroup', v0body as RequestBody<'JoinGroup'>, 0)
    expect(v0).toMatchObject({errorCode: 0, generationId: 1, protocolName: 'range'})
    const v1 = await c.request('JoinGroup', join('old', v0.memberId), 1)
    expect(v1).toMatchObject({errorCode: 0, memberId: v0.memberId})
    await c.request('SyncGroup', {groupId: 'old', generationId: v1.generationId, memberId: v0.memberId, assignments: []}, 0)
    expect((await c.request('Heartbeat', {groupId: 'old', generationId: v1.generationId, memberId: v0.memberId}, 0)).errorCode).toBe(0)
    expect((await c.request('LeaveGroup', {groupId: 'old', memberId: v0.memberId}, 0)).errorCode).toBe(0)
  })

  it("a group of samsa members takes no Kafka member (one protocol per group), and the daemon's log says why", async () => {
    await ok(['topic', 'create', 'mixed'])
    const member = start(d.dataDir, ['consume', 'mixed', '--group', 'mixed-group', '--follow'])
    try {
      await waitFor(async () => (await samsa(d.dataDir, ['group', 'describe', 'mixed-group', '--json'])).stdout.includes('"memberId"'), 20_000, 'the samsa member')
      const c = await client()
      expect((await c.request('JoinGroup', join('mixed-group', ''))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
      expect(code(await c.request('OffsetCommit', commit('mixed-group', 1, 'kafka-member', 0, 1)))).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
      expect(code(await c.request('OffsetCommit', commit('mixed-group', -1, '', 0, 1)))).toBe(E.UNKNOWN_MEMBER_ID)
      await waitFor(() => d.output().includes('refused a JoinGroup from Kafka client "samsa-test"'), 10_000, 'the log line')
      expect(d.output()).toMatch(/group mixed-group has members of another protocol, samsa members/)
    } finally {
      member.child.kill('SIGTERM')
      await member.exited
    }
  })
})

describe('commits across a kill -9 of the daemon', () => {
  it("a Kafka member from before the restart is refused, also once a new member holds the same generation number; the committed offset stays", async () => {
    let own = await spawnDaemon(tempDir(), {kafka: true})
    const connect = async (): Promise<KafkaTestClient> => {
      const c = await KafkaTestClient.connect(own.kafkaPort())
      clients.push(c)
      return c
    }
    try {
      expect((await samsa(own.dataDir, ['topic', 'create', 'gt', '--partitions', '2'])).code).toBe(0)
      let a = await connect()
      const a1 = await a.request('JoinGroup', join('restarted', ''))
      expect(a1.generationId).toBe(1)
      await a.request('SyncGroup', {groupId: 'restarted', generationId: 1, memberId: a1.memberId, assignments: [{memberId: a1.memberId, assignment: encodeAssignment([{topic: 'gt', partition: 0}])}]})
      expect(code(await a.request('OffsetCommit', commit('restarted', 1, a1.memberId, 0, 5)))).toBe(0)

      own.child.kill('SIGKILL')
      await own.exited
      own = await spawnDaemon(own.dataDir, {kafka: true})
      a = await connect()
      // the restarted daemon has not seen the group: Kafka's answer to a generation it does not have (v0-8)
      expect(code(await a.request('OffsetCommit', commit('restarted', 1, a1.memberId, 0, 2)))).toBe(E.ILLEGAL_GENERATION)
      const b = await connect()
      const b1 = await b.request('JoinGroup', join('restarted', ''))
      expect(b1.generationId).toBe(1) // the same number as a's: only the member id tells them apart
      await b.request('SyncGroup', {groupId: 'restarted', generationId: 1, memberId: b1.memberId, assignments: [{memberId: b1.memberId, assignment: encodeAssignment([{topic: 'gt', partition: 0}])}]})
      expect(code(await a.request('OffsetCommit', commit('restarted', 1, a1.memberId, 0, 2)))).toBe(E.UNKNOWN_MEMBER_ID)
      expect((await a.request('Heartbeat', {groupId: 'restarted', generationId: 1, memberId: a1.memberId})).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
      const fetched = await b.request('OffsetFetch', {groupId: 'restarted', topics: [{name: 'gt', partitionIndexes: [0]}]})
      expect(fetched.topics[0]!.partitions[0]!.committedOffset).toBe(5)
      expect(code(await b.request('OffsetCommit', commit('restarted', 1, b1.memberId, 0, 6)))).toBe(0)
    } finally {
      await stopDaemon(own)
    }
  })
})
