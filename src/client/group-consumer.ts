// GroupConsumer: a Consumer that reads as a member of a consumer group. Each partition starts at the
// group's committed offset (the next offset to read, Kafka's convention), or at `from` where the group has
// none; what the caller says it delivered is committed at most every commitIntervalMs while reading (on
// commitIfDue(), which the caller calls after writing its output out) and once more on close(), so a stop —
// Ctrl-C included — repeats nothing that was delivered. At-least-once: a crash between delivering and the
// next commit repeats up to one interval.
//
// Membership is the next step and goes here: join and sync to learn which partitions this member owns,
// heartbeat while reading, give partitions back (commit, then release) on a rebalance, leave on close. Until
// the broker has a group coordinator, every member of a group reads every partition.
import {SamsaError, isSamsaError} from '../errors.js'
import {Consumer, type ConsumerOptions} from './consumer.js'
import type {AdminApi, GroupApi, OffsetToCommit, RecordApi} from './types.js'

export const DEFAULT_COMMIT_INTERVAL_MS = 1000

export interface GroupConsumerOptions extends Omit<ConsumerOptions, 'startAt'> {
  commitIntervalMs?: number
}

export class GroupConsumer {
  readonly consumer: Consumer
  // per cursor index (Consumer.assignments): the offset after the last record delivered — what is committed
  private readonly positions: number[]
  private lastCommit = Date.now()

  private constructor(
    private readonly groups: GroupApi,
    readonly group: string,
    consumer: Consumer,
    private readonly committed: Map<string, number>, // topic \0 partition → the group's committed offset
    private readonly commitIntervalMs: number,
  ) {
    this.consumer = consumer
    this.positions = consumer.assignments.map((c) => c.position)
  }

  static async open(
    client: {admin: AdminApi; records: RecordApi; groups: GroupApi},
    group: string,
    options: GroupConsumerOptions,
  ): Promise<GroupConsumer> {
    const committed = await fetchCommitted(client.groups, group, options.topics)
    const consumer = await Consumer.open(client, {...options, startAt: (t, p) => committed.get(partitionKey(t, p))})
    return new GroupConsumer(client.groups, group, consumer, committed, options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS)
  }

  /** The record at `offset` of cursor `index`'s partition was delivered: the next commit covers it. */
  delivered(index: number, offset: number): void {
    this.positions[index] = offset + 1
  }

  /**
   * Commits what was delivered when commitIntervalMs has passed since the last commit. A commit lost with
   * the connection (a daemon restarting) is not an error here: what was delivered stays, and the next
   * commit after the reconnect covers it — reading goes on from the consumer's own positions meanwhile.
   */
  async commitIfDue(): Promise<void> {
    if (Date.now() - this.lastCommit < this.commitIntervalMs) return
    await this.commit().catch((err: unknown) => {
      if (!isSamsaError(err) || !err.retriable) throw err
    })
  }

  /** Commits every partition whose delivered position moved since its last commit. */
  async commit(): Promise<void> {
    this.lastCommit = Date.now()
    const offsets: OffsetToCommit[] = []
    for (const c of this.consumer.assignments) {
      const offset = this.positions[c.index]
      if (this.committed.get(partitionKey(c.topic, c.partition)) !== offset) offsets.push({topic: c.topic, partition: c.partition, offset})
    }
    if (offsets.length === 0) return
    for (const r of await this.groups.commitOffsets(this.group, offsets)) {
      if (r.error) throw new SamsaError(r.error.code, `committing ${r.topic}-${r.partition} for group ${this.group}: ${r.error.message}`)
    }
    for (const o of offsets) this.committed.set(partitionKey(o.topic, o.partition), o.offset)
  }

  /** The last commit, then the consumer stops. */
  async close(): Promise<void> {
    await this.commit()
    this.consumer.stop()
  }
}

// topic names are user data: a Map key that cannot collide, not an object property
function partitionKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}

async function fetchCommitted(groups: GroupApi, group: string, topics: string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>()
  const want = new Set(topics)
  for (const o of await groups.fetchOffsets(group)) {
    if (want.has(o.topic) && o.offset >= 0) m.set(partitionKey(o.topic, o.partition), o.offset)
  }
  return m
}
