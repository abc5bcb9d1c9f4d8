// Committed consumer-group offsets (commitOffsets / fetchOffsets), kept as DESIGN.md says: records in the
// internal compacted topic __consumer_offsets, read back into memory at startup. Main thread. Typed and
// protocol-free: a front end decodes its OffsetCommit / OffsetFetch and calls these; the store reaches
// its topic only through the Broker's typed methods (appendInternal, listOffsets, fetch).
//
// Record layout (one record per group/topic/partition commit, LZ4 batches, one batch per OffsetCommit,
// all in partition 0, every batch marked producerId = DAEMON_PRODUCER_ID — internal-topics.ts):
//   key   = JSON ["<group>", "<topic>", <partition>]
//   value = JSON {"offset": N, "metadata": "…", "commitTimestamp": ms}   — null (a tombstone) forgets it
// The latest record per key wins, which is exactly what compaction keeps. Deleting a group or a topic
// writes a tombstone per key. Commits are appended with
// acks=all (README Guarantees, rule 1: committed offsets are always written durably) before the in-memory view
// changes, so an answered commit survives kill -9 and power loss. Group ids are user text: they live in
// Maps and inside record keys, never in paths. The topic is created on the first commit.
//
// Replay reads partition 0 only (the daemon never wrote another) and applies only what the daemon wrote:
//   - marked batches;
//   - unmarked batches BEFORE the first marked one: the commits of an earlier version, which did not mark
//     its batches (and let clients produce here, so a forgery from that time cannot be told apart);
//   - unmarked batches after a marked one are ignored (and counted in the log): nothing but an older
//     daemon or a client could have written them.
// So the boundary stays put, the first start that finds such earlier commits appends a marked "seal"
// record at once (key ["samsa","seal"], never superseded, so compaction keeps it): from there on, every
// commit is marked. Keys of another shape are ignored.
import {SamsaError} from '../../errors.js'
import {topicLabel} from '../../topic-name.js'
import {lastOffsetOf} from '../../format/batch-header.js'
import {encodeRecordBatch, decodeRecordBatch, type Record as BatchRecord} from '../../format/record-batch.js'
import type {Broker} from '../broker/broker.js'
import type {FetchContext} from '../broker/fetcher.js'
import {DAEMON_PRODUCER_ID, OFFSETS_TOPIC} from '../broker/internal-topics.js'

export const MAX_GROUP_ID_LENGTH = 1024
export const MAX_METADATA_LENGTH = 4096 // Kafka's offset.metadata.max.bytes
export const MAX_COMMIT_PARTITIONS = 10_000
const REPLAY_BYTES = 8 << 20 // per read of __consumer_offsets at startup

interface Committed {
  offset: number
  metadata: string
}

// A group's committed offset for a partition is the NEXT offset to consume (Kafka's convention).
export interface OffsetCommit {
  topic: string
  partition: number
  offset: number // an integer ≥ 0, checked per partition
  metadata: string // at most MAX_METADATA_LENGTH characters, checked per partition
}
export interface CommitResult {
  topic: string
  partition: number
  error?: SamsaError // UNKNOWN_TOPIC, UNKNOWN_PARTITION, INVALID_REQUEST: this partition was not committed
}
export interface CommittedOffset {
  topic: string
  partition: number
  offset: number // -1 when the group has no commit for the partition
  metadata: string
}

// Replay at startup has no asker that could go away.
const STARTUP: FetchContext = {closed: false, onClose: () => () => {}}

function tpKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Committed & {topic: string; partition: number}>>()

  constructor(
    private readonly broker: Broker,
    private readonly log: (line: string) => void,
  ) {}

  // Startup: replays what the daemon wrote into __consumer_offsets-0 (see the header), oldest first.
  async load(): Promise<void> {
    const partitions = this.broker.partitionCount(OFFSETS_TOPIC)
    if (partitions === undefined) return
    const [earliest, latest] = await this.broker.listOffsets([
      {topic: OFFSETS_TOPIC, partition: 0, timestamp: -2},
      {topic: OFFSETS_TOPIC, partition: 0, timestamp: -1},
    ])
    const counts = {daemon: 0, earlier: 0, ignored: 0}
    let marked = false // a batch the daemon marked has been seen: unmarked ones no longer count
    // a partition whose log did not open has nothing to replay (it is offline, and logged as such)
    let offset = earliest!.error || latest!.error ? 0 : earliest!.offset
    const end = earliest!.error || latest!.error ? 0 : latest!.offset
    while (offset < end) {
      const [part] = await this.broker.fetch(
        {partitions: [{topic: OFFSETS_TOPIC, partition: 0, offset, maxBytes: REPLAY_BYTES}], maxWaitMs: 0, minBytes: 0, maxBytes: REPLAY_BYTES},
        STARTUP,
      )
      if (part!.error) throw new SamsaError('STORAGE_ERROR', `cannot read ${OFFSETS_TOPIC}: ${part!.error.message}`)
      const data = part!.records
      if (!data || data.length === 0) break
      for (let pos = 0; pos < data.length; ) {
        const size = data.readInt32BE(pos + 8) + 12
        const {header, records} = decodeRecordBatch(data.subarray(pos, pos + size))
        const ours = header.producerId === DAEMON_PRODUCER_ID
        marked ||= ours
        for (const rec of records) {
          if (rec.offset < offset) continue // the fetch starts at the batch holding `offset`
          if (ours) counts.daemon++
          else if (!marked) counts.earlier++
          else {
            counts.ignored++
            continue
          }
          this.apply(rec.key, rec.value)
        }
        offset = Math.max(offset, lastOffsetOf(header) + 1)
        pos += size
      }
    }
    const extra = partitions > 1 ? `; its other ${partitions - 1} partition(s) hold no commit of the daemon's and are not read` : ''
    this.log(
      `committed offsets: ${this.groups.size} group(s) from ${counts.daemon + counts.earlier} record(s) of ${OFFSETS_TOPIC}` +
        (counts.earlier > 0 ? ` (${counts.earlier} written by an earlier samsa version)` : '') +
        (counts.ignored > 0 ? `; ignored ${counts.ignored} record(s) the daemon did not write` : '') +
        extra,
    )
    if (counts.earlier > 0 && !marked) await this.seal()
  }

  // Marks where an earlier version's unmarked commits end (see the header).
  private async seal(): Promise<void> {
    const now = Date.now()
    try {
      await this.append([record(['samsa', 'seal'], {note: 'unmarked records before this one were written by an earlier samsa version'}, now)])
    } catch (err) {
      this.log(`could not mark the end of the earlier version's commits in ${OFFSETS_TOPIC}: ${(err as Error).message} (the next commit marks it)`)
    }
  }

  // Commits each offset that names a known partition and is in range; the others carry their error. One
  // batch, appended durably before anything is remembered: when the append fails, the whole call fails.
  async commitOffsets(group: string, commits: readonly OffsetCommit[]): Promise<CommitResult[]> {
    checkGroupId(group)
    const out: CommitResult[] = []
    const records: BatchRecord[] = []
    const accepted: {topic: string; partition: number; committed: Committed}[] = []
    const now = Date.now()
    for (const {topic, partition, offset, metadata} of commits) {
      const entry = {topic, partition}
      let error: SamsaError | null = null
      const count = this.broker.partitionCount(topic)
      if (count === undefined) error = new SamsaError('UNKNOWN_TOPIC', `topic ${topicLabel(topic)} does not exist`)
      else if (partition < 0 || partition >= count) error = new SamsaError('UNKNOWN_PARTITION', `topic ${topic} has no partition ${partition}`)
      else if (!Number.isSafeInteger(offset) || offset < 0) error = new SamsaError('INVALID_REQUEST', `offset must be an integer ≥ 0, got ${JSON.stringify(offset)}`)
      else if (metadata.length > MAX_METADATA_LENGTH) {
        error = new SamsaError('INVALID_REQUEST', `metadata must be a string of at most ${MAX_METADATA_LENGTH} characters`)
      }
      if (error) {
        out.push({...entry, error})
        continue
      }
      const committed = {offset, metadata}
      records.push(record([group, topic, partition], {...committed, commitTimestamp: now}, now))
      accepted.push({topic, partition, committed})
      out.push(entry)
    }
    if (records.length > 0) {
      await this.append(records) // throws: the whole request fails, nothing is remembered
      let offsets = this.groups.get(group)
      if (!offsets) this.groups.set(group, (offsets = new Map()))
      for (const a of accepted) offsets.set(tpKey(a.topic, a.partition), {...a.committed, topic: a.topic, partition: a.partition})
    }
    return out
  }

  // The group's committed offsets: for the partitions asked, in order (offset -1 where none), or all of them.
  fetchOffsets(group: string, partitions?: readonly {topic: string; partition: number}[]): CommittedOffset[] {
    checkGroupId(group)
    const offsets = this.groups.get(group)
    if (partitions === undefined) {
      return [...(offsets?.values() ?? [])].map((c) => ({topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata}))
    }
    return partitions.map(({topic, partition}) => {
      const c = offsets?.get(tpKey(topic, partition))
      return {topic, partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? ''}
    })
  }

  // Every group with at least one committed offset (what a Kafka ListGroups shows of groups without members).
  groupIds(): string[] {
    return [...this.groups.keys()]
  }

  hasOffsets(group: string): boolean {
    return (this.groups.get(group)?.size ?? 0) > 0
  }

  // A deleted group's committed offsets: a tombstone per key, appended durably before they are forgotten
  // (compaction then drops the keys). When the append fails, nothing is forgotten and the call fails.
  async forgetGroup(group: string): Promise<void> {
    const offsets = this.groups.get(group)
    if (!offsets || offsets.size === 0) return
    const now = Date.now()
    await this.append([...offsets.values()].map((c) => record([group, c.topic, c.partition], null, now)))
    this.groups.delete(group)
  }

  // A deleted topic's committed offsets go too (a topic created later under the same name starts fresh).
  async forgetTopic(topic: string): Promise<void> {
    const records: BatchRecord[] = []
    const now = Date.now()
    for (const [group, offsets] of this.groups) {
      for (const c of offsets.values()) if (c.topic === topic) records.push(record([group, topic, c.partition], null, now))
    }
    if (records.length === 0) return
    try {
      await this.append(records)
      for (const offsets of this.groups.values()) for (const [k, c] of offsets) if (c.topic === topic) offsets.delete(k)
    } catch (err) {
      this.log(`could not forget the committed offsets of deleted topic ${topic}: ${(err as Error).message}`)
    }
  }

  // acks=all; the topic is created on the first commit (forgetTopic runs inside a topic delete, and only
  // when there were commits, so the topic exists then)
  private async append(records: BatchRecord[]): Promise<void> {
    await this.broker.appendInternal(OFFSETS_TOPIC, 0, encodeRecordBatch(records, {producerId: DAEMON_PRODUCER_ID}))
  }

  private apply(key: Buffer | null, value: Buffer | null): void {
    if (!key) return
    let k: unknown
    let v: unknown = null
    try {
      k = JSON.parse(key.toString('utf8'))
      if (value) v = JSON.parse(value.toString('utf8'))
    } catch {
      return // not one of ours: ignore rather than fail the start
    }
    if (!Array.isArray(k) || k.length !== 3 || typeof k[0] !== 'string' || typeof k[1] !== 'string' || typeof k[2] !== 'number') return
    const [group, topic, partition] = k as [string, string, number]
    let offsets = this.groups.get(group)
    if (v === null) {
      offsets?.delete(tpKey(topic, partition))
      if (offsets?.size === 0) this.groups.delete(group)
      return
    }
    const c = v as {offset?: unknown; metadata?: unknown}
    if (typeof c.offset !== 'number') return
    if (!offsets) this.groups.set(group, (offsets = new Map()))
    offsets.set(tpKey(topic, partition), {topic, partition, offset: c.offset, metadata: typeof c.metadata === 'string' ? c.metadata : ''})
  }
}

export function checkGroupId(group: string): void {
  if (group.length === 0 || group.length > MAX_GROUP_ID_LENGTH) {
    throw new SamsaError('INVALID_REQUEST', `group id must be 1 to ${MAX_GROUP_ID_LENGTH} characters`)
  }
}

function record(key: unknown, value: unknown, timestamp: number): BatchRecord {
  return {
    key: Buffer.from(JSON.stringify(key)),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    timestamp,
    headers: [],
  }
}
