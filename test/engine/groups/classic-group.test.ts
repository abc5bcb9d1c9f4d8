// The classic protocol's state machine (engine/groups/classic-group.ts) through the coordinator, as the
// Kafka listener will drive it, on a real Broker and OffsetStore and a fake clock: the join and sync
// barriers, heartbeats during a rebalance, session and barrier timeouts, KIP-394 member ids, static
// members, Kafka's OffsetCommit validation, one protocol per group, the bounds on client bytes, and a
// stopping daemon's answers.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Broker} from '../../../src/engine/broker/broker.js'
import {GroupCoordinator, type ClassicJoin} from '../../../src/engine/groups/coordinator.js'
import {OffsetStore} from '../../../src/engine/groups/offset-store.js'
import type {SamsaError} from '../../../src/errors.js'
import {FakeClock} from './fake-clock.js'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-classic-'))
let broker: Broker
let offsets: OffsetStore
const log: string[] = []

beforeAll(async () => {
  broker = new Broker({dataDir, workers: 1, log: (l) => log.push(l)})
  offsets = new OffsetStore(broker, (l) => log.push(l))
  await broker.open()
  await offsets.load()
  await broker.createTopic('t', 2, new Map(), {ifNotExists: false})
})
afterAll(async () => {
  await broker?.close()
  rmSync(dataDir, {recursive: true, force: true})
})

const meta = (s: string) => Buffer.from(s)
const req = (group: string, extra: Partial<ClassicJoin> = {}): ClassicJoin => ({
  group,
  memberId: '',
  clientId: 'rdkafka',
  clientHost: '/127.0.0.1',
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 30_000,
  protocolType: 'consumer',
  protocols: [
    {name: 'range', metadata: meta('r')},
    {name: 'roundrobin', metadata: meta('rr')},
  ],
  ...extra,
})
async function code(p: unknown): Promise<string> {
  try {
    await (typeof p === 'function' ? (p as () => unknown)() : p)
    return 'ok'
  } catch (err) {
    return (err as SamsaError).code
  }
}
const tick = () => new Promise((r) => setImmediate(r))

function setup() {
  const clock = new FakeClock()
  return {clock, groups: new GroupCoordinator({broker, offsets, clock, log: (l) => log.push(l)})}
}

describe('the classic protocol', () => {
  it('joins, syncs, rebalances for a new member, and hands each its assignment from the leader', async () => {
    const {groups} = setup()
    const a = await groups.joinGroup(req('c1'))
    expect(a).toMatchObject({generationId: 1, protocolName: 'range', leader: a.memberId})
    expect(a.members.map((m) => m.memberId)).toEqual([a.memberId])
    expect(Buffer.from(await groups.syncGroup('c1', a.memberId, 1, [{memberId: a.memberId, assignment: meta('all')}])).toString()).toBe('all')
    // b joins: a rebalance; a hears of it through its heartbeat and rejoins
    const bJoin = groups.joinGroup(req('c1', {protocols: [{name: 'roundrobin', metadata: meta('b')}, {name: 'range', metadata: meta('b2')}]}))
    expect(await code(() => groups.classicHeartbeat('c1', a.memberId, 1))).toBe('REBALANCE_IN_PROGRESS')
    const a2 = await groups.joinGroup(req('c1', {memberId: a.memberId}))
    const b = await bJoin
    expect(a2.generationId).toBe(2)
    expect(b.generationId).toBe(2)
    expect(a2.leader).toBe(a.memberId) // the previous leader rejoined
    // one vote each: the first cast wins; the leader gets every member's metadata for it
    expect(a2.protocolName).toBe('range')
    expect(a2.members.map((m) => Buffer.from(m.metadata).toString()).sort()).toEqual(['b2', 'r'])
    expect(b.members).toEqual([])
    // the follower's sync waits for the leader's
    let followerGot: string | null = null
    void Promise.resolve(groups.syncGroup('c1', b.memberId, 2, [])).then((x) => (followerGot = Buffer.from(x).toString()))
    await tick()
    expect(followerGot).toBeNull()
    expect(await code(() => groups.commitOffsetsClassic('c1', {memberId: a.memberId, generationId: 2}, []))).toBe('REBALANCE_IN_PROGRESS')
    await groups.syncGroup('c1', a.memberId, 2, [
      {memberId: a.memberId, assignment: meta('p0'), partitions: [{topic: 't', partition: 0}]},
      {memberId: b.memberId, assignment: meta('p1'), partitions: [{topic: 't', partition: 1}]},
    ])
    await tick()
    expect(followerGot).toBe('p1')
    groups.classicHeartbeat('c1', b.memberId, 2)
    expect(await code(() => groups.classicHeartbeat('c1', b.memberId, 1))).toBe('ILLEGAL_GENERATION')
    expect(await code(() => groups.classicHeartbeat('c1', 'nobody', 2))).toBe('UNKNOWN_MEMBER_ID')
    const [d] = await groups.describeGroups(['c1'])
    expect(d).toMatchObject({type: 'classic', state: 'Stable', epoch: 2, assignor: a2.protocolName})
    expect((d as {partitions: {memberId: string}[]}).partitions.map((p) => p.memberId)).toEqual([a.memberId, b.memberId])
    expect(groups.listGroups().find((g) => g.group === 'c1')).toEqual({group: 'c1', type: 'classic', state: 'Stable', members: 2})
    const wire = groups.describeClassic('c1')!
    expect([wire.state, wire.protocolType, wire.protocol]).toEqual(['Stable', 'consumer', 'range'])
    expect(wire.members.map((m) => [Buffer.from(m.metadata).toString(), Buffer.from(m.assignment).toString()])).toEqual([
      ['r', 'p0'],
      ['b2', 'p1'],
    ])
    // commits: members at their generation; a simple commit is refused while it has members
    expect((await groups.commitOffsetsClassic('c1', {memberId: b.memberId, generationId: 2}, [{topic: 't', partition: 1, offset: 4, metadata: ''}]))[0]!.error).toBeUndefined()
    expect(await code(() => groups.commitOffsetsClassic('c1', {memberId: b.memberId, generationId: 1}, []))).toBe('ILLEGAL_GENERATION')
    expect(await code(() => groups.commitOffsetsClassic('c1', {memberId: '', generationId: -1}, []))).toBe('UNKNOWN_MEMBER_ID')
    expect(await code(() => groups.commitOffsets('c1', {}, []))).toBe('NON_EMPTY_GROUP') // `samsa group reset`
    expect(await code(() => groups.deleteGroup('c1'))).toBe('NON_EMPTY_GROUP')
    // both leave: Empty, its offsets kept; a simple commit is fine now, a generation is not
    expect(groups.leaveGroup('c1', [a.memberId, b.memberId, 'nobody']).map((e) => e?.code ?? 'ok')).toEqual(['ok', 'ok', 'UNKNOWN_MEMBER_ID'])
    expect(groups.listGroups().find((g) => g.group === 'c1')).toEqual({group: 'c1', type: '', state: 'Empty', members: 0})
    expect(await code(() => groups.commitOffsetsClassic('c1', {memberId: '', generationId: -1}, [{topic: 't', partition: 0, offset: 1, metadata: ''}]))).toBe('ok')
    expect(await code(() => groups.commitOffsetsClassic('c1', {memberId: 'x', generationId: 3}, []))).toBe('ILLEGAL_GENERATION')
  })

  it('removes a silent member after its session timeout, and one that does not rejoin within the rebalance timeout', async () => {
    const {clock, groups} = setup()
    const a = await groups.joinGroup(req('c2'))
    await groups.syncGroup('c2', a.memberId, 1, [])
    const bJoin = groups.joinGroup(req('c2'))
    const a2 = await groups.joinGroup(req('c2', {memberId: a.memberId}))
    const b = await bJoin
    await Promise.all([groups.syncGroup('c2', a.memberId, 2, []), groups.syncGroup('c2', b.memberId, 2, [])])
    // b goes silent; a heartbeats
    for (let t = 0; t < 11_000; t += 1000) {
      clock.advance(1000)
      if (t < 9000) groups.classicHeartbeat('c2', a2.memberId, 2)
      else expect(await code(() => groups.classicHeartbeat('c2', a2.memberId, 2))).toBe('REBALANCE_IN_PROGRESS')
    }
    expect(log.some((l) => l.includes(`classic member ${b.memberId} removed`))).toBe(true)
    const a3 = await groups.joinGroup(req('c2', {memberId: a.memberId}))
    expect(a3.generationId).toBe(3)
    expect(a3.members.map((m) => m.memberId)).toEqual([a.memberId])
    // a new member joins; a never rejoins: removed when the join barrier (30 s) ends
    await groups.syncGroup('c2', a.memberId, 3, [])
    const cJoin = groups.joinGroup(req('c2'))
    clock.advance(30_000)
    const c = await cJoin
    expect(c).toMatchObject({generationId: 4, leader: c.memberId})
    expect(await code(() => groups.classicHeartbeat('c2', a.memberId, 4))).toBe('UNKNOWN_MEMBER_ID')
  })

  it("an empty group's commits, as Kafka's validateOffsetCommit: generation -1 is a simple commit, a member id it does not know is UNKNOWN_MEMBER_ID", async () => {
    const {groups} = setup()
    // a KIP-394 id handed out and not used yet: the group exists, Empty, with no member
    const first = await groups.joinGroup(req('c6', {requireKnownMemberId: true}))
    expect(first.memberIdRequired).toBe(true)
    expect(groups.describeClassic('c6')).toBeNull()
    const one = [{topic: 't', partition: 0, offset: 7, metadata: ''}]
    expect(await code(() => groups.commitOffsetsClassic('c6', {memberId: 'from-before-a-restart', generationId: 4}, one))).toBe('UNKNOWN_MEMBER_ID')
    expect(await code(() => groups.commitOffsetsClassic('c6', {memberId: '', generationId: 4}, one))).toBe('UNKNOWN_MEMBER_ID')
    expect(offsets.fetchOffsets('c6', [{topic: 't', partition: 0}])[0]!.offset).toBe(-1)
    expect(await code(() => groups.commitOffsetsClassic('c6', {memberId: '', generationId: -1}, one))).toBe('ok')
    expect(offsets.fetchOffsets('c6', [{topic: 't', partition: 0}])[0]!.offset).toBe(7)
  })

  it('KIP-394 member ids, static members, and one protocol per group', async () => {
    const {groups} = setup()
    const first = await groups.joinGroup(req('c3', {requireKnownMemberId: true}))
    expect(first.memberIdRequired).toBe(true)
    const a = await groups.joinGroup(req('c3', {memberId: first.memberId, instanceId: 'a'}))
    expect(a.memberId).toBe(first.memberId)
    const bJoin = groups.joinGroup(req('c3', {instanceId: 'b'}))
    await groups.joinGroup(req('c3', {memberId: a.memberId, instanceId: 'a'}))
    const b = await bJoin
    await Promise.all([groups.syncGroup('c3', b.memberId, 2, []), groups.syncGroup('c3', a.memberId, 2, [{memberId: b.memberId, assignment: meta('yours')}])])
    // b restarts with the same instance id: its place, no rebalance, its assignment back
    const b2 = await groups.joinGroup(req('c3', {instanceId: 'b'}))
    expect(b2.generationId).toBe(2)
    expect(Buffer.from(await groups.syncGroup('c3', b2.memberId, 2, [])).toString()).toBe('yours')
    expect(await code(() => groups.classicHeartbeat('c3', b.memberId, 2))).toBe('UNKNOWN_MEMBER_ID')
    groups.classicHeartbeat('c3', a.memberId, 2) // still Stable
    // the consumer protocol cannot join a classic group with members, nor the other way round
    expect(await code(groups.heartbeat({group: 'c3', memberId: '', memberEpoch: 0, topics: ['t']}))).toBe('INCONSISTENT_GROUP_PROTOCOL')
    await groups.heartbeat({group: 'c4', memberId: '', memberEpoch: 0, topics: ['t']})
    expect(await code(() => groups.joinGroup(req('c4')))).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect(await code(() => groups.joinGroup(req('c3', {protocols: [{name: 'sticky', metadata: meta('')}]})))).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect(await code(() => groups.joinGroup(req('c5', {sessionTimeoutMs: 10})))).toBe('INVALID_SESSION_TIMEOUT')
  })

  it('holds client bytes to bounds: 1 MiB of metadata or assignment per member, one budget for the daemon; keeps copies, not the request frames', async () => {
    const clock = new FakeClock()
    const groups = new GroupCoordinator({broker, offsets, clock, log: (l) => log.push(l), maxClassicBytes: 4096})
    expect(await code(() => groups.joinGroup(req('b1', {protocols: [{name: 'range', metadata: Buffer.alloc((1 << 20) + 1)}]})))).toBe('INVALID_REQUEST')
    expect(await code(() => groups.joinGroup(req('b1', {protocols: [{name: 'range', metadata: Buffer.alloc(5000)}]})))).toBe('GROUP_MAX_SIZE_REACHED')
    const frame = Buffer.from('subscription')
    const a = await groups.joinGroup(req('b1', {protocols: [{name: 'range', metadata: frame}]}))
    frame.fill(0) // the connection reuses its buffer: the group's copy is untouched
    const described = groups.describeClassic('b1')!
    expect(described.state).toBe('CompletingRebalance')
    expect(described.members[0]!.metadata).toEqual(new Uint8Array(0)) // no metadata during a rebalance (Kafka's describeNoMetadata)
    // the leader's assignments beyond the budget: refused, and the group rebalances
    expect(await code(() => groups.syncGroup('b1', a.memberId, 1, [{memberId: a.memberId, assignment: Buffer.alloc(4080)}]))).toBe('GROUP_MAX_SIZE_REACHED')
    expect(groups.describeClassic('b1')!.state).toBe('PreparingRebalance')
    const a2 = await groups.joinGroup(req('b1', {memberId: a.memberId, protocols: [{name: 'range', metadata: Buffer.from('subscription')}]}))
    expect(Buffer.from(a2.members[0]!.metadata).toString()).toBe('subscription')
    const assignment = Buffer.from('p0')
    await groups.syncGroup('b1', a.memberId, 2, [{memberId: a.memberId, assignment}])
    assignment.fill(0)
    expect(Buffer.from(groups.describeClassic('b1')!.members[0]!.assignment).toString()).toBe('p0')
    // leaving frees its bytes: another member may use them
    groups.leaveGroup('b1', [a.memberId])
    expect(await code(() => groups.joinGroup(req('b2', {protocols: [{name: 'range', metadata: Buffer.alloc(3000)}]})))).toBe('ok')
  })

  it('a stopping daemon answers the joins and syncs waiting in a barrier, and refuses new ones', async () => {
    const {groups} = setup()
    const a = await groups.joinGroup(req('s1'))
    await groups.syncGroup('s1', a.memberId, 1, [])
    const bJoin = code(groups.joinGroup(req('s1'))) // waits for a to rejoin
    const a2 = await groups.joinGroup(req('s1', {memberId: a.memberId}))
    const b = (await groups.describeClassic('s1'))!.members.find((m) => m.memberId !== a.memberId)!
    expect(await bJoin).toBe('ok')
    const bSync = code(groups.syncGroup('s1', b.memberId, a2.generationId, [])) // waits for the leader
    groups.close()
    expect(await bSync).toBe('DAEMON_UNAVAILABLE')
    expect(await code(() => groups.joinGroup(req('s1')))).toBe('DAEMON_UNAVAILABLE')
    expect(await code(() => groups.syncGroup('s1', a.memberId, a2.generationId, []))).toBe('DAEMON_UNAVAILABLE')
  })
})
