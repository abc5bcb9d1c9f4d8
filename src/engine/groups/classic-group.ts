// One group of Kafka's CLASSIC protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup, client-side
// assignment), for the Kafka listener's clients (kcat -G, kafkajs): the state machine of Kafka's
// GroupCoordinator as kafka-protocol.md §6.3 describes it. Main thread, no wire format: the listener
// decodes its requests into these typed calls; protocol metadata and assignments stay opaque bytes
// (with, optionally, the partitions the listener decoded from them, which `group describe` shows).
//
// States: Empty → PreparingRebalance → CompletingRebalance → Stable (Dead is "no such group").
//   PreparingRebalance: the join barrier. Every known member must send JoinGroup; those that do not
//     within the largest rebalance timeout are removed. Pending SyncGroups are answered
//     REBALANCE_IN_PROGRESS. Then the generation rises, a protocol is voted, the leader (the previous
//     one if it rejoined) gets every member's metadata, and each waiting join is answered.
//   CompletingRebalance: followers' SyncGroups wait for the leader's, which carries every assignment
//     (a member it left out gets empty bytes); then Stable. A leader that does not sync within the
//     rebalance timeout: the members that did not sync are removed and a new rebalance starts.
//   Stable: a known follower rejoining with the same protocols gets the current generation at once; the
//     leader, or changed protocols, start a rebalance.
// Liveness: heartbeats (and joins, syncs, commits) refresh a member; one silent for its session timeout is
// removed (the coordinator's sweep calls expire()). A member waiting in a barrier is not expired: the
// barrier's own deadline bounds it.
// Memory: each member's protocols (names and metadata) and its assignment are bytes a client chose; the
// group counts them (`bytes`), so the coordinator can hold every classic group to one daemon-wide budget,
// and refuses a member's protocols above MAX_MEMBER_METADATA_BYTES and an assignment above
// MAX_ASSIGNMENT_BYTES (Kafka's own bound is its 1 MiB group record). It keeps copies of the bytes it is
// given: a front end's are views into request frames, which must not stay referenced.
import {randomUUID} from 'node:crypto'
import {SamsaError} from '../../errors.js'
import type {TopicPartition} from './assignors.js'
import type {Clock, Timer} from './clock.js'
import type {MemberDescription} from './group-describer.js'

export interface ClassicProtocol {
  name: string
  metadata: Uint8Array
}

export interface ClassicJoin {
  group: string
  memberId: string // '' on a first join
  instanceId?: string | null // JoinGroup v5+ (static membership)
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number // v0 has none: pass the session timeout (never -1)
  protocolType: string // "consumer"
  protocols: ClassicProtocol[]
  topics?: string[] // the subscription, when the listener decoded it (for `group describe`)
  requireKnownMemberId?: boolean // JoinGroup v4+ (KIP-394): answer MEMBER_ID_REQUIRED with a new id first
}

export interface ClassicJoinResult {
  memberIdRequired?: true // MEMBER_ID_REQUIRED (79): rejoin with memberId
  generationId: number
  protocolName: string
  leader: string
  memberId: string
  members: {memberId: string; instanceId: string | null; metadata: Uint8Array}[] // the leader's only
}

export interface ClassicAssignment {
  memberId: string
  assignment: Uint8Array
  partitions?: TopicPartition[] // decoded by the listener, for `group describe`
}

export interface ClassicDescription {
  state: ClassicState
  protocolType: string
  protocol: string
  members: {memberId: string; instanceId: string | null; clientId: string; clientHost: string; metadata: Uint8Array; assignment: Uint8Array}[]
}

export interface ClassicMember {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocols: ClassicProtocol[]
  topics: string[]
  assignment: Uint8Array
  partitions: TopicPartition[]
  lastSeen: number
  bytes: number // its protocols and assignment (see the header)
  join: {resolve: (r: ClassicJoinResult) => void; reject: (e: SamsaError) => void} | null
  sync: {resolve: (a: Uint8Array) => void; reject: (e: SamsaError) => void} | null
}

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable'

const EMPTY = new Uint8Array(0)
const MAX_PENDING = 100 // KIP-394 ids handed out and not yet used, per group
export const MAX_MEMBER_METADATA_BYTES = 1 << 20
export const MAX_ASSIGNMENT_BYTES = 1 << 20

// The bytes a member's protocols hold: what JoinGroup is checked against before it is let in.
export function protocolBytes(protocols: readonly ClassicProtocol[]): number {
  let n = 0
  for (const p of protocols) n += p.name.length + p.metadata.length
  return n
}

export class ClassicGroup {
  state: ClassicState = 'Empty'
  generation = 0
  protocolType = ''
  protocol = ''
  leader = ''
  bytes = 0 // every member's protocols and assignment
  readonly members = new Map<string, ClassicMember>()
  private readonly pending = new Map<string, number>() // KIP-394 member ids handed out, not yet joined → until when
  private barrier: Timer | null = null

  constructor(
    readonly id: string,
    private readonly clock: Clock,
    private readonly onEmpty: () => void, // the coordinator forgets an empty group
  ) {}

  join(req: ClassicJoin): Promise<ClassicJoinResult> | ClassicJoinResult {
    if (req.protocolType === '' || req.protocols.length === 0) throw inconsistent(this.id, 'a join needs a protocol type and at least one protocol')
    if (this.members.size > 0 && (req.protocolType !== this.protocolType || !this.sharesProtocol(req.protocols))) {
      throw inconsistent(this.id, `no protocol in common with its members (${this.protocolType}: ${this.candidates().join(', ')})`)
    }
    const now = this.clock.now()
    let member = req.memberId === '' ? undefined : this.members.get(req.memberId)
    if (req.memberId === '') {
      const memberId = `${req.clientId || 'member'}-${randomUUID()}`
      if (req.requireKnownMemberId && !req.instanceId) {
        this.pending.set(memberId, now + req.sessionTimeoutMs)
        if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!) // the oldest
        return {memberIdRequired: true, generationId: -1, protocolName: '', leader: '', memberId, members: []}
      }
      const previous = req.instanceId ? [...this.members.values()].find((m) => m.instanceId === req.instanceId) : undefined
      if (previous) return this.replaceStatic(previous, memberId, req, now)
      member = this.add(memberId, req, now)
    } else if (!member) {
      if (!this.pending.delete(req.memberId)) throw unknownMember(this.id, req.memberId)
      member = this.add(req.memberId, req, now)
    } else {
      member.lastSeen = now
      const same = sameProtocols(member.protocols, req.protocols)
      this.resize(member, keep(req.protocols), member.assignment)
      member.topics = req.topics ?? member.topics
      member.sessionTimeoutMs = req.sessionTimeoutMs
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs
      if (same && (this.state === 'CompletingRebalance' || (this.state === 'Stable' && member.memberId !== this.leader))) {
        return this.joinResult(member) // nothing changed for it: the current generation
      }
    }
    this.protocolType = req.protocolType
    member.join?.reject(rebalancing(this.id)) // a repeated join replaces the one waiting
    const waiting = new Promise<ClassicJoinResult>((resolve, reject) => (member!.join = {resolve, reject}))
    if (this.state !== 'PreparingRebalance') this.prepareRebalance()
    else this.tryCompleteJoin()
    return waiting
  }

  // `room`: the bytes the daemon-wide budget has left for the leader's assignments.
  sync(memberId: string, generationId: number, assignments: readonly ClassicAssignment[], room = Infinity): Promise<Uint8Array> | Uint8Array {
    const m = this.checkMember(memberId, generationId)
    if (this.state === 'PreparingRebalance') throw rebalancing(this.id)
    m.lastSeen = this.clock.now()
    if (this.state === 'Stable') return m.assignment
    if (memberId !== this.leader) {
      m.sync?.reject(rebalancing(this.id)) // a repeated sync replaces the one waiting
      return new Promise<Uint8Array>((resolve, reject) => (m.sync = {resolve, reject}))
    }
    this.storeAssignments(assignments, room)
    this.state = 'Stable'
    this.clearBarrier()
    for (const x of this.members.values()) {
      x.sync?.resolve(x.assignment)
      x.sync = null
    }
    return m.assignment
  }

  heartbeat(memberId: string, generationId: number): void {
    const m = this.checkMember(memberId, generationId)
    m.lastSeen = this.clock.now()
    if (this.state === 'PreparingRebalance') throw rebalancing(this.id)
  }

  leave(memberId: string): void {
    const m = this.members.get(memberId)
    if (!m) throw unknownMember(this.id, memberId)
    this.remove(m, unknownMember(this.id, memberId))
    this.membershipChanged()
  }

  // OffsetCommit of a classic member (Kafka's validateOffsetCommit): throws what Kafka answers. Generation -1
  // is a simple commit (admin tools, kcat without -G), taken only while the group has no members; a member id
  // the group does not know (one from before a daemon restart, which forgot every member) is
  // UNKNOWN_MEMBER_ID, whatever its generation; a known member at another generation, ILLEGAL_GENERATION.
  checkCommit(memberId: string, generationId: number): void {
    if (this.members.size === 0 && generationId < 0) return
    if (memberId === '' && generationId < 0) throw unknownMember(this.id, memberId)
    const m = this.checkMember(memberId, generationId)
    if (this.state === 'CompletingRebalance') throw rebalancing(this.id)
    m.lastSeen = this.clock.now()
  }

  // The daemon is stopping: every join and sync waiting in a barrier hears `why` now.
  close(why: SamsaError): void {
    this.clearBarrier()
    for (const m of this.members.values()) {
      m.join?.reject(why)
      m.sync?.reject(why)
      m.join = m.sync = null
    }
  }

  get idle(): boolean {
    return this.members.size === 0 && this.pending.size === 0
  }

  // The session sweep: members silent for their session timeout (and not waiting in a barrier) go, and
  // KIP-394 ids nobody came back with.
  expire(now: number, log: (line: string) => void): void {
    for (const [id, until] of this.pending) if (now >= until) this.pending.delete(id)
    let removed = false
    for (const m of [...this.members.values()]) {
      if (m.join || m.sync || now < m.lastSeen + m.sessionTimeoutMs) continue
      log(`group ${JSON.stringify(this.id)}: classic member ${m.memberId} removed: no heartbeat for ${m.sessionTimeoutMs} ms (session timeout)`)
      this.remove(m, unknownMember(this.id, m.memberId))
      removed = true
    }
    if (removed) this.membershipChanged()
    else if (this.idle) this.onEmpty()
  }

  nextDeadline(): number {
    let next = Infinity
    for (const until of this.pending.values()) next = Math.min(next, until)
    for (const m of this.members.values()) if (!m.join && !m.sync) next = Math.min(next, m.lastSeen + m.sessionTimeoutMs)
    return next
  }

  describeMembers(): MemberDescription[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberEpoch: this.generation,
      topics: m.topics,
      assignment: m.partitions,
      target: m.partitions,
    }))
  }

  // What Kafka's DescribeGroups carries: in Stable, the chosen protocol and each member's metadata for it and
  // its assignment; in a rebalance, the members without them (Kafka's describeNoMetadata).
  describeWire(): ClassicDescription {
    const stable = this.state === 'Stable'
    return {
      state: this.state,
      protocolType: this.protocolType,
      protocol: stable ? this.protocol : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    }
  }

  ownerOf(topic: string, partition: number): string | undefined {
    for (const m of this.members.values()) if (m.partitions.some((tp) => tp.topic === topic && tp.partition === partition)) return m.memberId
    return undefined
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  private add(memberId: string, req: ClassicJoin, now: number): ClassicMember {
    const m: ClassicMember = {
      memberId,
      instanceId: req.instanceId ?? null,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: keep(req.protocols),
      topics: req.topics ?? [],
      assignment: EMPTY,
      partitions: [],
      lastSeen: now,
      bytes: protocolBytes(req.protocols),
      join: null,
      sync: null,
    }
    this.members.set(memberId, m)
    this.bytes += m.bytes
    return m
  }

  // A static member rejoining under a new member id: the old id is fenced; in Stable, a follower with the
  // same protocols takes its place without a rebalance (and gets its assignment back on SyncGroup).
  private replaceStatic(previous: ClassicMember, memberId: string, req: ClassicJoin, now: number): Promise<ClassicJoinResult> | ClassicJoinResult {
    const fenced = new SamsaError('FENCED_INSTANCE_ID', `a new member with instance id ${req.instanceId} joined group ${this.id}`)
    previous.join?.reject(fenced)
    previous.sync?.reject(fenced)
    this.members.delete(previous.memberId)
    const m: ClassicMember = {...previous, memberId, clientId: req.clientId, clientHost: req.clientHost, lastSeen: now, join: null, sync: null}
    m.sessionTimeoutMs = req.sessionTimeoutMs
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs
    this.members.set(memberId, m)
    const wasLeader = this.leader === previous.memberId
    if (wasLeader) this.leader = memberId
    if (this.state === 'Stable' && !wasLeader && sameProtocols(previous.protocols, req.protocols)) return this.joinResult(m)
    this.resize(m, keep(req.protocols), m.assignment)
    const waiting = new Promise<ClassicJoinResult>((resolve, reject) => (m.join = {resolve, reject}))
    if (this.state !== 'PreparingRebalance') this.prepareRebalance()
    else this.tryCompleteJoin()
    return waiting
  }

  private prepareRebalance(): void {
    this.state = 'PreparingRebalance'
    for (const m of this.members.values()) {
      m.sync?.reject(rebalancing(this.id))
      m.sync = null
    }
    this.clearBarrier()
    let timeout = 0
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs)
    this.barrier = this.clock.after(timeout, () => this.joinDeadline())
    this.tryCompleteJoin()
  }

  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance') return
    for (const m of this.members.values()) if (!m.join) return
    this.completeJoin()
  }

  // The join barrier's deadline: members that did not rejoin are removed.
  private joinDeadline(): void {
    this.barrier = null
    for (const m of [...this.members.values()]) if (!m.join) this.remove(m, unknownMember(this.id, m.memberId))
    this.completeJoin()
  }

  private completeJoin(): void {
    this.clearBarrier()
    if (this.members.size === 0) return this.becomeEmpty()
    this.generation++
    this.protocol = this.vote()
    if (!this.members.has(this.leader)) this.leader = this.members.keys().next().value!
    this.state = 'CompletingRebalance'
    for (const m of this.members.values()) {
      const join = m.join
      m.join = null
      join?.resolve(this.joinResult(m))
    }
    // the sync barrier: a leader that does not sync in time loses the members that did not sync
    let timeout = 0
    for (const m of this.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs)
    const generation = this.generation
    this.barrier = this.clock.after(timeout, () => {
      this.barrier = null
      if (this.state !== 'CompletingRebalance' || this.generation !== generation) return
      for (const m of [...this.members.values()]) if (!m.sync) this.remove(m, unknownMember(this.id, m.memberId))
      this.membershipChanged()
    })
  }

  private joinResult(m: ClassicMember): ClassicJoinResult {
    const leader = m.memberId === this.leader
    const members = leader
      ? [...this.members.values()].map((x) => ({memberId: x.memberId, instanceId: x.instanceId, metadata: x.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY}))
      : []
    return {generationId: this.generation, protocolName: this.protocol, leader: this.leader, memberId: m.memberId, members}
  }

  private remove(m: ClassicMember, why: SamsaError): void {
    if (this.members.get(m.memberId) !== m) return
    this.members.delete(m.memberId)
    this.bytes -= m.bytes
    m.join?.reject(why)
    m.sync?.reject(why)
    m.join = m.sync = null
  }

  // A member left or expired: rebalance, or (in PreparingRebalance) see whether the join can complete.
  private membershipChanged(): void {
    if (this.members.size === 0) return this.becomeEmpty()
    if (this.state === 'PreparingRebalance') this.tryCompleteJoin()
    else this.prepareRebalance()
  }

  private becomeEmpty(): void {
    this.clearBarrier()
    this.state = 'Empty'
    this.leader = ''
    this.protocol = ''
    if (this.idle) this.onEmpty()
  }

  // The leader's assignments (empty bytes for a member it left out), unless one is too big or they do not
  // fit `room`: then, as Kafka does when it cannot store a group's assignment, every member waiting hears
  // the refusal and the group rebalances.
  private storeAssignments(assignments: readonly ClassicAssignment[], room: number): void {
    const given = new Map(assignments.map((a) => [a.memberId, a]))
    let growth = 0
    for (const x of this.members.values()) growth += (given.get(x.memberId)?.assignment.length ?? 0) - x.assignment.length
    const refusal = [...given.values()].some((a) => a.assignment.length > MAX_ASSIGNMENT_BYTES)
      ? new SamsaError('INVALID_REQUEST', `group ${this.id}: an assignment is above ${MAX_ASSIGNMENT_BYTES} bytes`)
      : growth > room
        ? new SamsaError('GROUP_MAX_SIZE_REACHED', `group ${this.id}: the assignments do not fit the daemon's memory for Kafka groups`)
        : null
    if (refusal) {
      for (const x of this.members.values()) {
        x.sync?.reject(refusal)
        x.sync = null
      }
      this.prepareRebalance()
      throw refusal
    }
    for (const x of this.members.values()) {
      const a = given.get(x.memberId)
      this.resize(x, x.protocols, a ? new Uint8Array(a.assignment) : EMPTY)
      x.partitions = a?.partitions ?? []
    }
  }

  private resize(m: ClassicMember, protocols: ClassicProtocol[], assignment: Uint8Array): void {
    m.protocols = protocols
    m.assignment = assignment
    this.bytes -= m.bytes
    m.bytes = protocolBytes(protocols) + assignment.length
    this.bytes += m.bytes
  }

  private clearBarrier(): void {
    this.barrier?.cancel()
    this.barrier = null
  }

  private checkMember(memberId: string, generationId: number): ClassicMember {
    const m = this.members.get(memberId)
    if (!m) throw unknownMember(this.id, memberId)
    if (generationId !== this.generation) throw new SamsaError('ILLEGAL_GENERATION', `group ${this.id} is at generation ${this.generation}, not ${generationId}`)
    return m
  }

  // Each member votes for its most preferred protocol among those every member supports.
  private vote(): string {
    const common = this.candidates()
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => common.includes(p.name))!.name
      votes.set(choice, (votes.get(choice) ?? 0) + 1)
    }
    return [...votes].sort((a, b) => b[1] - a[1])[0]![0]
  }

  private candidates(): string[] {
    let common: string[] | null = null
    for (const m of this.members.values()) {
      const names = m.protocols.map((p) => p.name)
      common = common === null ? names : common.filter((n) => names.includes(n))
    }
    return common ?? []
  }

  private sharesProtocol(protocols: readonly ClassicProtocol[]): boolean {
    const common = this.candidates()
    return protocols.some((p) => common.includes(p.name))
  }
}

function keep(protocols: readonly ClassicProtocol[]): ClassicProtocol[] {
  return protocols.map((p) => ({name: p.name, metadata: new Uint8Array(p.metadata)}))
}

function sameProtocols(a: readonly ClassicProtocol[], b: readonly ClassicProtocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && Buffer.from(p.metadata).equals(Buffer.from(b[i]!.metadata)))
}

function unknownMember(group: string, memberId: string): SamsaError {
  return new SamsaError('UNKNOWN_MEMBER_ID', `group ${group} has no member ${JSON.stringify(memberId)}`)
}

function rebalancing(group: string): SamsaError {
  return new SamsaError('REBALANCE_IN_PROGRESS', `group ${group} is rebalancing: rejoin`)
}

function inconsistent(group: string, why: string): SamsaError {
  return new SamsaError('INCONSISTENT_GROUP_PROTOCOL', `group ${group}: ${why}`)
}
