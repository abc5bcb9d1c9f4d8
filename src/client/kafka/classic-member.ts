// Group membership over Kafka's classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), behind
// the client API's heartbeat (types.ts MemberHeartbeat, shaped after KIP-848), so GroupConsumer works on
// either backend unchanged. The client assigns, as Kafka's consumers do: the member the coordinator
// makes leader computes a range assignment (rangeAssign) from every member's subscription and sends it in
// SyncGroup; the others get their share from SyncGroup.
//
// Mapping (the classic protocol is eager: on a rebalance every member gives back everything, then all
// join again):
//   memberEpoch 0            → JoinGroup (+ SyncGroup): the member's id, generation as its epoch, its share
//   a member's heartbeat     → wait waitMs, Heartbeat; Stable: the same assignment again. REBALANCE_IN_
//                              PROGRESS: the answer is "own nothing" — GroupConsumer commits and gives back
//                              — and its next heartbeat, owning nothing, joins again (JoinGroup waits for
//                              the other members, up to the rebalance timeout). Only a heartbeat sent
//                              after that answer counts: `owned` is what the member held when it SENT the
//                              heartbeat (before waitMs, maybe before it took its first assignment), so an
//                              older one's empty `owned` proves nothing — joining on it let the next
//                              generation give a partition to another member while this one still read it.
//   memberEpoch -1 / -2      → LeaveGroup
//   UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION → UNKNOWN_MEMBER_ID: GroupConsumer rejoins afresh.
// One member per group per client (a command is one member). Calls for a group are serialised.
// Not over the classic protocol at the versions samsa speaks: static membership (JoinGroup v5) and
// other assignors than range.
import {SamsaError} from '../../errors.js'
import {decodeAssignment, decodeSubscriptionTopics, encodeAssignment, encodeSubscription} from '../../protocol/kafka/consumer-protocol.js'
import {Heartbeat} from '../../protocol/kafka/apis/heartbeat.js'
import {JoinGroup} from '../../protocol/kafka/apis/join-group.js'
import {LeaveGroup} from '../../protocol/kafka/apis/leave-group.js'
import {SyncGroup} from '../../protocol/kafka/apis/sync-group.js'
import type {MemberAssignment, MemberHeartbeat, TopicPartition} from '../types.js'
import type {KafkaCluster} from './cluster.js'
import {DEFAULT_REQUEST_TIMEOUT_MS} from './connection.js'
import {kafkaFailure, notSupported} from './errors.js'

const DEFAULT_SESSION_TIMEOUT_MS = 10_000
const DEFAULT_REBALANCE_TIMEOUT_MS = 30_000
const JOIN_ATTEMPTS = 10

interface Member {
  memberId: string
  generation: number
  topics: string[]
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  clientTopics: string[]
  assignment: TopicPartition[]
  rejoin: boolean // the coordinator started a rebalance: give back, then join again
  giveBackAsked: number // the tick of the "own nothing" answer (0: none asked since the last join)
}

export class ClassicMembership {
  private readonly members = new Map<string, Member>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private tick = 0 // orders heartbeats sent against answers given

  constructor(private readonly cluster: KafkaCluster) {}

  async heartbeat(group: string, req: MemberHeartbeat): Promise<MemberAssignment> {
    const sent = ++this.tick // req.owned is as of now
    if (req.memberEpoch > 0 && (req.waitMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, req.waitMs))
    return this.serialised(group, () => this.beat(group, req, sent))
  }

  private async beat(group: string, req: MemberHeartbeat, sent: number): Promise<MemberAssignment> {
    if (req.memberEpoch === 0) {
      if (req.instanceId !== undefined) throw notSupported('static membership (--instance-id)')
      if (req.assignor !== undefined && req.assignor !== 'range') throw notSupported(`the ${req.assignor} assignor (it assigns with range)`)
      const m: Member = {
        memberId: '',
        generation: -1,
        topics: req.topics ?? [],
        clientTopics: req.topics ?? [],
        sessionTimeoutMs: req.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS,
        assignment: [],
        rejoin: true,
        giveBackAsked: 0,
      }
      this.members.set(group, m)
      return this.join(group, m)
    }
    const m = this.members.get(group)
    if (!m || m.memberId !== req.memberId) throw new SamsaError('UNKNOWN_MEMBER_ID', `group ${group}: member ${req.memberId} is not known`)
    if (req.memberEpoch < 0) {
      this.members.delete(group)
      await this.cluster
        .toCoordinator(group, (c) => c.request(LeaveGroup, {groupId: group, memberId: m.memberId}))
        .catch(() => {}) // its session times out anyway
      return this.answer(m, [])
    }
    if (!m.rejoin) {
      const hb = await this.cluster.toCoordinator(group, (c) => c.request(Heartbeat, {groupId: group, generationId: m.generation, memberId: m.memberId}))
      if (hb.errorCode === 27) m.rejoin = true
      else if (hb.errorCode === 25 || hb.errorCode === 22) {
        this.members.delete(group)
        throw new SamsaError('UNKNOWN_MEMBER_ID', `group ${group}: the coordinator no longer knows this member (generation ${m.generation})`)
      } else if (hb.errorCode !== 0) throw kafkaFailure(hb.errorCode, `heartbeat to group ${group}`)
    }
    if (!m.rejoin) return this.answer(m, m.assignment)
    // eager: everything is given back first; a member that owned nothing when it sent this heartbeat,
    // after it was asked to give back, joins the next generation
    const gaveBack = m.giveBackAsked > 0 && sent > m.giveBackAsked && (req.owned ?? []).length === 0
    if (!gaveBack) {
      if (m.giveBackAsked === 0) m.giveBackAsked = ++this.tick
      return this.answer(m, [])
    }
    return this.join(group, m)
  }

  private async join(group: string, m: Member): Promise<MemberAssignment> {
    for (let attempt = 1; ; attempt++) {
      const joined = await this.cluster.toCoordinator(group, (c) =>
        c.request(
          JoinGroup,
          {
            groupId: group,
            sessionTimeoutMs: m.sessionTimeoutMs,
            rebalanceTimeoutMs: m.rebalanceTimeoutMs,
            memberId: m.memberId,
            protocolType: 'consumer',
            protocols: [{name: 'range', metadata: encodeSubscription(m.topics)}],
          },
          {timeoutMs: m.rebalanceTimeoutMs + DEFAULT_REQUEST_TIMEOUT_MS},
        ),
      )
      if (joined.errorCode === 25 && m.memberId !== '' && attempt < JOIN_ATTEMPTS) {
        m.memberId = '' // the coordinator forgot us: join as new
        continue
      }
      if (joined.errorCode === 27 && attempt < JOIN_ATTEMPTS) continue
      if (joined.errorCode !== 0) throw kafkaFailure(joined.errorCode, `joining group ${group}`)
      m.memberId = joined.memberId
      m.generation = joined.generationId
      let assignments: {memberId: string; assignment: Buffer}[] = []
      if (joined.leader === joined.memberId) {
        const subscriptions = joined.members.map((x) => ({memberId: x.memberId, topics: decodeSubscriptionTopics(x.metadata) ?? []}))
        const topics = [...new Set(subscriptions.flatMap((s) => s.topics))]
        const counts = new Map((await this.cluster.metadata(topics)).filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]))
        const plan = rangeAssign(subscriptions, counts)
        assignments = subscriptions.map((s) => ({memberId: s.memberId, assignment: encodeAssignment(plan.get(s.memberId) ?? [])}))
      }
      const synced = await this.cluster.toCoordinator(group, (c) =>
        c.request(SyncGroup, {groupId: group, generationId: m.generation, memberId: m.memberId, assignments}, {timeoutMs: m.rebalanceTimeoutMs + DEFAULT_REQUEST_TIMEOUT_MS}),
      )
      if ((synced.errorCode === 27 || synced.errorCode === 22) && attempt < JOIN_ATTEMPTS) continue // a newer generation began
      if (synced.errorCode === 25 && attempt < JOIN_ATTEMPTS) {
        m.memberId = ''
        continue
      }
      if (synced.errorCode !== 0) throw kafkaFailure(synced.errorCode, `joining group ${group}`)
      m.assignment = (decodeAssignment(synced.assignment) ?? []).filter((tp) => m.clientTopics.includes(tp.topic))
      m.rejoin = false
      m.giveBackAsked = 0
      return this.answer(m, m.assignment)
    }
  }

  private answer(m: Member, assignment: TopicPartition[]): MemberAssignment {
    return {
      memberId: m.memberId,
      memberEpoch: m.generation,
      heartbeatIntervalMs: Math.max(100, Math.min(3000, Math.floor(m.sessionTimeoutMs / 3))),
      sessionTimeoutMs: m.sessionTimeoutMs,
      assignment,
      pending: 0,
    }
  }

  private serialised<T>(group: string, run: () => Promise<T>): Promise<T> {
    const before = this.locks.get(group) ?? Promise.resolve()
    const next = before.catch(() => {}).then(run)
    this.locks.set(group, next)
    return next
  }
}

/**
 * Kafka's RangeAssignor: per topic, its subscribers sorted by member id; each gets a consecutive range of
 * partitions count/n long, the first count%n one longer.
 */
export function rangeAssign(subscriptions: {memberId: string; topics: string[]}[], partitionCounts: Map<string, number>): Map<string, TopicPartition[]> {
  const out = new Map<string, TopicPartition[]>(subscriptions.map((s) => [s.memberId, []]))
  for (const [topic, count] of partitionCounts) {
    const members = subscriptions.filter((s) => s.topics.includes(topic)).map((s) => s.memberId).sort()
    if (members.length === 0) continue
    const each = Math.floor(count / members.length)
    const extra = count % members.length
    let next = 0
    members.forEach((memberId, i) => {
      const n = each + (i < extra ? 1 : 0)
      for (let p = next; p < next + n; p++) out.get(memberId)!.push({topic, partition: p})
      next += n
    })
  }
  return out
}
