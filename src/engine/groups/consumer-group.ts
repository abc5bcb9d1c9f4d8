// One group of the consumer protocol (Kafka 4's KIP-848, server-side assignment): its members, epochs,
// the target assignment, and who owns which partition right now. Plain state, main thread, no timers and
// no wire format: the coordinator (coordinator.ts) drives it, passes the time in, and wakes the members
// whose view changed.
//
// Epochs. The group epoch rises whenever membership, a subscription or a subscribed topic's partition
// count changes; the target assignment is then recomputed at once (so the group is never seen
// "Assigning") and carries that epoch. Each member has its own epoch: the target epoch it has caught up
// with. Its commits are accepted at its current or previous epoch.
//
// Incremental handover (the invariant that makes it safe): a partition has at most one owner at a time.
//   owners: partition → member, for every partition a member is reading (assigned) or still giving back
//   (revoking). When the target moves partition P from A to B:
//     1. A is told its assignment without P (P moves to A.revoking; A's epoch stays);
//     2. A stops reading P, commits what it delivered of P, then reports it no longer owns P (a heartbeat
//        whose `owned` leaves P out, at A's current epoch) — only then is P released;
//     3. B, whose epoch moved to the target's as soon as it had nothing to give back, is given P once P is
//        free, and starts at the committed offset A just wrote.
//   A member that has partitions to give back gets nothing new until it has; members not involved keep
//   reading throughout. A member that does not give back within its rebalance timeout is fenced.
// Static members (instance id): a new member with the same instance id takes over the old one's member
// state — epoch, assignment, ownership — with no new group epoch, so nothing moves; the old member id is
// fenced. A static member that leaves with epoch -2 keeps its partitions until its session times out.
import {SamsaError} from '../../errors.js'
import type {AssignorMember} from './assignors.js'
import {ASSIGNORS, DEFAULT_ASSIGNOR, compareTp, fromKey, tpKey, type TopicPartition} from './assignors.js'

export interface ConsumerMember {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  topics: string[] // subscription
  assignor: string | null // the server assignor it asked for
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberEpoch: number
  previousEpoch: number
  assigned: Set<string> // tp keys it reads and keeps
  revoking: Set<string> // tp keys it must give back: still its own until it reports them gone
  revokingSince: number // when it was asked to give back (0: nothing to give back)
  lastSeen: number
  left: boolean // a static member that left with epoch -2: holds its partitions until its session expires
  lastView: string // the view it was last answered with (view()), to tell when it must hear again
}

// What a member is told on every heartbeat.
export interface MemberView {
  memberId: string
  memberEpoch: number
  assignment: TopicPartition[] // what it owns from now on; what it owned and is not in here, it gives back
  pending: number // partitions of its target still owned by others: it is waiting for their release
}

export type ConsumerGroupState = 'Empty' | 'Reconciling' | 'Stable'

const MAX_FENCED = 1000 // replaced static member ids remembered (to answer FENCED_INSTANCE_ID), per group

export class ConsumerGroup {
  readonly members = new Map<string, ConsumerMember>()
  readonly staticMembers = new Map<string, string>() // instance id → member id
  readonly fenced = new Map<string, string>() // member id replaced by a new static member → its instance id
  groupEpoch = 0
  targetEpoch = 0
  assignor = DEFAULT_ASSIGNOR
  private target = new Map<string, Set<string>>() // member id → tp keys
  private readonly owners = new Map<string, string>() // tp key → member id
  private metadata = '' // the subscribed topics' partition counts the target was computed with

  constructor(
    readonly id: string,
    private readonly partitionCount: (topic: string) => number | undefined,
  ) {}

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty'
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.targetEpoch || m.revoking.size > 0 || this.pendingOf(m) > 0) return 'Reconciling'
    }
    return 'Stable'
  }

  ownerOf(topic: string, partition: number): ConsumerMember | undefined {
    const id = this.owners.get(tpKey(topic, partition))
    return id === undefined ? undefined : this.members.get(id)
  }

  // ── membership ───────────────────────────────────────────────────────────────────────────────────
  // A new member; a static member with an instance id in use takes over that member's state instead.
  join(m: Omit<ConsumerMember, 'memberEpoch' | 'previousEpoch' | 'assigned' | 'revoking' | 'revokingSince' | 'left' | 'lastView'>): ConsumerMember {
    const member: ConsumerMember = {...m, memberEpoch: 0, previousEpoch: 0, assigned: new Set(), revoking: new Set(), revokingSince: 0, left: false, lastView: ''}
    const previousId = m.instanceId === null ? undefined : this.staticMembers.get(m.instanceId)
    const previous = previousId === undefined ? undefined : this.members.get(previousId)
    if (previous) {
      // the restarted static member: same partitions, same epoch, no rebalance (unless it subscribes differently)
      Object.assign(member, {memberEpoch: previous.memberEpoch, previousEpoch: previous.previousEpoch, assigned: previous.assigned, revoking: previous.revoking})
      member.revokingSince = previous.revokingSince
      this.members.delete(previous.memberId)
      this.fenced.set(previous.memberId, m.instanceId!)
      if (this.fenced.size > MAX_FENCED) this.fenced.delete(this.fenced.keys().next().value!) // the oldest
      for (const k of [...member.assigned, ...member.revoking]) this.owners.set(k, member.memberId)
      const t = this.target.get(previous.memberId)
      this.target.delete(previous.memberId)
      if (t) this.target.set(member.memberId, t)
    }
    this.members.set(member.memberId, member)
    if (m.instanceId !== null) this.staticMembers.set(m.instanceId, member.memberId)
    if (!previous || !sameTopics(previous.topics, member.topics) || previous.assignor !== member.assignor) this.bump()
    return member
  }

  // The member is gone (left, expired, fenced): what it owned is free at once.
  remove(member: ConsumerMember): void {
    if (this.members.get(member.memberId) !== member) return
    this.members.delete(member.memberId)
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === member.memberId) this.staticMembers.delete(member.instanceId)
    for (const k of [...member.assigned, ...member.revoking]) if (this.owners.get(k) === member.memberId) this.owners.delete(k)
    member.assigned.clear()
    member.revoking.clear()
    this.target.delete(member.memberId)
    if (this.members.size === 0) this.fenced.clear()
    this.bump()
  }

  subscribe(member: ConsumerMember, topics: string[]): void {
    if (sameTopics(member.topics, topics)) return
    member.topics = topics
    this.bump()
  }

  // A topic was created, grown or deleted: a new target when a subscribed topic's partitions changed.
  refreshMetadata(): boolean {
    if (this.members.size === 0 || this.describeMetadata() === this.metadata) return false
    this.bump()
    return true
  }

  // ── the handover ─────────────────────────────────────────────────────────────────────────────────
  // The member reports what it owns (at its current epoch): partitions it was asked to give back and no
  // longer holds are released. Returns true when something was released.
  acknowledge(member: ConsumerMember, owned: ReadonlySet<string>): boolean {
    let released = false
    for (const k of [...member.revoking]) {
      if (owned.has(k)) continue
      member.revoking.delete(k)
      if (this.owners.get(k) === member.memberId) this.owners.delete(k)
      released = true
    }
    if (member.revoking.size === 0) member.revokingSince = 0
    return released
  }

  // Moves every member one step toward its target: first what it must give back, then its new epoch and
  // whatever of its target is free. Members are visited in join order, so freed partitions go to the
  // earliest waiter first (each partition has one target owner anyway).
  reconcileAll(now: number): void {
    for (const m of this.members.values()) this.reconcile(m, now)
  }

  reconcile(m: ConsumerMember, now: number): void {
    const t = this.target.get(m.memberId) ?? new Set<string>()
    for (const k of [...m.revoking]) {
      if (!t.has(k)) continue
      m.revoking.delete(k) // back in its target before it gave it back: it simply keeps it
      m.assigned.add(k)
    }
    for (const k of [...m.assigned]) {
      if (t.has(k)) continue
      m.assigned.delete(k)
      m.revoking.add(k)
    }
    if (m.revoking.size > 0) {
      if (m.revokingSince === 0) m.revokingSince = now
      return // nothing new until it has given back (its epoch stays, so its commits still count)
    }
    m.revokingSince = 0
    if (m.memberEpoch !== this.targetEpoch) {
      m.previousEpoch = m.memberEpoch
      m.memberEpoch = this.targetEpoch
    }
    for (const k of t) {
      if (m.assigned.has(k) || this.owners.has(k)) continue
      m.assigned.add(k)
      this.owners.set(k, m.memberId)
    }
  }

  view(m: ConsumerMember): MemberView {
    return {memberId: m.memberId, memberEpoch: m.memberEpoch, assignment: [...m.assigned].map(fromKey).sort(compareTp), pending: this.pendingOf(m)}
  }

  targetOf(m: ConsumerMember): TopicPartition[] {
    return [...(this.target.get(m.memberId) ?? [])].map(fromKey).sort(compareTp)
  }

  // Whether `memberId` may commit `topic`-`partition` at `epoch` (throws the member-level error).
  checkCommit(memberId: string, epoch: number): ConsumerMember {
    const m = this.members.get(memberId)
    if (!m) {
      const instance = this.fenced.get(memberId)
      if (instance !== undefined) throw new SamsaError('FENCED_INSTANCE_ID', `member ${memberId} of group ${this.id} was replaced by a new member with instance id ${instance}`)
      throw new SamsaError('UNKNOWN_MEMBER_ID', `group ${this.id} has no member ${memberId} (its session may have expired)`)
    }
    if (epoch > m.memberEpoch) throw new SamsaError('FENCED_MEMBER_EPOCH', `member ${memberId} of group ${this.id} is at epoch ${m.memberEpoch}, not ${epoch}`)
    if (epoch !== m.memberEpoch && epoch !== m.previousEpoch) {
      throw new SamsaError('STALE_MEMBER_EPOCH', `member ${memberId} of group ${this.id} is at epoch ${m.memberEpoch}; epoch ${epoch} is stale`)
    }
    return m
  }

  owns(m: ConsumerMember, topic: string, partition: number): boolean {
    return this.owners.get(tpKey(topic, partition)) === m.memberId
  }

  // ── inside ───────────────────────────────────────────────────────────────────────────────────────
  private pendingOf(m: ConsumerMember): number {
    let n = 0
    for (const k of this.target.get(m.memberId) ?? []) if (!m.assigned.has(k)) n++
    return n
  }

  // A new group epoch and its target assignment.
  private bump(): void {
    this.groupEpoch++
    this.assignor = this.chooseAssignor()
    const partitions = new Map<string, number>()
    for (const m of this.members.values()) {
      for (const topic of m.topics) {
        const n = this.partitionCount(topic)
        if (n !== undefined && n > 0) partitions.set(topic, n)
      }
    }
    this.metadata = this.describeMetadata()
    const members: AssignorMember[] = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      topics: m.topics,
      current: [...(this.target.get(m.memberId) ?? [])].map(fromKey),
    }))
    const assigned = ASSIGNORS.get(this.assignor)!(members, partitions)
    this.target = new Map([...assigned].map(([id, tps]) => [id, new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)))]))
    this.targetEpoch = this.groupEpoch
  }

  // The assignor most members asked for (ties: the one asked for first); the default when none asked.
  private chooseAssignor(): string {
    const votes = new Map<string, number>()
    for (const m of this.members.values()) if (m.assignor !== null) votes.set(m.assignor, (votes.get(m.assignor) ?? 0) + 1)
    let best = DEFAULT_ASSIGNOR
    let most = 0
    for (const [name, n] of votes) {
      if (n > most) {
        best = name
        most = n
      }
    }
    return best
  }

  private describeMetadata(): string {
    const topics = new Set<string>()
    for (const m of this.members.values()) for (const t of m.topics) topics.add(t)
    return JSON.stringify([...topics].sort().map((t) => [t, this.partitionCount(t) ?? -1]))
  }
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const s = new Set(a)
  return b.every((t) => s.has(t))
}
