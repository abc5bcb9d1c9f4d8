// The Kafka backend's classic membership (client/kafka/classic-member.ts) against samsa's Kafka listener
// on a real daemon, driven through the client API's heartbeat as GroupConsumer drives it. The eager
// rebalance's rule: a member joins the next generation only once it gave everything back — and a
// heartbeat whose `owned` was taken before it was asked to (here: before it took its first assignment)
// does not prove that, however empty.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createClient, type Client} from '../../src/client/index.js'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir, waitFor, type DaemonProcess} from '../support/index.js'

let d: DaemonProcess
let a: Client
let b: Client

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {kafka: true})
  const cluster = {brokers: `127.0.0.1:${d.kafkaPort()}`}
  a = await createClient({dataDir: tempDir(), cluster})
  b = await createClient({dataDir: tempDir(), cluster})
  await a.admin.createTopic('eager', {partitions: 2})
})

afterAll(async () => {
  await a?.close()
  await b?.close()
  if (d) await stopDaemon(d)
  await cleanup()
})

describe('classic membership over the Kafka backend', () => {
  it('a rebalance asks for everything back first; an empty owned list sent before that does not rejoin', async () => {
    const first = await a.groups.heartbeat('eager-group', {memberId: '', memberEpoch: 0, topics: ['eager'], owned: []})
    expect(first.assignment).toEqual([
      {topic: 'eager', partition: 0},
      {topic: 'eager', partition: 1},
    ])
    // a second member joins: the coordinator starts a rebalance (its join waits for the first member)
    const second = b.groups.heartbeat('eager-group', {memberId: '', memberEpoch: 0, topics: ['eager'], owned: []})
    await waitFor(async () => (await a.groups.describeGroup('eager-group')).state === 'PreparingRebalance', 30_000, 'the rebalance')

    // as GroupConsumer's first heartbeat goes out: owned still empty, the assignment not yet taken
    const stale = await a.groups.heartbeat('eager-group', {memberId: first.memberId, memberEpoch: first.memberEpoch, owned: [], waitMs: 0})
    expect([stale.assignment, stale.memberEpoch]).toEqual([[], first.memberEpoch]) // give back, do not join yet
    // still asked while it owns something
    const owning = await a.groups.heartbeat('eager-group', {memberId: first.memberId, memberEpoch: first.memberEpoch, owned: first.assignment, waitMs: 0})
    expect(owning.assignment).toEqual([])

    // given back: now it joins, and the two generations' shares do not overlap
    const joined = await a.groups.heartbeat('eager-group', {memberId: first.memberId, memberEpoch: first.memberEpoch, owned: [], waitMs: 0})
    const other = await second
    expect(joined.memberEpoch).toBeGreaterThan(first.memberEpoch)
    expect(other.memberEpoch).toBe(joined.memberEpoch)
    expect([...joined.assignment, ...other.assignment].map((tp) => tp.partition).sort()).toEqual([0, 1])
    expect(joined.assignment).toHaveLength(1)

    await b.groups.heartbeat('eager-group', {memberId: other.memberId, memberEpoch: -1})
    await a.groups.heartbeat('eager-group', {memberId: joined.memberId, memberEpoch: -1})
  }, 60_000)
})
