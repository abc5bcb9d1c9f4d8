// Topic administration on the main thread: create, alter, delete, describe and list, plus opening every
// catalogued partition at startup. Ties the durable catalog (topic-catalog.ts), the routing table
// (partition-table.ts) and the workers (worker-pool.ts) together in the order that keeps a crash harmless
// (partition directories before the catalog entry on create; the entry before the directories on delete);
// opening and deleting partitions on the workers is partition-opener.ts.
// Mutations run one at a time through a promise queue, so two clients creating the same topic cannot race.
// Internal topics (internal-topics.ts) are created by the daemon on first use and keep the daemon's
// configs: clients cannot create, alter or delete them, and a stored override is undone at startup.
// Typed: names are strings, configs Maps of Kafka config names to the raw strings a user gave; every name
// and value is checked here whichever front end sent it.
import {SamsaError} from '../../errors.js'
import {isInternalTopicName, topicCollisionKey, validateTopicName} from '../../topic-name.js'
import {LOG_CONFIG_NAMES, LOG_CONFIG_DEFAULTS, formatLogConfigValue, isLogConfigName, resolveLogConfig, type LogConfig} from '../../storage/log-config.js'
import type {PartitionCleanerInfo, PartitionStats, StatsResult} from '../worker/messages.js'
import type {PartitionTable, PartitionRef, TopicEntry} from './partition-table.js'
import {INTERNAL_TOPICS, refuseInternalWrite} from './internal-topics.js'
import {PartitionOpener, forEachWorker} from './partition-opener.js'
import {TopicCatalog, partitionDir, type TopicMeta} from './topic-catalog.js'
import type {WorkerPool} from './worker-pool.js'

export const MAX_PARTITIONS_PER_TOPIC = 10_000
export const MAX_DESCRIBE_TOPICS = 10_000
export const MAX_CONFIG_DELETES = LOG_CONFIG_NAMES.length * 4 // names an alter may remove at once

export interface ConfigEntry {
  name: string
  value: string
  isDefault: boolean
}
export interface PartitionDescription {
  partition: number
  logStartOffset: number
  logEndOffset: number
  sizeInBytes: number
  segments: number
  worker: number // index of the owning worker thread
  online: boolean
  cleaner?: PartitionCleanerInfo // a compacted topic's: clean/dirty split, dirty ratio, last cleaning
}
export interface TopicDescription {
  name: string
  partitions: PartitionDescription[]
  configs: ConfigEntry[] // every known config, defaults marked
}
export interface TopicSummary {
  name: string
  partitions: number
  compact: boolean
  sizeInBytes: number
  messages: number // sum over partitions of logEndOffset − logStartOffset
  internal?: boolean // the daemon's own "__"-prefixed topics; absent = false
}
export interface TopicChange {
  set: ReadonlyMap<string, string>
  delete: readonly string[]
  partitions?: number // increase only
  replace?: boolean // `set` becomes the topic's whole set of overrides: every other one goes (Kafka's AlterConfigs)
  validateOnly?: boolean // check everything, change nothing
}

// A partition count as the daemon takes it: an integer from 1 to MAX_PARTITIONS_PER_TOPIC. Takes anything,
// so a front end can check a value it has not typed yet with the same words (INVALID_PARTITIONS).
export function requirePartitionCount(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PARTITIONS_PER_TOPIC) {
    throw new SamsaError('INVALID_PARTITIONS', `partitions must be an integer from 1 to ${MAX_PARTITIONS_PER_TOPIC}, got ${JSON.stringify(v)}`)
  }
  return v
}

export interface TopicAdminContext {
  dataDir: string
  catalog: TopicCatalog
  table: PartitionTable
  pool: WorkerPool
  log: (line: string) => void
  onPartitionsRemoved: (refs: PartitionRef[]) => void
  onTopicDeleted?: (name: string) => Promise<void>
}

function nullProto(entries: Iterable<[string, string]>): Record<string, string> {
  const o = Object.create(null) as Record<string, string>
  for (const [k, v] of entries) o[k] = v
  return o
}

export class TopicAdmin {
  private queue: Promise<unknown> = Promise.resolve()
  private nextSeq = 0
  private readonly opener: PartitionOpener

  constructor(private readonly ctx: TopicAdminContext) {
    this.opener = new PartitionOpener(ctx.table, ctx.pool, ctx.log)
  }

  // Startup: load the catalog, delete what a crash left half-done, open every partition (recovery runs
  // inside PartitionLog.open on the workers) and log what recovery found.
  async openAll(): Promise<void> {
    const {catalog, log} = this.ctx
    const topics = catalog.load(log)
    catalog.cleanupLeftovers(log)
    const refs: PartitionRef[] = []
    for (let meta of topics.sort((a, b) => a.seq - b.seq)) {
      this.nextSeq = Math.max(this.nextSeq, meta.seq + 1)
      meta = this.restoreInternal(meta)
      let config: LogConfig
      try {
        config = resolveLogConfig(meta.configs)
      } catch (err) {
        log(`catalog: topic ${meta.name} has an invalid stored config (${(err as Error).message}); using defaults`)
        config = {...LOG_CONFIG_DEFAULTS}
      }
      const entry: TopicEntry = {meta, config, partitions: this.newRefs(meta, 0, meta.partitions)}
      this.ctx.table.add(entry)
      refs.push(...entry.partitions)
    }
    const summary = await this.opener.open(refs, true)
    log(`opened ${refs.length} partition(s) of ${topics.length} topic(s): ${summary.clean} clean, ${summary.recovered} recovered, ${summary.offline} offline`)
  }

  // A replacement worker took the slot of one that died: reopen every partition it owns (recovery runs
  // inside PartitionLog.open, as at startup). The open requests are posted before this returns (no await
  // comes first), so any request the broker sends that worker afterwards queues behind them.
  reopenWorker(index: number): Promise<void> {
    const refs = [...this.ctx.table.allPartitions()].filter((r) => r.worker === index)
    for (const r of refs) r.offline = null
    return this.opener.open(refs, true).then((summary) => {
      this.ctx.log(`worker ${index}: reopened ${refs.length} partition(s): ${summary.clean} clean, ${summary.recovered} recovered, ${summary.offline} offline`)
    })
  }

  // An internal topic's stored configs are the daemon's; an earlier version let clients alter them (and
  // retention.ms=1 with cleanup.policy=delete wiped every commit), so a difference is undone before its
  // partitions open. Extra partitions a client added are kept (nothing is deleted) but never written.
  private restoreInternal(meta: TopicMeta): TopicMeta {
    const spec = INTERNAL_TOPICS.get(meta.name)
    if (!spec) return meta
    const {log} = this.ctx
    if (meta.partitions !== spec.partitions) {
      log(`catalog: internal topic ${meta.name} has ${meta.partitions} partition(s), grown by a client of an earlier version; the daemon uses only the first ${spec.partitions}`)
    }
    const pairs = (configs: Readonly<Record<string, string>>): string =>
      Object.entries(configs)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    if (pairs(meta.configs) === pairs(spec.configs)) return meta
    const restored: TopicMeta = {...meta, configs: nullProto(Object.entries(spec.configs))}
    log(`catalog: internal topic ${meta.name} had configs of an earlier version or set by a client (${pairs(meta.configs)}); restored the daemon's own (${pairs(spec.configs)})`)
    try {
      this.ctx.catalog.write(restored)
    } catch (err) {
      log(`catalog: could not store the restored configs of ${meta.name} (${(err as Error).message}); using them anyway`)
    }
    return restored
  }

  // The daemon's own topics ("__"-prefixed, e.g. __consumer_offsets): created on first use with their
  // spec from internal-topics.ts, whole or not at all like any other topic, and never by a client.
  ensureInternal(name: string): Promise<TopicEntry> {
    const spec = INTERNAL_TOPICS.get(name)
    if (!spec) throw new SamsaError('INTERNAL', `${name} is not an internal topic`)
    const config = resolveLogConfig(spec.configs)
    return this.serial(async () => {
      const existing = this.ctx.table.topics.get(name)
      if (existing) return existing
      const {partitions} = spec
      const meta: TopicMeta = {name, partitions, configs: nullProto(Object.entries(spec.configs)), seq: this.nextSeq++, createdAt: Date.now()}
      const entry: TopicEntry = {meta, config, partitions: this.newRefs(meta, 0, partitions)}
      await this.opener.openNew(entry.partitions, config, `create internal topic ${name}`)
      try {
        this.ctx.catalog.write(meta)
      } catch (err) {
        await this.opener.abandon(entry.partitions)
        throw err
      }
      this.ctx.table.add(entry)
      this.ctx.log(`created internal topic ${name}`)
      return entry
    })
  }

  async create(
    name: string,
    partitions: number,
    overrides: ReadonlyMap<string, string>,
    {ifNotExists, validateOnly = false}: {ifNotExists: boolean; validateOnly?: boolean},
  ): Promise<{created: boolean; topic: TopicDescription}> {
    validateTopicName(name)
    if (isInternalTopicName(name)) {
      throw new SamsaError('INVALID_TOPIC', `topic name ${name} starts with "__", which is reserved for samsa's internal topics`)
    }
    requirePartitionCount(partitions)
    const config = resolveLogConfig(overrides) // INVALID_CONFIG naming the config and its range
    return this.serial(async () => {
      const existing = this.ctx.table.topics.get(name)
      if (existing) {
        if (ifNotExists) return {created: false, topic: await this.describeOne(existing)}
        throw new SamsaError('TOPIC_EXISTS', `topic ${name} already exists`)
      }
      const key = topicCollisionKey(name)
      for (const other of this.ctx.table.topics.keys()) {
        if (topicCollisionKey(other) === key) {
          throw new SamsaError('INVALID_TOPIC', `topic ${name} collides with existing topic ${other}: '.' and '_' are interchangeable in Kafka's metric names`)
        }
      }
      // every check passed: a validate-only create (Kafka's CreateTopics validate_only) stops here
      if (validateOnly) return {created: false, topic: {name, partitions: [], configs: []}}
      const meta: TopicMeta = {name, partitions, configs: nullProto(overrides), seq: this.nextSeq++, createdAt: Date.now()}
      const entry: TopicEntry = {meta, config, partitions: this.newRefs(meta, 0, partitions)}
      await this.opener.openNew(entry.partitions, config, `create topic ${name}`)
      try {
        this.ctx.catalog.write(meta) // the commit point
      } catch (err) {
        await this.opener.abandon(entry.partitions)
        throw err
      }
      this.ctx.table.add(entry)
      this.ctx.log(`created topic ${name} with ${partitions} partition(s)`)
      return {created: true, topic: await this.describeOne(entry)}
    })
  }

  async alter(name: string, change: TopicChange): Promise<TopicDescription> {
    validateTopicName(name)
    refuseInternalWrite(name, 'alter')
    const {set, delete: remove} = change
    for (const n of remove) {
      if (!isLogConfigName(n)) throw new SamsaError('INVALID_CONFIG', `unknown config ${JSON.stringify(n)}; known: ${LOG_CONFIG_NAMES.join(', ')}`)
    }
    const wanted = change.partitions === undefined ? undefined : requirePartitionCount(change.partitions)
    return this.serial(async () => {
      const entry = this.ctx.table.topic(name)
      const overrides = change.replace ? new Map<string, string>() : new Map(Object.entries(entry.meta.configs))
      for (const n of remove) overrides.delete(n)
      for (const [k, v] of set) overrides.set(k, v)
      const config = resolveLogConfig(overrides)
      const current = entry.partitions.length
      if (wanted !== undefined && wanted < current) {
        throw new SamsaError('INVALID_PARTITIONS', `topic ${name} has ${current} partitions; partitions can only be increased (asked for ${wanted})`)
      }
      if (change.validateOnly) return this.describeOne(entry)
      const meta: TopicMeta = {...entry.meta, partitions: wanted ?? current, configs: nullProto(overrides)}
      const added = this.newRefs(meta, current, meta.partitions)
      await this.opener.openNew(added, config, `grow topic ${name} to ${meta.partitions} partitions`)
      try {
        this.ctx.catalog.write(meta) // the commit point
      } catch (err) {
        await this.opener.abandon(added)
        throw err
      }
      entry.meta = meta
      entry.config = config
      this.ctx.table.addPartitions(entry, added)
      // committed: the live logs follow (a worker that cannot is offline, and reads the catalog at restart)
      await forEachWorker(entry.partitions.slice(0, current), (worker, ids) =>
        this.ctx.pool.request(worker, {type: 'updateConfig', partitions: ids, config}).catch((err: Error) => {
          this.ctx.log(`altering ${name} on worker ${worker}: ${err.message}`)
        }),
      )
      this.ctx.log(`altered topic ${name}: ${set.size} config(s) set, ${remove.length} removed, ${meta.partitions} partition(s)`)
      return this.describeOne(entry)
    })
  }

  // Resolves false when the topic did not exist and ifExists allowed that.
  async delete(name: string, {ifExists}: {ifExists: boolean}): Promise<boolean> {
    validateTopicName(name)
    refuseInternalWrite(name, 'delete')
    return this.serial(async () => {
      const entry = this.ctx.table.topics.get(name)
      if (!entry) {
        if (ifExists) return false
        throw new SamsaError('UNKNOWN_TOPIC', `topic ${name} does not exist`)
      }
      this.ctx.catalog.remove(name) // the commit point: from here the topic is gone, even after a crash
      this.ctx.table.remove(name)
      this.ctx.onPartitionsRemoved(entry.partitions)
      await this.opener.destroy(entry.partitions)
      await this.ctx.onTopicDeleted?.(name) // its committed offsets go before the delete is answered
      this.ctx.log(`deleted topic ${name}`)
      return true
    })
  }

  async describe(names: readonly string[]): Promise<TopicDescription[]> {
    const entries = names.map((n) => {
      validateTopicName(n)
      return this.ctx.table.topic(n)
    })
    return Promise.all(entries.map((e) => this.describeOne(e)))
  }

  async list(): Promise<TopicSummary[]> {
    const stats = await this.stats([...this.ctx.table.allPartitions()])
    const topics = [...this.ctx.table.topics.values()]
      .sort((a, b) => (a.meta.name < b.meta.name ? -1 : 1))
      .map((e) => {
        let sizeInBytes = 0
        let messages = 0
        for (const p of e.partitions) {
          const s = stats.get(p.id)
          if (!s) continue
          sizeInBytes += s.sizeInBytes
          messages += s.logEndOffset - s.logStartOffset
        }
        const compact = e.config['cleanup.policy'].includes('compact')
        const summary: TopicSummary = {name: e.meta.name, partitions: e.partitions.length, compact, sizeInBytes, messages}
        if (isInternalTopicName(e.meta.name)) summary.internal = true
        return summary
      })
    return topics
  }

  // Per-partition stats from the owning workers; a partition whose worker is gone is simply absent.
  // cleaner: with the log cleaner's view of the compacted ones (describe, compaction progress).
  async stats(refs: PartitionRef[], cleaner = false): Promise<Map<number, PartitionStats>> {
    const out = new Map<number, PartitionStats>()
    await forEachWorker(refs, async (worker, ids) => {
      const r = await this.ctx.pool.request<StatsResult>(worker, {type: 'stats', partitions: ids, ...(cleaner ? {cleaner} : {})}).catch(() => null)
      for (const s of r?.partitions ?? []) out.set(s.id, s)
    })
    return out
  }

  private async describeOne(entry: TopicEntry): Promise<TopicDescription> {
    const stats = await this.stats(entry.partitions, true)
    const configs: ConfigEntry[] = LOG_CONFIG_NAMES.map((n) => ({
      name: n,
      value: formatLogConfigValue(n, entry.config[n]),
      isDefault: !Object.hasOwn(entry.meta.configs, n),
    }))
    return {
      name: entry.meta.name,
      partitions: entry.partitions.map((p) => {
        const s = stats.get(p.id)
        const description: PartitionDescription = {
          partition: p.partition,
          logStartOffset: s?.logStartOffset ?? -1,
          logEndOffset: s?.logEndOffset ?? -1,
          sizeInBytes: s?.sizeInBytes ?? 0,
          segments: s?.segments ?? 0,
          worker: p.worker,
          online: (s?.online ?? false) && p.offline === null,
        }
        if (s?.cleaner) description.cleaner = s.cleaner
        return description
      }),
      configs,
    }
  }

  private newRefs(meta: TopicMeta, from: number, to: number): PartitionRef[] {
    const refs: PartitionRef[] = []
    for (let partition = from; partition < to; partition++) {
      refs.push({
        id: this.ctx.table.newId(),
        topic: meta.name,
        partition,
        worker: this.ctx.pool.workerFor(meta.seq, partition),
        dir: partitionDir(this.ctx.dataDir, meta.name, partition),
        highWatermark: 0,
        logStartOffset: 0,
        offline: null,
        tail: null,
      })
    }
    return refs
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }
}
