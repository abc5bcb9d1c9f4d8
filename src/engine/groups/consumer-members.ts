// The consumer protocol's members across all groups (KIP-848 style, samsa's control clients): joins,
// heartbeats and leaves, the long-poll heartbeat waiters, and the session and rebalance timeouts. Main
// thread. Each group's own state is a ConsumerGroup (consumer-group.ts); the coordinator
// (coordinator.ts) routes to this, checks protocols, and runs the sweep.
//
// Heartbeats long-poll: a member's heartbeat is answered at once when its view (epoch, assignment,
// pending count) differs from what it last heard, else parked until it does or until waitMs (at most its
// heartbeat interval) — so a handover reaches every member in one round trip, and an idle member costs
// one request per interval. A member's newer heartbeat answers its parked one first.
// Liveness: a member whose last heartbeat arrived more than its session timeout ago is removed (a parked
// heartbeat waits at most a quarter of the session, so a live member is never close to it; answering one
// does not count, since a killed client's connection may linger until then); one that is asked to give
// partitions back and has not within its rebalance timeout is fenced.
import {randomBytes} from 'node:crypto'
import {SamsaError} from '../../errors.js'
import type {FetchContext} from '../broker/fetcher.js'
import {ASSIGNORS, tpKey, type TopicPartition} from './assignors.js'
import type {Clock, Timer} from './clock.js'
import {ConsumerGroup, type ConsumerMember, type MemberView} from './consumer-group.js'
import type {Membership} from './group-describer.js'

export const MIN_SESSION_TIMEOUT_MS = 1000
export const MAX_SESSION_TIMEOUT_MS = 30 * 60_000
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000
export const DEFAULT_REBALANCE_TIMEOUT_MS = 5 * 60_000 // Kafka's max.poll.interval.ms
export const MAX_GROUP_MEMBERS = 1000
export const MAX_MEMBERS = 10_000 // daemon-wide: every member costs memory until its session expires
export const MAX_SUBSCRIBED_TOPICS = 1000

// A consumer-protocol heartbeat (KIP-848's ConsumerGroupHeartbeat, in samsa's words).
export interface MemberHeartbeat {
  group: string
  memberId: string // '' when joining
  memberEpoch: number // 0 join, -1 leave, -2 leave but keep a static member's partitions; else its epoch
  instanceId?: string | null // static membership
  clientId?: string
  clientHost?: string
  topics?: string[] // the subscription: needed to join, omitted when unchanged
  assignor?: string // range | roundrobin | sticky
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  owned?: TopicPartition[] // what the member holds now, after any give-back it has finished
  waitMs?: number // long poll (capped at the heartbeat interval)
}

export interface HeartbeatAnswer extends MemberView {
  heartbeatIntervalMs: number
  sessionTimeoutMs: number
}

interface Waiter {
  member: ConsumerMember
  group: ConsumerGroup
  resolve: (a: HeartbeatAnswer) => void
  reject: (e: SamsaError) => void
  timer: Timer
  unhook: () => void
}

export interface ConsumerMembersOptions {
  partitionCount: (topic: string) => number | undefined
  clock: Clock
  log: (line: string) => void
  onDeadline: (at: number) => void // a new session deadline: the coordinator's sweep must run by then
}

export class ConsumerMembers {
  private readonly groups = new Map<string, ConsumerGroup>()
  private readonly waiters = new Map<string, Waiter>() // member id → its parked heartbeat
  private readonly clock: Clock
  private readonly log: (line: string) => void
  private readonly onDeadline: (at: number) => void
  private readonly partitionCount: (topic: string) => number | undefined
  count = 0 // members, all groups

  constructor(options: ConsumerMembersOptions) {
    this.clock = options.clock
    this.log = options.log
    this.onDeadline = options.onDeadline
    this.partitionCount = options.partitionCount
  }

  group(id: string): ConsumerGroup | undefined {
    const g = this.groups.get(id)
    return g && g.members.size > 0 ? g : undefined
  }

  ids(): string[] {
    return [...this.groups.keys()]
  }

  heartbeat(req: MemberHeartbeat, now: number, ctx?: FetchContext): Promise<HeartbeatAnswer> | HeartbeatAnswer {
    if (req.memberEpoch === 0) return this.join(req, now)
    const group = this.groups.get(req.group)
    const member = group?.members.get(req.memberId)
    if (!group || !member || member.left) throw unknownMember(req.group, req.memberId, group)
    if (req.memberEpoch < 0) return this.leave(group, member, req.memberEpoch === -2, now)
    if (req.memberEpoch > member.memberEpoch) {
      throw new SamsaError('FENCED_MEMBER_EPOCH', `member ${member.memberId} of group ${group.id} is at epoch ${member.memberEpoch}, not ${req.memberEpoch}`)
    }
    member.lastSeen = now
    this.answerWaiter(member.memberId) // superseded by this one
    let changed = false
    if (req.topics !== undefined) {
      const before = group.groupEpoch
      group.subscribe(member, checkTopics(req.topics))
      changed = group.groupEpoch !== before
    }
    changed = group.refreshMetadata() || changed
    // an owned list sent before the member heard of its latest epoch says nothing about what it gave back
    let released = false
    if (req.owned !== undefined && req.memberEpoch === member.memberEpoch) {
      released = group.acknowledge(member, new Set(req.owned.map((tp) => tpKey(tp.topic, tp.partition))))
    }
    if (changed || released) {
      group.reconcileAll(now)
      this.wakeGroup(group, member)
    } else {
      group.reconcile(member, now)
    }
    return this.answerOrPark(group, member, req.waitMs ?? 0, ctx)
  }

  // Members past their session or rebalance timeout go.
  expire(now: number): void {
    for (const g of [...this.groups.values()]) {
      let removed = false
      for (const m of [...g.members.values()]) {
        const expired = now >= m.lastSeen + m.sessionTimeoutMs
        const stuck = m.revokingSince > 0 && now >= m.revokingSince + m.rebalanceTimeoutMs
        if (!expired && !stuck) continue
        this.log(
          expired
            ? `group ${JSON.stringify(g.id)}: member ${m.memberId} removed: no heartbeat for ${m.sessionTimeoutMs} ms (session timeout)`
            : `group ${JSON.stringify(g.id)}: member ${m.memberId} fenced: it did not give back its partitions within ${m.rebalanceTimeoutMs} ms (rebalance timeout)`,
        )
        this.removeMember(g, m)
        removed = true
      }
      if (removed) this.afterRemoval(g, now)
    }
  }

  nextDeadline(): number {
    let next = Infinity
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        next = Math.min(next, m.lastSeen + m.sessionTimeoutMs)
        if (m.revokingSince > 0) next = Math.min(next, m.revokingSince + m.rebalanceTimeoutMs)
      }
    }
    return next
  }

  // The daemon is stopping: every parked heartbeat answers now.
  answerAll(): void {
    for (const id of [...this.waiters.keys()]) this.answerWaiter(id)
  }

  membership(id: string): Membership | null {
    const g = this.groups.get(id)
    if (!g || g.members.size === 0) return null
    return {
      group: id,
      type: 'consumer',
      state: g.state,
      epoch: g.groupEpoch,
      assignor: g.assignor,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: m.memberEpoch,
        topics: m.topics,
        assignment: g.view(m).assignment,
        target: g.targetOf(m),
      })),
      owner: (topic, partition) => g.ownerOf(topic, partition)?.memberId,
    }
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  private join(req: MemberHeartbeat, now: number): Promise<HeartbeatAnswer> | HeartbeatAnswer {
    const topics = checkTopics(req.topics)
    const assignor = req.assignor ?? null
    if (assignor !== null && !ASSIGNORS.has(assignor)) {
      throw new SamsaError('UNSUPPORTED_ASSIGNOR', `unknown assignor ${JSON.stringify(assignor)}: use ${[...ASSIGNORS.keys()].join(', ')}`)
    }
    const sessionTimeoutMs = req.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS
    if (!(sessionTimeoutMs >= MIN_SESSION_TIMEOUT_MS && sessionTimeoutMs <= MAX_SESSION_TIMEOUT_MS)) {
      throw new SamsaError('INVALID_SESSION_TIMEOUT', `session timeout must be ${MIN_SESSION_TIMEOUT_MS} to ${MAX_SESSION_TIMEOUT_MS} ms, got ${sessionTimeoutMs}`)
    }
    const rebalanceTimeoutMs = Math.max(sessionTimeoutMs, req.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS)
    let group = this.groups.get(req.group)
    const old = req.memberId === '' ? undefined : group?.members.get(req.memberId)
    if (old) this.removeMember(group!, old) // the same member joining afresh
    const replaces = req.instanceId ? group?.staticMembers.get(req.instanceId) : undefined
    if (replaces === undefined) {
      if ((group?.members.size ?? 0) >= MAX_GROUP_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `group ${req.group} has ${MAX_GROUP_MEMBERS} members, its limit`)
      if (this.count >= MAX_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `the daemon has ${MAX_MEMBERS} group members, its limit`)
    }
    if (!group) this.groups.set(req.group, (group = new ConsumerGroup(req.group, this.partitionCount)))
    if (replaces !== undefined) {
      const previous = this.waiters.get(replaces)
      if (previous) this.dropWaiter(replaces, new SamsaError('FENCED_INSTANCE_ID', `a new member with instance id ${req.instanceId} joined group ${req.group}`))
    } else {
      this.count++
    }
    const member = group.join({
      memberId: this.newMemberId(group),
      instanceId: req.instanceId ?? null,
      clientId: req.clientId ?? '',
      clientHost: req.clientHost ?? '',
      topics,
      assignor,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      lastSeen: now,
    })
    group.reconcileAll(now)
    this.wakeGroup(group, member)
    this.onDeadline(now + sessionTimeoutMs)
    return this.answerOrPark(group, member, 0)
  }

  private leave(group: ConsumerGroup, member: ConsumerMember, keep: boolean, now: number): HeartbeatAnswer {
    this.answerWaiter(member.memberId)
    if (keep && member.instanceId !== null) {
      // a static member stepping out: its partitions wait for it until its session times out
      member.left = true
      member.lastSeen = now
      return {...group.view(member), memberEpoch: -2, assignment: [], pending: 0, heartbeatIntervalMs: 0, sessionTimeoutMs: member.sessionTimeoutMs}
    }
    this.removeMember(group, member)
    this.afterRemoval(group, now)
    return {memberId: member.memberId, memberEpoch: -1, assignment: [], pending: 0, heartbeatIntervalMs: 0, sessionTimeoutMs: member.sessionTimeoutMs}
  }

  private removeMember(group: ConsumerGroup, member: ConsumerMember): void {
    if (group.members.get(member.memberId) !== member) return
    group.remove(member)
    this.count--
    this.dropWaiter(member.memberId, unknownMember(group.id, member.memberId, group))
  }

  private afterRemoval(group: ConsumerGroup, now: number): void {
    if (group.members.size === 0) {
      this.groups.delete(group.id)
      return
    }
    group.reconcileAll(now)
    this.wakeGroup(group)
  }

  private answer(group: ConsumerGroup, member: ConsumerMember): HeartbeatAnswer {
    const view = group.view(member)
    member.lastView = viewKey(view)
    return {...view, heartbeatIntervalMs: heartbeatInterval(member.sessionTimeoutMs), sessionTimeoutMs: member.sessionTimeoutMs}
  }

  private answerOrPark(group: ConsumerGroup, member: ConsumerMember, waitMs: number, ctx?: FetchContext): Promise<HeartbeatAnswer> | HeartbeatAnswer {
    const wait = Math.min(Math.max(0, waitMs), heartbeatInterval(member.sessionTimeoutMs))
    if (wait === 0 || viewKey(group.view(member)) !== member.lastView || ctx?.closed) return this.answer(group, member)
    return new Promise<HeartbeatAnswer>((resolve, reject) => {
      const id = member.memberId
      const timer = this.clock.after(wait, () => this.answerWaiter(id))
      const unhook = ctx ? ctx.onClose(() => this.dropWaiter(id, new SamsaError('DAEMON_UNAVAILABLE', 'connection closed'))) : () => {}
      this.waiters.set(id, {member, group, resolve, reject, timer, unhook})
    })
  }

  // Answers a member's parked heartbeat with its view now.
  private answerWaiter(memberId: string): void {
    const w = this.takeWaiter(memberId)
    if (w) w.resolve(this.answer(w.group, w.member))
  }

  private dropWaiter(memberId: string, error: SamsaError): void {
    this.takeWaiter(memberId)?.reject(error)
  }

  private takeWaiter(memberId: string): Waiter | undefined {
    const w = this.waiters.get(memberId)
    if (!w) return undefined
    this.waiters.delete(memberId)
    w.timer.cancel()
    w.unhook()
    return w
  }

  // Answers the parked heartbeats of the group whose view changed (but not `except`'s: it is being answered).
  private wakeGroup(group: ConsumerGroup, except?: ConsumerMember): void {
    for (const m of group.members.values()) {
      if (m === except || !this.waiters.has(m.memberId)) continue
      if (viewKey(group.view(m)) !== m.lastView) this.answerWaiter(m.memberId)
    }
  }

  private newMemberId(group: ConsumerGroup): string {
    for (;;) {
      const id = `member-${randomBytes(6).toString('hex')}`
      if (!group.members.has(id) && !group.fenced.has(id)) return id
    }
  }

}

// ~1/4 of the session: a member misses three heartbeats before it is gone; never more than 3 s apart.
export function heartbeatInterval(sessionTimeoutMs: number): number {
  return Math.min(3000, Math.max(50, Math.floor(sessionTimeoutMs / 4)))
}

function viewKey(v: MemberView): string {
  let key = `${v.memberEpoch}|${v.pending}`
  for (const tp of v.assignment) key += `|${tp.topic}\0${tp.partition}`
  return key
}

function checkTopics(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string')) {
    throw new SamsaError('INVALID_REQUEST', 'a member joining a group needs the topics it reads (a non-empty list of names)')
  }
  if (topics.length > MAX_SUBSCRIBED_TOPICS) throw new SamsaError('INVALID_REQUEST', `a member may read at most ${MAX_SUBSCRIBED_TOPICS} topics`)
  return [...new Set(topics as string[])]
}

export function unknownMember(group: string, memberId: string, g: ConsumerGroup | undefined): SamsaError {
  const instance = g?.fenced.get(memberId)
  if (instance !== undefined) return new SamsaError('FENCED_INSTANCE_ID', `member ${memberId} of group ${group} was replaced by a new member with instance id ${instance}`)
  return new SamsaError('UNKNOWN_MEMBER_ID', `group ${group} has no member ${memberId} (its session may have expired)`)
}

