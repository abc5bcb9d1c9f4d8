// GroupConsumer: a member of a consumer group. It joins (the daemon's coordinator assigns partitions,
// server-side), heartbeats on its own (a long poll: the coordinator answers as soon as this member's
// assignment changes), and reads its share through a Consumer over exactly the partitions it owns.
//
// Assignment changes are applied between polls, by rebalance(), which the caller runs when `changed`
// resolves (racing it against its poll — a poll it abandons visits nothing, see Consumer.stop()):
//   1. the Consumer stops;
//   2. give back (revoke): wait until everything delivered was flushed, commit those partitions' flushed
//      positions, then tell the coordinator they are gone — only then does their next owner get them,
//      and it starts exactly where this member's output stopped (no loss, no duplicate);
//   3. take (assign): new partitions start at the group's committed offset (or `from` where none);
//      partitions kept go on from where they were;
//   4. a new Consumer over the partitions now owned.
// At-least-once in pipe terms: an offset is committed only once the records before it were delivered
// (delivered(), as they are formatted) AND their output flushed (the callback writing() returns, given to
// stdout.write). Commits go out every commitIntervalMs (commitIfDue(): after each batch is written, and
// on a timer while nothing is), on every give-back, and on close(), which then leaves the group (a static
// member, with an instance id, leaves with epoch -2: its partitions wait for it for the session timeout).
// A member that crashes is removed after its session timeout; its partitions' next owners repeat what it
// printed after its last commit. A member the coordinator fenced (its session expired while it lived)
// loses its partitions without committing and joins afresh; one whose instance id another process took
// stops (failure).
// Committed offsets never go back (README Guarantees): a member commits a partition only above the
// group's committed offset as it last knew it (fetched when the partition was given to it, raised by its
// own commits). One exception, said out loud: where the log now ends below the committed offset (it lost
// its tail — a power loss with acks=1 — or was restored from a backup), the offsets past its end will be
// given to new records, so the member resets the commit to the log end (onWarning says so) rather than
// skip them, as a Kafka consumer's offset reset does. Otherwise only `samsa group reset` moves it back.
// A daemon restart forgets every member: this one rejoins as a new member with nothing, and whatever it
// still had in flight under its old member id (a commit, a heartbeat) is refused by the coordinator and
// ignored here. The partitions of its first assignment after the rejoin go on from its own output
// (resume), or from the group's commit if another member got further; any other partition, then or
// later, starts at the group's committed offset.
import {SamsaError, isSamsaError} from '../errors.js'
import {Consumer, type ConsumerOptions} from './consumer.js'
import type {AdminApi, GroupApi, MemberAssignment, MemberHeartbeat, RecordApi, TopicPartition} from './types.js'
import {retryDelay} from './retry.js'

export const DEFAULT_COMMIT_INTERVAL_MS = 1000
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000
const RETRY_MS = 200 // between heartbeats that failed for a lost connection
const MIN_COMMIT_TIMER_MS = 100
const FOLLOW_WAIT_MS = 1000

export interface GroupConsumerOptions extends Omit<ConsumerOptions, 'startAt' | 'partitions' | 'topicPartitions'> {
  commitIntervalMs?: number
  autoCommit?: boolean // false: read as a member, commit nothing (--no-commit)
  instanceId?: string // static membership
  assignor?: string // range | roundrobin | sticky (the coordinator's default: sticky)
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  clientId?: string
  clientHost?: string
}

type GroupClient = {admin: AdminApi; records: RecordApi; groups: GroupApi}

export class GroupConsumer {
  consumer: Consumer | null = null // reads exactly the partitions owned, or null when none
  memberId = ''
  memberEpoch = 0
  failure: SamsaError | null = null // fatal: the member stopped (e.g. its instance id was taken)
  private owned = new Map<string, TopicPartition>() // what the current consumer reads, by tp key
  private keys: string[] = [] // tp key per cursor index of the current consumer
  private positions: number[] = [] // per cursor index: the offset after the last record delivered
  private readonly flushed = new Map<string, number>() // tp key → position whose output is flushed
  private readonly committed = new Map<string, number>() // tp key → the group's committed offset, as last known
  private latest: MemberAssignment | null = null
  private lost = false // fenced or unknown to the coordinator: rejoin, keeping nothing
  // The connection was lost since the last answer: an UNKNOWN_MEMBER_ID then means the daemon restarted
  // (membership lives in its memory), not that this member was too slow.
  private disconnected = false
  // After a daemon restart: the flushed positions of the partitions this member read. Those it gets back
  // go on from there (or from the group's commit, if another member got further), so its own output is
  // neither repeated nor skipped.
  private resume = new Map<string, number>()
  private stopped = false
  private lastCommit = Date.now()
  private committing: Promise<void> | null = null
  private commitFailure: unknown = null
  private unflushed = 0
  private flushWaiters: (() => void)[] = []
  private signal = newSignal()
  private sent = 0 // heartbeats sent, and the newest whose answer was applied
  private applied = 0
  private interval = 1000
  private loop: Promise<void> | null = null
  private commitTimer: NodeJS.Timeout | null = null

  private constructor(
    private readonly client: GroupClient,
    readonly group: string,
    private readonly options: GroupConsumerOptions,
  ) {}

  /** Joins `group`, and opens a Consumer over the partitions the coordinator gave at once (often all or none). */
  static async join(client: GroupClient, group: string, options: GroupConsumerOptions): Promise<GroupConsumer> {
    if (options.topics.length === 0) throw new SamsaError('USAGE', 'no topic given')
    await client.admin.describeTopics(options.topics).then((found) => {
      for (const t of options.topics) if (!found.some((d) => d.name === t)) throw new SamsaError('UNKNOWN_TOPIC', `topic ${t} does not exist`)
    })
    const g = new GroupConsumer(client, group, options)
    await g.rejoin()
    g.loop = g.heartbeatLoop()
    await g.rebalance()
    // commits also while nothing is written (a member caught up and long-polling still commits its last batch)
    const every = Math.max(MIN_COMMIT_TIMER_MS, options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS)
    g.commitTimer = setInterval(() => g.commitIfDue().catch((err: unknown) => g.heartbeatFailed(err)), every)
    g.commitTimer.unref()
    return g
  }

  /** Resolves when the assignment changed (or the member was fenced): the caller then runs rebalance(). */
  get changed(): Promise<void> {
    return this.needsRebalance ? Promise.resolve() : this.signal.promise
  }

  get needsRebalance(): boolean {
    if (this.lost || this.failure) return true
    const a = this.latest?.assignment ?? []
    return a.length !== this.owned.size || a.some((tp) => !this.owned.has(key(tp.topic, tp.partition)))
  }

  /** Every owned partition read to its end (--until, or without follow), and nothing more coming this member's way. */
  get done(): boolean {
    if (this.needsRebalance || (this.latest?.pending ?? 0) > 0) return false
    return this.consumer === null ? !this.options.follow : this.consumer.done
  }

  /**
   * The client rode out a lost connection (ConnectOptions.onReconnected): the daemon may have restarted and
   * forgotten its members, so an UNKNOWN_MEMBER_ID next means "rejoin and go on", not "you were too slow".
   */
  reconnected(): void {
    this.disconnected = true
  }

  /** The record at `offset` of the current consumer's cursor `index` was delivered. */
  delivered(index: number, offset: number): void {
    this.positions[index] = offset + 1
  }

  /** Output of everything delivered so far is being written: call the result once it is flushed. */
  writing(): (err?: Error | null) => void {
    const snapshot = this.positions.slice()
    const keys = this.keys
    this.unflushed++
    return (err) => {
      if (!err) for (let i = 0; i < keys.length; i++) this.flushed.set(keys[i]!, snapshot[i]!)
      if (--this.unflushed === 0) for (const w of this.flushWaiters.splice(0)) w()
    }
  }

  /**
   * Starts a commit of what was flushed when commitIntervalMs has passed since the last one. It runs in
   * the background, one at a time (reading does not wait for the durable write; the next due commit
   * covers what was flushed meanwhile); its failure is thrown by the next call. A commit lost with the
   * connection (a daemon restarting) is not an error here: what was flushed stays, and the next commit
   * after the reconnect covers it — reading goes on from the consumer's own positions meanwhile.
   */
  async commitIfDue(): Promise<void> {
    if (this.commitFailure) throw this.commitFailure
    if (this.committing || Date.now() - this.lastCommit < (this.options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS)) return
    this.committing = this.commit()
      .catch((err: unknown) => {
        if (!isSamsaError(err) || !err.retriable) this.commitFailure = err
        else if (err.code === 'DAEMON_UNAVAILABLE') this.disconnected = true
      })
      .finally(() => (this.committing = null))
  }

  // A background commit (commitIfDue) finishes before any other commit starts: commits of one
  // partition reach the coordinator in order, so a committed offset never goes back.
  private async commitsSettled(): Promise<void> {
    await this.committing
    if (this.commitFailure) throw this.commitFailure
  }

  /** Commits the flushed position of every owned partition that moved past the group's committed offset. */
  async commit(only?: readonly string[]): Promise<void> {
    this.lastCommit = Date.now()
    if (this.options.autoCommit === false || this.lost || this.memberId === '') return
    const offsets = []
    for (const k of only ?? [...this.owned.keys()]) {
      const at = this.flushed.get(k)
      // above the committed offset only: a member never moves it back (see the header)
      if (at !== undefined && at > (this.committed.get(k) ?? -1)) offsets.push({...this.owned.get(k)!, offset: at})
    }
    if (offsets.length === 0) return
    let results
    const memberId = this.memberId
    try {
      results = await this.client.groups.commitOffsets(this.group, offsets, {memberId, memberEpoch: this.memberEpoch})
    } catch (err) {
      if (memberId !== this.memberId) return // it rejoined meanwhile: the new member commits
      if (this.fencedBy(err)) return
      if (isSamsaError(err) && err.code === 'STALE_MEMBER_EPOCH') return // an epoch moved meanwhile: the next commit
      throw err
    }
    if (memberId !== this.memberId) return // answered after a rejoin: the new member knows the group's offsets afresh
    for (const r of results) {
      const k = key(r.topic, r.partition)
      if (!r.error) {
        if (this.owned.has(k)) this.committed.set(k, offsets.find((o) => key(o.topic, o.partition) === k)!.offset)
      } else if (r.error.code !== 'STALE_MEMBER_EPOCH') {
        throw new SamsaError(r.error.code, `committing ${r.topic}-${r.partition} for group ${this.group}: ${r.error.message}`)
      }
      // STALE_MEMBER_EPOCH for a partition: it is no longer this member's; the rebalance will say so
    }
  }

  /**
   * Applies the latest assignment: give back, commit, acknowledge, take — see the header. Call it once
   * everything delivered so far was handed to writing() (it waits for those flushes).
   */
  async rebalance(): Promise<void> {
    let since = 0
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.rebalanceOnce()
      } catch (err) {
        // the daemon went away while this member rejoined or took its partitions (their offsets, the
        // topics' metadata): the restarted daemon forgot the member, so it rejoins as after any restart,
        // within the reconnect timeout, and goes on from its own output
        if (attempt === 1) since = Date.now()
        const wait = isSamsaError(err) && err.code === 'DAEMON_UNAVAILABLE' ? retryDelay(err, since, attempt, this.options.reconnectTimeoutMs ?? 0) : null
        if (wait === null) throw err
        this.disconnected = true
        this.lost = true
        await sleep(wait)
      }
    }
  }

  private async rebalanceOnce(): Promise<void> {
    if (this.failure) throw this.failure
    if (!this.needsRebalance) return
    this.consumer?.stop()
    await this.allFlushed()
    let added: TopicPartition[] = []
    while (this.needsRebalance) {
      if (this.failure) throw this.failure
      if (this.lost) {
        const printed = new Map(this.flushed)
        this.dropAll()
        if (this.disconnected) this.resume = printed
        else {
          this.options.onWarning?.(
            `group ${this.group}: this member was removed (no heartbeat within its session timeout); rejoining — ` +
              'records printed since its last commit may be printed again by the member that takes them over',
          )
        }
        await this.rejoin()
        continue
      }
      const target = new Set((this.latest?.assignment ?? []).map((tp) => key(tp.topic, tp.partition)))
      const revoked = [...this.owned.keys()].filter((k) => !target.has(k))
      if (revoked.length > 0) {
        await this.commitsSettled()
        await this.commit(revoked).catch((err: unknown) => {
          // the daemon went away mid-commit: it forgot this member too (the next heartbeat says so), and
          // the partitions' next owners repeat what was printed since the last commit (at-least-once)
          if (!isSamsaError(err) || err.code !== 'DAEMON_UNAVAILABLE') throw err
          this.disconnected = true
        })
        for (const k of revoked) this.forget(k)
        // "gone": the coordinator releases them to their next owner
        await this.beat(0).catch((err: unknown) => this.heartbeatFailed(err))
        continue
      }
      added = (this.latest?.assignment ?? []).filter((tp) => !this.owned.has(key(tp.topic, tp.partition)))
      for (const tp of added) this.owned.set(key(tp.topic, tp.partition), tp)
    }
    await this.open(added)
  }

  /** The last commit, then leave the group; the heartbeats stop. */
  async close(): Promise<void> {
    if (this.stopped) return
    if (this.commitTimer) clearInterval(this.commitTimer)
    this.consumer?.stop()
    await this.allFlushed()
    try {
      await this.committing
      if (!this.failure) await this.commit()
    } finally {
      this.stopped = true
      const epoch = this.options.instanceId !== undefined ? -2 : -1
      if (this.memberId !== '' && !this.lost && !this.failure) {
        await this.client.groups.heartbeat(this.group, {memberId: this.memberId, memberEpoch: epoch}).catch(() => {})
      }
      await this.loop?.catch(() => {})
    }
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  // A Consumer over the owned partitions: kept ones where they were, `added` ones at their committed offset.
  private async open(added: TopicPartition[]): Promise<void> {
    const fresh = new Set(added.map((tp) => key(tp.topic, tp.partition)))
    for (const k of fresh) {
      // nothing this member knew of a partition before it was given again counts (but its resume)
      this.flushed.delete(k)
      this.committed.delete(k)
    }
    if (added.length > 0) {
      const offsets = await this.client.groups.fetchOffsets(this.group, added)
      for (const o of offsets) if (o.offset >= 0) this.committed.set(key(o.topic, o.partition), o.offset)
    }
    const resume = this.resume
    this.resume = new Map() // the first assignment after a rejoin only
    const parts = [...this.owned.values()]
    if (parts.length === 0) {
      this.consumer = null
      this.keys = []
      this.positions = []
      return
    }
    const topics = this.options.topics.filter((t) => parts.some((tp) => tp.topic === t))
    // kept partitions go on from their flushed position; given ones from the group's commit (or this
    // member's own output before a daemon restart, when that got further)
    const start = (t: string, p: number): number | undefined => {
      const k = key(t, p)
      if (!fresh.has(k)) return this.flushed.get(k)
      const resumed = resume.get(k)
      const committed = this.committed.get(k)
      return resumed === undefined ? committed : Math.max(resumed, committed ?? 0)
    }
    // Following, a fetch long-polls at most 1 s: one abandoned by a rebalance holds the connection's output
    // budget (and so this member's heartbeats) only that long.
    const maxWaitMs = this.options.maxWaitMs ?? (this.options.follow ? FOLLOW_WAIT_MS : undefined)
    const consumer = await Consumer.open(this.client, {...this.options, maxWaitMs, topics, topicPartitions: parts, startAt: start})
    this.consumer = consumer
    this.keys = consumer.assignments.map((c) => key(c.topic, c.partition))
    this.positions = consumer.assignments.map((c) => c.position)
    for (const c of consumer.assignments) {
      const k = key(c.topic, c.partition)
      const committed = this.committed.get(k)
      if (committed === undefined || c.position >= committed) continue
      // the Consumer started at the log end: the one reset a member makes on its own (see the header)
      this.committed.delete(k)
      this.options.onWarning?.(
        `group ${this.group}: ${c.topic}-${c.partition}: the committed offset ${committed} is past the log end ${c.position} ` +
          `(the log lost records: a power loss?); resetting it to ${c.position}, so that the records written there next are not skipped`,
      )
    }
    // where reading starts counts as delivered: a partition with nothing to read commits its start too
    for (let i = 0; i < this.keys.length; i++) if (!this.flushed.has(this.keys[i]!)) this.flushed.set(this.keys[i]!, this.positions[i]!)
  }

  private forget(k: string): void {
    this.owned.delete(k)
    this.resume.delete(k)
    this.flushed.delete(k)
    this.committed.delete(k)
  }

  private dropAll(): void {
    for (const k of [...this.owned.keys()]) this.forget(k)
    this.consumer = null
    this.keys = []
    this.positions = []
  }

  private allFlushed(): Promise<void> {
    if (this.unflushed === 0) return Promise.resolve()
    return new Promise((resolve) => this.flushWaiters.push(resolve))
  }

  private async rejoin(): Promise<void> {
    this.lost = false
    this.memberId = ''
    this.memberEpoch = 0
    const o = this.options
    const join: MemberHeartbeat = {memberId: '', memberEpoch: 0, topics: o.topics, owned: []}
    if (o.instanceId !== undefined) join.instanceId = o.instanceId
    if (o.assignor !== undefined) join.assignor = o.assignor
    if (o.clientId !== undefined) join.clientId = o.clientId
    if (o.clientHost !== undefined) join.clientHost = o.clientHost
    join.sessionTimeoutMs = o.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS
    if (o.rebalanceTimeoutMs !== undefined) join.rebalanceTimeoutMs = o.rebalanceTimeoutMs
    this.apply(++this.sent, await this.client.groups.heartbeat(this.group, join))
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.failure) return
      if (this.lost || this.memberId === '') {
        // rebalance() rejoins; a heartbeat with no member id (and epoch 0) would be a second join
        await sleep(RETRY_MS)
        continue
      }
      try {
        await this.beat(this.interval)
      } catch (err) {
        if (this.stopped) return
        if (!this.heartbeatFailed(err)) await sleep(RETRY_MS)
      }
    }
  }

  private async beat(waitMs: number): Promise<void> {
    const seq = ++this.sent
    const owned = [...this.owned.values()]
    const memberId = this.memberId
    let answer
    try {
      answer = await this.client.groups.heartbeat(this.group, {memberId, memberEpoch: this.memberEpoch, owned, waitMs})
    } catch (err) {
      if (memberId !== this.memberId) return // sent as a member this one no longer is (it rejoined meanwhile)
      throw err
    }
    if (!this.stopped) this.apply(seq, answer)
  }

  // An older heartbeat's answer arriving after a newer one's is stale: ignored.
  private apply(seq: number, a: MemberAssignment): void {
    if (seq < this.applied) return
    this.applied = seq
    this.memberId = a.memberId
    this.memberEpoch = a.memberEpoch
    this.interval = a.heartbeatIntervalMs
    this.latest = a
    this.disconnected = false
    if (this.needsRebalance) this.notify()
  }

  // True when the error was dealt with (fenced, fatal); false for a lost connection (retry).
  private heartbeatFailed(err: unknown): boolean {
    if (this.fencedBy(err)) return true
    if (isSamsaError(err) && err.code === 'DAEMON_UNAVAILABLE') {
      this.disconnected = true
      return false
    }
    this.failure = isSamsaError(err) ? new SamsaError(err.code, `group ${this.group}: ${err.message}`) : new SamsaError('INTERNAL', String(err))
    this.notify()
    return true
  }

  private fencedBy(err: unknown): boolean {
    if (!isSamsaError(err)) return false
    if (err.code === 'FENCED_INSTANCE_ID') {
      this.failure = new SamsaError(err.code, `group ${this.group}: another member took instance id ${this.options.instanceId}; this one stops`)
      this.notify()
      return true
    }
    if (err.code !== 'UNKNOWN_MEMBER_ID' && err.code !== 'FENCED_MEMBER_EPOCH') return false
    this.lost = true
    this.notify()
    return true
  }

  private notify(): void {
    const s = this.signal
    this.signal = newSignal()
    s.resolve()
  }

}

function newSignal(): {promise: Promise<void>; resolve: () => void} {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return {promise, resolve}
}

// topic names are user data: a Map key that cannot collide, not an object property
function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
