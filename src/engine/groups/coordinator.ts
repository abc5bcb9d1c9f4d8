// The group coordinator: one for the daemon, whatever protocol its members speak. Main thread. Typed and
// protocol-free: the control front end (samsa's own clients: the consumer protocol, KIP-848 style,
// consumer-members.ts) and the Kafka listener (the classic JoinGroup/SyncGroup protocol,
// classic-group.ts) decode their requests and call these methods; errors are SamsaErrors carrying
// Kafka's numbers (errors.ts kafkaCode).
//
// State: consumer-protocol groups and classic groups, each in a Map by group id (user text, `__proto__`
// included: never a path, never an object key). A group id has members of one protocol at a time
// (INCONSISTENT_GROUP_PROTOCOL otherwise). Membership lives in memory only: after a daemon restart
// members rejoin (their next heartbeat gets UNKNOWN_MEMBER_ID). Committed offsets live in the OffsetStore
// (__consumer_offsets) and survive; a group "exists" while it has members or committed offsets.
// Commits are fenced by membership: a group with members takes commits only from its members (consumer
// protocol: each for the partitions it owns; classic: at the current generation).
// Epochs and generations are not persisted, and need not be for fencing: member ids are random and
// never reused, so a commit or heartbeat sent under a member id from before a restart is UNKNOWN_MEMBER_ID
// (classic, to a group the new daemon has not seen: ILLEGAL_GENERATION, as Kafka answers OffsetCommit
// v0-8), whatever its epoch, even where the new group's epoch numbers have come round to the same value.
// (Kafka persists group metadata because its members outlive a coordinator move; here they rejoin.)
// Timeouts: one timer, armed for the earliest session or rebalance deadline of any member, sweeps them.
// Memory: classic members' protocol metadata and assignments (client-chosen bytes) share one budget,
// maxClassicBytes; a join or an assignment beyond it is GROUP_MAX_SIZE_REACHED (classic-group.ts).
import {SamsaError} from '../../errors.js'
import type {Broker} from '../broker/broker.js'
import type {FetchContext} from '../broker/fetcher.js'
import type {TopicPartition} from './assignors.js'
import {ClassicGroup, MAX_MEMBER_METADATA_BYTES, protocolBytes, type ClassicAssignment, type ClassicDescription, type ClassicJoin, type ClassicJoinResult} from './classic-group.js'
import {systemClock, type Clock, type Timer} from './clock.js'
import {
  ConsumerMembers,
  MAX_GROUP_MEMBERS,
  MAX_MEMBERS,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
  unknownMember,
  type HeartbeatAnswer,
  type MemberHeartbeat,
} from './consumer-members.js'
import {describeGroup, type GroupDescription, type GroupListing, type Membership} from './group-describer.js'
import {checkGroupId, type CommitResult, type OffsetCommit, type OffsetStore} from './offset-store.js'

export {MAX_SUBSCRIBED_TOPICS, heartbeatInterval} from './consumer-members.js'
export type {ClassicAssignment, ClassicDescription, ClassicJoin, ClassicJoinResult, GroupDescription, GroupListing, HeartbeatAnswer, MemberHeartbeat, TopicPartition}

// Who commits through the control protocol: a member of the consumer protocol (id and epoch), or nobody
// (a "simple" commit, accepted only while the group has no members: `samsa group reset`).
export interface Committer {
  memberId?: string
  memberEpoch?: number
}

export interface CoordinatorOptions {
  broker: Broker
  offsets: OffsetStore
  clock?: Clock
  log?: (line: string) => void
  maxClassicBytes?: number // default MAX_CLASSIC_BYTES
}

export const MAX_CLASSIC_BYTES = 128 << 20

export class GroupCoordinator {
  private readonly consumers: ConsumerMembers
  private readonly classicGroups = new Map<string, ClassicGroup>()
  private readonly broker: Broker
  private readonly offsets: OffsetStore
  private readonly clock: Clock
  private readonly log: (line: string) => void
  private readonly maxClassicBytes: number
  private sweepTimer: Timer | null = null
  private sweepAt = Infinity
  private closed = false

  constructor(options: CoordinatorOptions) {
    this.broker = options.broker
    this.offsets = options.offsets
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? (() => {})
    this.maxClassicBytes = options.maxClassicBytes ?? MAX_CLASSIC_BYTES
    this.consumers = new ConsumerMembers({
      partitionCount: (t) => this.broker.partitionCount(t),
      clock: this.clock,
      log: this.log,
      onDeadline: (at) => this.schedule(at),
    })
  }

  // ── the consumer protocol ──────────────────────────────────────────────────────────────────────────
  async heartbeat(req: MemberHeartbeat, ctx?: FetchContext): Promise<HeartbeatAnswer> {
    checkGroupId(req.group)
    if (this.closed) throw new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping')
    if (req.memberEpoch === 0 && (this.classicGroups.get(req.group)?.members.size ?? 0) > 0) throw otherProtocol(req.group, 'classic')
    return this.consumers.heartbeat(req, this.clock.now(), ctx)
  }

  // ── committed offsets, fenced by membership ────────────────────────────────────────────────────────
  // Commits what `who` may commit; the other partitions carry their error. A group with members takes
  // commits only from them, each for the partitions it owns right now (which include those it is giving
  // back: it commits them before it reports them gone).
  async commitOffsets(group: string, who: Committer, commits: readonly OffsetCommit[]): Promise<CommitResult[]> {
    checkGroupId(group)
    const g = this.consumers.group(group)
    const out: (CommitResult | null)[] = commits.map(() => null)
    let allowed: {i: number; commit: OffsetCommit}[] = commits.map((commit, i) => ({i, commit}))
    if (g) {
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
    } else if ((this.classicGroups.get(group)?.members.size ?? 0) > 0) {
      if (who.memberId === undefined || who.memberId === '') {
        throw new SamsaError('NON_EMPTY_GROUP', `group ${group} has active members (Kafka clients): only they commit its offsets while it has members`)
      }
      throw unknownMember(group, who.memberId, g)
    } else if (who.memberId !== undefined && who.memberId !== '') {
      throw unknownMember(group, who.memberId, g)
    }
    return this.store(group, commits, out, allowed)
  }

  private async store(group: string, commits: readonly OffsetCommit[], out: (CommitResult | null)[], allowed: {i: number; commit: OffsetCommit}[]): Promise<CommitResult[]> {
    const results = await this.offsets.commitOffsets(group, allowed.map((a) => a.commit))
    allowed.forEach((a, k) => (out[a.i] = results[k]!))
    return out as CommitResult[]
  }

  // ── the classic protocol (the Kafka listener: JoinGroup, SyncGroup, Heartbeat, LeaveGroup) ───────────
  // The listener maps each SamsaError to Kafka's code (kafkaCode) and answers; kafka-protocol.md §6.3.
  joinGroup(req: ClassicJoin): Promise<ClassicJoinResult> | ClassicJoinResult {
    checkGroupId(req.group)
    if (this.closed) throw new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping') // Kafka's COORDINATOR_NOT_AVAILABLE (15)
    if (!(req.sessionTimeoutMs >= MIN_SESSION_TIMEOUT_MS && req.sessionTimeoutMs <= MAX_SESSION_TIMEOUT_MS)) {
      throw new SamsaError('INVALID_SESSION_TIMEOUT', `session timeout must be ${MIN_SESSION_TIMEOUT_MS} to ${MAX_SESSION_TIMEOUT_MS} ms, got ${req.sessionTimeoutMs}`)
    }
    if (this.consumers.group(req.group)) throw otherProtocol(req.group, 'consumer')
    let g = this.classicGroups.get(req.group)
    const bytes = protocolBytes(req.protocols)
    if (bytes > MAX_MEMBER_METADATA_BYTES) {
      throw new SamsaError('INVALID_REQUEST', `a member's protocol metadata may hold at most ${MAX_MEMBER_METADATA_BYTES} bytes, got ${bytes}`)
    }
    if (this.classicBytes() - (g?.members.get(req.memberId)?.bytes ?? 0) + bytes > this.maxClassicBytes) {
      throw new SamsaError('GROUP_MAX_SIZE_REACHED', `the daemon's Kafka group members hold ${this.maxClassicBytes} bytes of metadata, its limit`)
    }
    if (req.memberId === '' && !req.instanceId) {
      if ((g?.members.size ?? 0) >= MAX_GROUP_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `group ${req.group} has ${MAX_GROUP_MEMBERS} members, its limit`)
      if (this.consumers.count + this.classicMembers() >= MAX_MEMBERS) throw new SamsaError('GROUP_MAX_SIZE_REACHED', `the daemon has ${MAX_MEMBERS} group members, its limit`)
    }
    if (!g) {
      const created: ClassicGroup = new ClassicGroup(req.group, this.clock, () => {
        if (this.classicGroups.get(req.group) === created) this.classicGroups.delete(req.group)
      })
      this.classicGroups.set(req.group, (g = created))
    }
    const result = g.join(req)
    this.schedule(this.clock.now() + req.sessionTimeoutMs)
    return result
  }

  syncGroup(group: string, memberId: string, generationId: number, assignments: readonly ClassicAssignment[]): Promise<Uint8Array> | Uint8Array {
    const g = this.classic(group, memberId)
    if (this.closed) throw new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping')
    return g.sync(memberId, generationId, assignments, this.maxClassicBytes - this.classicBytes())
  }

  classicHeartbeat(group: string, memberId: string, generationId: number): void {
    this.classic(group, memberId).heartbeat(memberId, generationId)
  }

  // Kafka's DescribeGroups view of a classic group (opaque metadata and assignment bytes per member), or
  // null when it has no classic members (describeGroups() has the rest: offsets, consumer-protocol members).
  describeClassic(group: string): ClassicDescription | null {
    const g = this.classicGroups.get(group)
    return g && g.members.size > 0 ? g.describeWire() : null
  }

  // One answer per member id (LeaveGroup v3+ lists several): null when it left, else why not.
  leaveGroup(group: string, memberIds: readonly string[]): (SamsaError | null)[] {
    return memberIds.map((id) => {
      try {
        this.classic(group, id).leave(id)
        return null
      } catch (err) {
        return err as SamsaError
      }
    })
  }

  // OffsetCommit from a Kafka client: Kafka's classic validation (generation -1 and member "" is a simple
  // commit, accepted only while the group has no members), then the commit.
  async commitOffsetsClassic(group: string, who: {memberId: string; generationId: number}, commits: readonly OffsetCommit[]): Promise<CommitResult[]> {
    checkGroupId(group)
    const g = this.classicGroups.get(group)
    if (this.consumers.group(group)) {
      throw who.memberId === '' ? new SamsaError('UNKNOWN_MEMBER_ID', `group ${group} has members: a commit needs its member id`) : otherProtocol(group, 'consumer')
    }
    if (g) g.checkCommit(who.memberId, who.generationId)
    else if (who.generationId >= 0) throw new SamsaError('ILLEGAL_GENERATION', `group ${group} has no generation ${who.generationId}: it has no members`)
    return this.store(group, commits, commits.map(() => null), commits.map((commit, i) => ({i, commit})))
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

  // The daemon is stopping: parked heartbeats answer now, parked joins and syncs are refused (Kafka's
  // clients then look for the coordinator again), new ones are refused.
  close(): void {
    this.closed = true
    this.consumers.answerAll()
    const stopping = new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping')
    for (const g of this.classicGroups.values()) g.close(stopping)
    this.sweepTimer?.cancel()
    this.sweepTimer = null
  }

  // Runs the session and rebalance timeouts now (the timer calls this; tests on a fake clock may too).
  sweep(): void {
    const now = this.clock.now()
    this.sweepTimer = null
    this.sweepAt = Infinity
    this.consumers.expire(now)
    for (const g of [...this.classicGroups.values()]) g.expire(now, this.log)
    this.schedule()
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  // Arms the sweep for `at` when that is earlier than the one armed (else for the earliest deadline).
  private schedule(at?: number): void {
    if (this.closed) return
    let next = at ?? this.consumers.nextDeadline()
    if (at === undefined) for (const g of this.classicGroups.values()) next = Math.min(next, g.nextDeadline())
    if (next === Infinity || next >= this.sweepAt) return
    this.sweepTimer?.cancel()
    this.sweepAt = next
    this.sweepTimer = this.clock.after(next - this.clock.now(), () => this.sweep())
  }

  private classic(group: string, memberId: string): ClassicGroup {
    checkGroupId(group)
    const g = this.classicGroups.get(group)
    if (!g) throw new SamsaError('UNKNOWN_MEMBER_ID', `group ${group} has no member ${JSON.stringify(memberId)}`)
    return g
  }

  private classicBytes(): number {
    let n = 0
    for (const g of this.classicGroups.values()) n += g.bytes
    return n
  }

  private classicMembers(): number {
    let n = 0
    for (const g of this.classicGroups.values()) n += g.members.size
    return n
  }

  private membership(id: string): Membership | null {
    const c = this.classicGroups.get(id)
    if (c && c.members.size > 0) {
      return {
        group: id,
        type: 'classic',
        state: c.state,
        epoch: c.generation,
        assignor: c.protocol,
        members: c.describeMembers(),
        owner: (topic, partition) => c.ownerOf(topic, partition),
      }
    }
    return this.consumers.membership(id)
  }

  private memberships(): Membership[] {
    const ids = new Set([...this.consumers.ids(), ...this.classicGroups.keys()])
    return [...ids].map((id) => this.membership(id)).filter((m): m is Membership => m !== null)
  }
}

function otherProtocol(group: string, has: 'consumer' | 'classic'): SamsaError {
  const who = has === 'classic' ? 'Kafka clients (kcat -G, kafkajs: the classic protocol)' : 'samsa members (samsa consume --group: the consumer protocol)'
  return new SamsaError('INCONSISTENT_GROUP_PROTOCOL', `group ${group} has members of another protocol, ${who}; one group's members speak one protocol: use another group id`)
}

function notFound(group: string): SamsaError {
  return new SamsaError('GROUP_ID_NOT_FOUND', `group ${group} does not exist (no members and no committed offsets)`)
}
