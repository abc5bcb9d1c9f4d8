// The group coordinator: one for the daemon, whatever protocol its members speak. Main thread. Typed and
// protocol-free: the control front end (samsa's own clients, the consumer protocol of KIP-848) and the
// Kafka listener (the classic JoinGroup/SyncGroup protocol, classic-group.ts) decode their requests and
// call these methods; errors are SamsaErrors with Kafka's numbers (errors.ts).
//
// State: consumer-protocol groups (consumer-group.ts) and classic groups, each in a Map by group id (user
// text, `__proto__` included: never a path, never an object key); a group id has members of one protocol
// at a time (INCONSISTENT_GROUP_PROTOCOL otherwise). Membership lives in memory only: after a daemon
// restart members rejoin (their next heartbeat gets UNKNOWN_MEMBER_ID). Committed offsets live in the
// OffsetStore (__consumer_offsets) and survive; a group "exists" while it has members or offsets.
//
// Heartbeats of the consumer protocol long-poll: a member's heartbeat is answered at once when its view
// (epoch, assignment, pending count) differs from what it last heard, else parked until it does or until
// waitMs (at most its heartbeat interval) — so a handover reaches every member in one round trip, and an
// idle member costs one request per interval. A member's newer heartbeat answers its parked one first.
// Liveness: a member whose last heartbeat arrived more than its session timeout ago is removed (a parked
// heartbeat waits at most a quarter of the session, so a live member is never close to it; answering one
// does not count, since a killed client's connection may linger until then); one that is asked to give
// partitions back and has not within its rebalance timeout is fenced. One timer, armed for the earliest
// such deadline, sweeps them.
import {randomBytes} from 'node:crypto'
import {SamsaError} from '../../errors.js'
import type {Broker} from '../broker/broker.js'
import type {FetchContext} from '../broker/fetcher.js'
import {ASSIGNORS, tpKey, type TopicPartition} from './assignors.js'
import {systemClock, type Clock, type Timer} from './clock.js'
import {ConsumerGroup, type ConsumerMember, type MemberView} from './consumer-group.js'
import {describeGroup, type GroupDescription, type GroupListing, type Membership} from './group-describer.js'
import {checkGroupId, type CommitResult, type OffsetCommit, type OffsetStore} from './offset-store.js'

export type {GroupDescription, GroupListing, TopicPartition}

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

// Who commits: a member of the consumer protocol (id and epoch), or nobody (a "simple" commit, accepted
// only while the group has no members: `samsa group reset`, kcat's -o stored).
export interface Committer {
  memberId?: string
  memberEpoch?: number
}

export interface CoordinatorOptions {
  broker: Broker
  offsets: OffsetStore
  clock?: Clock
  log?: (line: string) => void
}

interface Waiter {
  member: ConsumerMember
  group: ConsumerGroup
  resolve: (a: HeartbeatAnswer) => void
  reject: (e: SamsaError) => void
  timer: Timer
  unhook: () => void
}

export class GroupCoordinator {
  private readonly consumerGroups = new Map<string, ConsumerGroup>()
  private readonly waiters = new Map<string, Waiter>() // member id → its parked heartbeat
  private readonly broker: Broker
  private readonly offsets: OffsetStore
  private readonly clock: Clock
  private readonly log: (line: string) => void
  private sweepTimer: Timer | null = null
  private sweepAt = Infinity
  private memberCount = 0
  private closed = false

  constructor(options: CoordinatorOptions) {
    this.broker = options.broker
    this.offsets = options.offsets
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? (() => {})
  }

  // ── the consumer protocol ──────────────────────────────────────────────────────────────────────────
  async heartbeat(req: MemberHeartbeat, ctx?: FetchContext): Promise<HeartbeatAnswer> {
    checkGroupId(req.group)
    if (this.closed) throw new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping')
    const now = this.clock.now()
    if (req.memberEpoch === 0) return this.join(req, now)
    const group = this.consumerGroups.get(req.group)
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

  // ── committed offsets, fenced by membership ────────────────────────────────────────────────────────
  // Commits what `who` may commit; the other partitions carry their error. A group with members takes
  // commits only from them, each for the partitions it owns right now (which include those it is giving
  // back: it commits them before it reports them gone).
  async commitOffsets(group: string, who: Committer, commits: readonly OffsetCommit[]): Promise<CommitResult[]> {
    checkGroupId(group)
    const g = this.consumerGroups.get(group)
    const out: (CommitResult | null)[] = commits.map(() => null)
    let allowed: {i: number; commit: OffsetCommit}[] = commits.map((commit, i) => ({i, commit}))
    if (g && g.members.size > 0) {
      if (who.memberId === undefined || who.memberId === '') {
        throw new SamsaError('NON_EMPTY_GROUP', `group ${group} has ${g.members.size} active member(s): only they commit its offsets while it has members`)
      }
      const m = g.checkCommit(who.memberId, who.memberEpoch ?? -1)
      allowed = allowed.filter(({i, commit}) => {
        if (g.owns(m, commit.topic, commit.partition)) return true
        const error = new SamsaError('STALE_MEMBER_EPOCH', `${commit.topic}-${commit.partition} is not assigned to member ${m.memberId} of group ${group}`)
        out[i] = {topic: commit.topic, partition: commit.partition, error}
        return false
      })
    } else if (who.memberId !== undefined && who.memberId !== '') {
      throw unknownMember(group, who.memberId, g)
    }
    const results = await this.offsets.commitOffsets(group, allowed.map((a) => a.commit))
    allowed.forEach((a, k) => (out[a.i] = results[k]!))
    return out as CommitResult[]
  }

  // ── administration ─────────────────────────────────────────────────────────────────────────────────
  listGroups(): GroupListing[] {
    const out = new Map<string, GroupListing>()
    for (const id of this.offsets.groupIds()) out.set(id, {group: id, type: '', state: 'Empty', members: 0})
    for (const m of this.memberships()) out.set(m.group, {group: m.group, type: m.type, state: m.state, members: m.members.length})
    return [...out.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
  }

  // Each group asked for, in order; a group with neither members nor offsets is GROUP_ID_NOT_FOUND.
  async describeGroups(ids: readonly string[]): Promise<(GroupDescription | SamsaError)[]> {
    const out: (GroupDescription | SamsaError)[] = []
    for (const id of ids) {
      try {
        checkGroupId(id)
        const membership = this.membership(id)
        const committed = this.offsets.fetchOffsets(id)
        if (!membership && committed.length === 0) throw notFound(id)
        out.push(await describeGroup(this.broker, id, membership, committed))
      } catch (err) {
        out.push(err instanceof SamsaError ? err : new SamsaError('INTERNAL', String(err)))
      }
    }
    return out
  }

  // Forgets a group's committed offsets (tombstones in __consumer_offsets). Refused while it has members.
  async deleteGroup(id: string): Promise<void> {
    checkGroupId(id)
    const membership = this.membership(id)
    if (membership) throw new SamsaError('NON_EMPTY_GROUP', `group ${id} has ${membership.members.length} active member(s): stop them before deleting it`)
    if (!this.offsets.hasOffsets(id)) throw notFound(id)
    await this.offsets.forgetGroup(id)
  }

  // The daemon is stopping: parked heartbeats answer now, new ones are refused.
  close(): void {
    this.closed = true
    for (const id of [...this.waiters.keys()]) this.answerWaiter(id)
    this.sweepTimer?.cancel()
    this.sweepTimer = null
  }

  // Runs the session and rebalance timeouts now (the timer calls this; tests on a fake clock may too).
  sweep(): void {
    const now = this.clock.now()
    this.sweepTimer = null
    this.sweepAt = Infinity
    for (const g of [...this.consumerGroups.values()]) {
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
    this.schedule()
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
    let group = this.consumerGroups.get(req.group)
    const old = req.memberId === '' ? undefined : group?.members.get(req.memberId)
    if (old) this.removeMember(group!, old) // the same member joining afresh
    const replaces = req.instanceId ? group?.staticMembers.get(req.instanceId) : undefined
    if (replaces === undefined) {
      if ((group?.members.size ?? 0) >= MAX_GROUP_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `group ${req.group} has ${MAX_GROUP_MEMBERS} members, its limit`)
      if (this.memberCount >= MAX_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `the daemon has ${MAX_MEMBERS} group members, its limit`)
    }
    if (!group) this.consumerGroups.set(req.group, (group = new ConsumerGroup(req.group, (t) => this.broker.partitionCount(t))))
    if (replaces !== undefined) {
      const previous = this.waiters.get(replaces)
      if (previous) this.dropWaiter(replaces, new SamsaError('FENCED_INSTANCE_ID', `a new member with instance id ${req.instanceId} joined group ${req.group}`))
    } else {
      this.memberCount++
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
    this.schedule(now + sessionTimeoutMs)
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
    this.memberCount--
    this.dropWaiter(member.memberId, unknownMember(group.id, member.memberId, group))
  }

  private afterRemoval(group: ConsumerGroup, now: number): void {
    if (group.members.size === 0) {
      this.consumerGroups.delete(group.id)
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

  // Arms the sweep for `at` when that is earlier than the one armed (else for the earliest deadline).
  private schedule(at?: number): void {
    if (this.closed) return
    let next = at ?? Infinity
    if (at === undefined) {
      for (const g of this.consumerGroups.values()) {
        for (const m of g.members.values()) {
          next = Math.min(next, m.lastSeen + m.sessionTimeoutMs)
          if (m.revokingSince > 0) next = Math.min(next, m.revokingSince + m.rebalanceTimeoutMs)
        }
      }
    }
    if (next === Infinity || next >= this.sweepAt) return
    this.sweepTimer?.cancel()
    this.sweepAt = next
    this.sweepTimer = this.clock.after(next - this.clock.now(), () => this.sweep())
  }

  private newMemberId(group: ConsumerGroup): string {
    for (;;) {
      const id = `member-${randomBytes(6).toString('hex')}`
      if (!group.members.has(id) && !group.fenced.has(id)) return id
    }
  }

  private membership(id: string): Membership | null {
    const g = this.consumerGroups.get(id)
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

  private memberships(): Membership[] {
    return [...this.consumerGroups.keys()].map((id) => this.membership(id)).filter((m): m is Membership => m !== null)
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

function unknownMember(group: string, memberId: string, g: ConsumerGroup | undefined): SamsaError {
  const instance = g?.fenced.get(memberId)
  if (instance !== undefined) return new SamsaError('FENCED_INSTANCE_ID', `member ${memberId} of group ${group} was replaced by a new member with instance id ${instance}`)
  return new SamsaError('UNKNOWN_MEMBER_ID', `group ${group} has no member ${memberId} (its session may have expired)`)
}

function notFound(group: string): SamsaError {
  return new SamsaError('GROUP_ID_NOT_FOUND', `group ${group} does not exist (no members and no committed offsets)`)
}
