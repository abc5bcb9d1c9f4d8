// The main thread's routing table: topic name → its metadata, resolved config and partitions, each with
// the worker that owns it and the last high watermark that worker announced. Runs on the main thread.
// Lookups answer UNKNOWN_TOPIC / UNKNOWN_PARTITION with a message a user can act on. Names live in Maps,
// never as keys of plain objects (README Guarantees, rule 6).
import {SamsaError} from '../../errors.js'
import {topicLabel} from '../../topic-name.js'
import type {LogConfig} from '../../storage/log-config.js'
import type {TopicMeta} from './topic-catalog.js'

export interface PartitionRef {
  id: number // unique for the daemon's life; the name workers know it by
  topic: string
  partition: number
  worker: number
  dir: string
  highWatermark: number // as last announced (or seen in a fetch); wakes long-polls
  logStartOffset: number
  offline: string | null
  // The last bytes the worker announced for this watched partition (whole batches from offset `from` up to
  // `end`, exclusive): a tailing fetch at `from` is answered from here without asking the worker.
  tail: {from: number; end: number; bytes: Buffer} | null
}

export interface TopicEntry {
  meta: TopicMeta
  config: LogConfig
  partitions: PartitionRef[]
}

export class PartitionTable {
  readonly topics = new Map<string, TopicEntry>()
  private readonly byId = new Map<number, PartitionRef>()
  private nextId = 1

  newId(): number {
    return this.nextId++
  }

  add(entry: TopicEntry): void {
    this.topics.set(entry.meta.name, entry)
    for (const p of entry.partitions) this.byId.set(p.id, p)
  }

  addPartitions(entry: TopicEntry, refs: PartitionRef[]): void {
    for (const p of refs) {
      entry.partitions.push(p)
      this.byId.set(p.id, p)
    }
  }

  remove(name: string): TopicEntry | undefined {
    const entry = this.topics.get(name)
    if (!entry) return undefined
    this.topics.delete(name)
    for (const p of entry.partitions) this.byId.delete(p.id)
    return entry
  }

  byPartitionId(id: number): PartitionRef | undefined {
    return this.byId.get(id)
  }

  topic(name: unknown): TopicEntry {
    const entry = typeof name === 'string' ? this.topics.get(name) : undefined
    if (!entry) throw new SamsaError('UNKNOWN_TOPIC', `topic ${topicLabel(name)} does not exist`)
    return entry
  }

  partition(topic: unknown, partition: unknown): PartitionRef {
    const entry = this.topic(topic)
    const ref = typeof partition === 'number' && Number.isInteger(partition) ? entry.partitions[partition] : undefined
    if (!ref) {
      throw new SamsaError(
        'UNKNOWN_PARTITION',
        `topic ${entry.meta.name} has no partition ${JSON.stringify(partition)} (it has ${entry.partitions.length}: 0..${entry.partitions.length - 1})`,
      )
    }
    return ref
  }

  get partitionCount(): number {
    return this.byId.size
  }

  allPartitions(): IterableIterator<PartitionRef> {
    return this.byId.values()
  }
}
