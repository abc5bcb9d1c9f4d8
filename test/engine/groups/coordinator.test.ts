// The group coordinator in-process (engine/groups/coordinator.ts) on a real Broker and OffsetStore (worker
// threads from dist/, logs in a temp dir) and a fake clock: the incremental handover in its order (revoke,
// commit, acknowledge, only then assign), commits fenced by ownership, long-poll heartbeats, session and
// rebalance timeouts, static membership, and group administration.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Broker} from '../../../src/engine/broker/broker.js'
import {GroupCoordinator, type HeartbeatAnswer, type MemberHeartbeat} from '../../../src/engine/groups/coordinator.js'
import {OffsetStore} from '../../../src/engine/groups/offset-store.js'
import {SamsaError} from '../../../src/errors.js'
import {FakeClock} from './fake-clock.js'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-coordinator-'))
let broker: Broker
let offsets: OffsetStore
const log: string[] = []

beforeAll(async () => {
  broker = new Broker({dataDir, workers: 1, log: (l) => log.push(l)})
  offsets = new OffsetStore(broker, (l) => log.push(l))
  await broker.open()
  await offsets.load()
  await broker.createTopic('t', 4, new Map(), {ifNotExists: false})
  await broker.createTopic('u', 2, new Map(), {ifNotExists: false})
})
afterAll(async () => {
  await broker?.close()
  rmSync(dataDir, {recursive: true, force: true})
})

function setup(): {clock: FakeClock; groups: GroupCoordinator} {
  const clock = new FakeClock()
  return {clock, groups: new GroupCoordinator({broker, offsets, clock, log: (l) => log.push(l)})}
}

const parts = (a: HeartbeatAnswer): string[] => a.assignment.map((tp) => `${tp.topic}-${tp.partition}`)
const join_ = (groups: GroupCoordinator, group: string, extra: Partial<MemberHeartbeat> = {}): Promise<HeartbeatAnswer> =>
  groups.heartbeat({group, memberId: '', memberEpoch: 0, topics: ['t'], sessionTimeoutMs: 3000, ...extra})
const beat = (groups: GroupCoordinator, group: string, a: HeartbeatAnswer, extra: Partial<MemberHeartbeat> = {}): Promise<HeartbeatAnswer> =>
  groups.heartbeat({group, memberId: a.memberId, memberEpoch: a.memberEpoch, ...extra})
const tps = (...names: string[]) => names.map((n) => ({topic: n.slice(0, n.lastIndexOf('-')), partition: Number(n.slice(n.lastIndexOf('-') + 1))}))
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (err) {
    return (err as SamsaError).code
  }
}

describe('GroupCoordinator: the consumer protocol', () => {
  it('hands a partition over only after its owner committed and gave it back', async () => {
    const {groups} = setup()
    let a = await join_(groups, 'g')
    expect(parts(a)).toEqual(['t-0', 't-1', 't-2', 't-3'])
    let b = await join_(groups, 'g')
    // b's target is half, but those partitions are still a's
    expect(parts(b)).toEqual([])
    expect(b.pending).toBe(2)
    a = await beat(groups, 'g', a, {owned: tps('t-0', 't-1', 't-2', 't-3')})
    const revoked = ['t-0', 't-1', 't-2', 't-3'].filter((p) => !parts(a).includes(p))
    expect(revoked).toHaveLength(2)
    // b cannot commit them yet; a still can (it commits before it gives them back)
    const early = await groups.commitOffsets('g', {memberId: b.memberId, memberEpoch: b.memberEpoch}, tps(...revoked).map((tp) => ({...tp, offset: 1, metadata: ''})))
    expect(early.map((r) => r.error?.code)).toEqual(['STALE_MEMBER_EPOCH', 'STALE_MEMBER_EPOCH'])
    const byA = await groups.commitOffsets('g', {memberId: a.memberId, memberEpoch: a.memberEpoch}, tps(...revoked).map((tp) => ({...tp, offset: 7, metadata: ''})))
    expect(byA.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'ok'])
    // b's long poll is answered the moment a gives them back
    const waiting = beat(groups, 'g', b, {waitMs: 60_000})
    let answered = false
    void waiting.then(() => (answered = true))
    await new Promise((r) => setImmediate(r))
    expect(answered).toBe(false)
    a = await beat(groups, 'g', a, {owned: tps(...parts(a))})
    b = await waiting
    expect(parts(b).sort()).toEqual(revoked.sort())
    expect(b.pending).toBe(0)
    expect((await groups.describeGroups(['g']))[0]).toMatchObject({state: 'Stable', type: 'consumer'})
    // now a may no longer commit them, and b may
    const late = await groups.commitOffsets('g', {memberId: a.memberId, memberEpoch: a.memberEpoch}, [{...tps(revoked[0]!)[0]!, offset: 9, metadata: ''}])
    expect(late[0]!.error?.code).toBe('STALE_MEMBER_EPOCH')
    const byB = await groups.commitOffsets('g', {memberId: b.memberId, memberEpoch: b.memberEpoch}, [{...tps(revoked[0]!)[0]!, offset: 8, metadata: ''}])
    expect(byB[0]!.error).toBeUndefined()
    // a leaves: b gets everything, at once
    await groups.heartbeat({group: 'g', memberId: a.memberId, memberEpoch: -1})
    b = await beat(groups, 'g', b)
    expect(parts(b)).toEqual(['t-0', 't-1', 't-2', 't-3'])
  })

  it('commits of a group with members come from its members only; epochs are checked', async () => {
    const {groups} = setup()
    const a = await join_(groups, 'c')
    expect(await code(groups.commitOffsets('c', {}, [{topic: 't', partition: 0, offset: 1, metadata: ''}]))).toBe('NON_EMPTY_GROUP')
    expect(await code(groups.commitOffsets('c', {memberId: 'member-nobody', memberEpoch: 1}, []))).toBe('UNKNOWN_MEMBER_ID')
    expect(await code(groups.commitOffsets('c', {memberId: a.memberId, memberEpoch: a.memberEpoch + 1}, []))).toBe('FENCED_MEMBER_EPOCH')
    expect(await code(beat(groups, 'c', {...a, memberEpoch: a.memberEpoch + 5}))).toBe('FENCED_MEMBER_EPOCH')
    expect(await code(groups.deleteGroup('c'))).toBe('NON_EMPTY_GROUP')
    await groups.heartbeat({group: 'c', memberId: a.memberId, memberEpoch: -1})
    // no members: a simple commit (group reset) is accepted, a member's is not
    expect(await code(groups.commitOffsets('c', {}, [{topic: 't', partition: 0, offset: 1, metadata: ''}]))).toBe('ok')
    expect(await code(groups.commitOffsets('c', {memberId: a.memberId, memberEpoch: a.memberEpoch}, []))).toBe('UNKNOWN_MEMBER_ID')
    expect(groups.listGroups().find((g) => g.group === 'c')).toEqual({group: 'c', type: '', state: 'Empty', members: 0})
    await groups.deleteGroup('c')
    expect(offsets.fetchOffsets('c')).toEqual([])
    expect(await code(groups.deleteGroup('c'))).toBe('GROUP_ID_NOT_FOUND')
    const [d] = await groups.describeGroups(['c'])
    expect((d as SamsaError).code).toBe('GROUP_ID_NOT_FOUND')
  })

  it('removes a member whose session expired; the others take over its partitions', async () => {
    const {clock, groups} = setup()
    let a = await join_(groups, 's')
    let b = await join_(groups, 's')
    a = await beat(groups, 's', a, {owned: tps('t-0', 't-1', 't-2', 't-3')})
    a = await beat(groups, 's', a, {owned: a.assignment})
    b = await beat(groups, 's', b)
    expect(parts(b)).toHaveLength(2)
    // b keeps heartbeating, each a long poll answered after its interval (750 ms); a goes silent
    for (let t = 0; t < 3500; t += 750) {
      const parked = beat(groups, 's', b, {waitMs: 60_000, owned: b.assignment})
      clock.advance(750)
      b = await parked
      if (t < 2000) expect(log.some((l) => l.includes(a.memberId))).toBe(false)
    }
    b = await beat(groups, 's', b)
    expect(parts(b)).toEqual(['t-0', 't-1', 't-2', 't-3'])
    expect(log.some((l) => l.includes(`member ${a.memberId} removed: no heartbeat for 3000 ms`))).toBe(true)
    expect(await code(beat(groups, 's', a))).toBe('UNKNOWN_MEMBER_ID')
  })

  it('fences a member that does not give back within its rebalance timeout', async () => {
    const {clock, groups} = setup()
    const a = await join_(groups, 'r', {rebalanceTimeoutMs: 5000})
    let b = await join_(groups, 'r')
    let fencedAfter = -1
    for (let t = 0; t <= 6000 && fencedAfter < 0; t += 500) {
      // alive, but never reports giving anything back
      if ((await code(beat(groups, 'r', a))) === 'UNKNOWN_MEMBER_ID') fencedAfter = t
      b = await beat(groups, 'r', b)
      clock.advance(500)
    }
    expect(fencedAfter).toBe(5000)
    expect(parts(await beat(groups, 'r', b))).toEqual(['t-0', 't-1', 't-2', 't-3'])
    expect(log.some((l) => l.includes(`member ${a.memberId} fenced`))).toBe(true)
  })

  it('a static member that comes back within its session gets its partitions back: no rebalance', async () => {
    const {clock, groups} = setup()
    let a = await join_(groups, 'st', {instanceId: 'i-a'})
    let b = await join_(groups, 'st', {instanceId: 'i-b'})
    a = await beat(groups, 'st', a, {owned: tps('t-0', 't-1', 't-2', 't-3')})
    a = await beat(groups, 'st', a, {owned: a.assignment})
    b = await beat(groups, 'st', b)
    const before = (await groups.describeGroups(['st']))[0] as {epoch: number}
    // a stops (leaves with -2), and a new process with the same instance id joins 2 s later
    const left = await groups.heartbeat({group: 'st', memberId: a.memberId, memberEpoch: -2})
    expect(left.memberEpoch).toBe(-2)
    clock.advance(2000)
    b = await beat(groups, 'st', b)
    const again = await join_(groups, 'st', {instanceId: 'i-a'})
    expect(parts(again)).toEqual(parts(a))
    expect(again.memberEpoch).toBe(a.memberEpoch)
    expect(((await groups.describeGroups(['st']))[0] as {epoch: number}).epoch).toBe(before.epoch)
    expect(parts(await beat(groups, 'st', b))).toEqual(parts(b))
    // the old member id is fenced, not merely unknown
    expect(await code(beat(groups, 'st', a))).toBe('FENCED_INSTANCE_ID')
    // a static member that does not come back: its partitions move after its session timeout
    await groups.heartbeat({group: 'st', memberId: again.memberId, memberEpoch: -2})
    for (let t = 0; t < 4000; t += 500) {
      b = await beat(groups, 'st', b, {owned: b.assignment})
      clock.advance(500)
    }
    expect(parts(await beat(groups, 'st', b))).toEqual(['t-0', 't-1', 't-2', 't-3'])
  })

  it('answers a parked heartbeat when its wait ends, and when the daemon stops', async () => {
    const {clock, groups} = setup()
    const a = await join_(groups, 'w', {sessionTimeoutMs: 10_000})
    expect(a.heartbeatIntervalMs).toBe(2500)
    const parked = beat(groups, 'w', a, {waitMs: 60_000}) // capped at the heartbeat interval
    clock.advance(2500)
    expect(parts(await parked)).toEqual(parts(a))
    const another = beat(groups, 'w', a, {waitMs: 2000})
    groups.close()
    expect((await another).memberEpoch).toBe(a.memberEpoch)
    expect(await code(beat(groups, 'w', a))).toBe('DAEMON_UNAVAILABLE')
  })

  it('follows subscriptions and partition counts; group ids are user text', async () => {
    const {groups} = setup()
    let a = await join_(groups, '__proto__', {topics: ['t', 'u', 'nope'], assignor: 'range'})
    expect(parts(a)).toEqual(['t-0', 't-1', 't-2', 't-3', 'u-0', 'u-1'])
    a = await beat(groups, '__proto__', a, {topics: ['u'], owned: a.assignment})
    a = await beat(groups, '__proto__', a, {owned: a.assignment})
    expect(parts(a)).toEqual(['u-0', 'u-1'])
    await broker.alterTopic('u', {set: new Map(), delete: [], partitions: 3})
    a = await beat(groups, '__proto__', a, {owned: a.assignment})
    expect(parts(a)).toEqual(['u-0', 'u-1', 'u-2'])
    const [d] = await groups.describeGroups(['__proto__'])
    expect(d).toMatchObject({group: '__proto__', assignor: 'range', state: 'Stable'})
    expect(groups.listGroups().some((g) => g.group === '__proto__' && g.members === 1)).toBe(true)
    expect(await code(join_(groups, 'x', {assignor: 'nope'}))).toBe('UNSUPPORTED_ASSIGNOR')
    expect(await code(join_(groups, 'x', {sessionTimeoutMs: 10}))).toBe('INVALID_SESSION_TIMEOUT')
    expect(await code(join_(groups, 'x', {topics: []}))).toBe('INVALID_REQUEST')
    expect(await code(join_(groups, '', {}))).toBe('INVALID_REQUEST')
  })
})
