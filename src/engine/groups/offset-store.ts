// Committed consumer-group offsets (OffsetCommit / OffsetFetch), kept as DESIGN.md says: records in the
// internal compacted topic __consumer_offsets, read back into memory at startup. Main thread.
//
// Record layout (one record per group/topic/partition commit, LZ4 batches, one batch per OffsetCommit,
// all in partition 0, every batch marked producerId = DAEMON_PRODUCER_ID — internal-topics.ts):
//   key   = JSON ["<group>", "<topic>", <partition>]
//   value = JSON {"offset": N, "metadata": "…", "commitTimestamp": ms}   — null (a tombstone) forgets it
// The latest record per key wins, which is exactly what compaction keeps. Commits are appended with
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
import {lastOffsetOf} from '../../format/batch-header.js'
import {encodeRecordBatch, decodeRecordBatch, type Record as BatchRecord} from '../../format/record-batch.js'
import type {OffsetCommitResponse, OffsetFetchResponse} from '../../protocol/control/messages.js'
import type {WireError} from '../../wire-error.js'
import {DAEMON_PRODUCER_ID, OFFSETS_TOPIC} from '../broker/internal-topics.js'
import type {PartitionRef, PartitionTable} from '../broker/partition-table.js'
import {anyValue, asBody, list, str, type Body} from '../control/request-body.js'
import type {TopicAdmin} from '../broker/topic-admin.js'
import type {FetchResult, ProduceResult} from '../worker/messages.js'
import type {WorkerPool} from '../broker/worker-pool.js'

export const MAX_GROUP_ID_LENGTH = 1024
export const MAX_METADATA_LENGTH = 4096 // Kafka's offset.metadata.max.bytes
const MAX_COMMIT_PARTITIONS = 10_000

interface Committed {
  offset: number
  metadata: string
}

function wire(code: 'UNKNOWN_TOPIC' | 'UNKNOWN_PARTITION' | 'INVALID_REQUEST', message: string): WireError {
  return new SamsaError(code, message).toJSON()
}

function tpKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Committed & {topic: string; partition: number}>>()

  constructor(
    private readonly table: PartitionTable,
    private readonly pool: WorkerPool,
    private readonly admin: TopicAdmin,
    private readonly log: (line: string) => void,
  ) {}

  // Startup: replays what the daemon wrote into __consumer_offsets-0 (see the header), oldest first.
  async load(): Promise<void> {
    const entry = this.table.topics.get(OFFSETS_TOPIC)
    if (!entry) return
    const ref = entry.partitions[0]!
    const counts = {daemon: 0, earlier: 0, ignored: 0}
    let marked = false // a batch the daemon marked has been seen: unmarked ones no longer count
    let offset = ref.logStartOffset
    while (offset < ref.highWatermark) {
      const r = await this.pool.request<FetchResult>(ref.worker, {
        type: 'fetch',
        partitions: [{partition: ref.id, offset, maxBytes: 8 << 20}],
        maxBytes: 8 << 20,
      })
      const part = r.partitions[0]!
      if (part.error) throw new SamsaError('STORAGE_ERROR', `cannot read ${OFFSETS_TOPIC}: ${part.error.message}`)
      if (!r.data || part.bytes === 0) break
      const data = Buffer.from(r.data)
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
    const extra = entry.partitions.length > 1 ? `; its other ${entry.partitions.length - 1} partition(s) hold no commit of the daemon's and are not read` : ''
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

  async commit(raw: unknown): Promise<OffsetCommitResponse> {
    const body = asBody(raw, 'OffsetCommit')
    const group = groupId(body)
    const items = list(body, 'offsets', MAX_COMMIT_PARTITIONS)
    const out: OffsetCommitResponse['partitions'] = []
    const records: BatchRecord[] = []
    const accepted: {topic: string; partition: number; committed: Committed}[] = []
    const now = Date.now()
    for (const item of items) {
      const topic = anyValue(item, 'topic')
      const partition = anyValue(item, 'partition')
      const offset = anyValue(item, 'offset')
      const metadata = anyValue(item, 'metadata') ?? ''
      if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isSafeInteger(partition)) {
        throw new SamsaError('INVALID_REQUEST', 'each offset needs a string "topic" and an integer "partition"')
      }
      const entry = {topic, partition}
      let error: WireError | null = null
      const topicEntry = this.table.topics.get(topic)
      if (!topicEntry) error = wire('UNKNOWN_TOPIC', `topic ${JSON.stringify(topic)} does not exist`)
      else if (partition < 0 || partition >= topicEntry.partitions.length) error = wire('UNKNOWN_PARTITION', `topic ${topic} has no partition ${partition}`)
      else if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) error = wire('INVALID_REQUEST', `offset must be an integer ≥ 0, got ${JSON.stringify(offset)}`)
      else if (typeof metadata !== 'string' || metadata.length > MAX_METADATA_LENGTH) {
        error = wire('INVALID_REQUEST', `metadata must be a string of at most ${MAX_METADATA_LENGTH} characters`)
      }
      if (error) {
        out.push({...entry, error})
        continue
      }
      const committed = {offset: offset as number, metadata: metadata as string}
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
    return {partitions: out}
  }

  fetch(raw: unknown): OffsetFetchResponse {
    const body = asBody(raw, 'OffsetFetch')
    const group = groupId(body)
    const offsets = this.groups.get(group)
    if (anyValue(body, 'partitions') === undefined || anyValue(body, 'partitions') === null) {
      return {offsets: [...(offsets?.values() ?? [])].map((c) => ({topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata}))}
    }
    const items = list(body, 'partitions', MAX_COMMIT_PARTITIONS)
    return {
      offsets: items.map((item) => {
        const topic = String(anyValue(item, 'topic'))
        const p = anyValue(item, 'partition')
        const partition = typeof p === 'number' ? p : -1
        const c = offsets?.get(tpKey(topic, partition))
        return {topic, partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? ''}
      }),
    }
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

  private async append(records: BatchRecord[]): Promise<void> {
    // (ensureInternal queues behind topic changes; forgetTopic runs inside one, when the topic exists)
    const entry = this.table.topics.get(OFFSETS_TOPIC) ?? (await this.admin.ensureInternal(OFFSETS_TOPIC))
    const ref: PartitionRef = entry.partitions[0]!
    if (ref.offline !== null) throw new SamsaError('PARTITION_OFFLINE', `${OFFSETS_TOPIC} is offline: ${ref.offline}`)
    const batch = encodeRecordBatch(records, {producerId: DAEMON_PRODUCER_ID})
    const bytes = new ArrayBuffer(batch.length) // a buffer of its own, to transfer
    new Uint8Array(bytes).set(batch)
    await this.pool.request<ProduceResult>(ref.worker, {type: 'produce', partition: ref.id, acks: -1, bytes}, [bytes])
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

function groupId(body: Body): string {
  const group = str(body, 'group')
  if (group.length === 0 || group.length > MAX_GROUP_ID_LENGTH) {
    throw new SamsaError('INVALID_REQUEST', `group id must be 1 to ${MAX_GROUP_ID_LENGTH} characters`)
  }
  return group
}

function record(key: unknown, value: unknown, timestamp: number): BatchRecord {
  return {
    key: Buffer.from(JSON.stringify(key)),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    timestamp,
    headers: [],
  }
}
