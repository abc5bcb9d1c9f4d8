// The Kafka backend's Admin: topics and offsets over CreateTopics, DeleteTopics, Metadata,
// DescribeConfigs and ListOffsets. Names are checked before anything is sent, as in the local backend.
//
// What a Kafka cluster does not tell through these APIs is reported as zero: a partition's size on disk
// and its segment count (DescribeLogDirs, which samsa does not speak); `worker` (the local daemon's worker
// thread) is the partition's leader broker. A topic's configs are what DescribeConfigs lists, defaults
// marked (config_source other than the topic's own). Replication: CreateTopics asks for the factor given,
// else the cluster's default (-1). topic alter: IncrementalAlterConfigs (KIP-339: SET and DELETE each
// config, where AlterConfigs would replace all of them) for configs, then CreatePartitions for a larger
// count — after the same checks the local daemon makes (the count asked for is the current one: nothing
// sent, "unchanged"; fewer: refused). DeleteRecords goes to each partition's leader. Not here: topic
// compact (a Kafka cluster's log cleaner runs on the brokers, on its own schedule, and no API asks it to
// clean now) — a one-line "not supported by the Kafka backend".
import {SamsaError} from '../../errors.js'
import {topicLabel} from '../../topic-name.js'
import {CreatePartitions} from '../../protocol/kafka/apis/create-partitions.js'
import {CreateTopics} from '../../protocol/kafka/apis/create-topics.js'
import {DeleteRecords} from '../../protocol/kafka/apis/delete-records.js'
import {DeleteTopics} from '../../protocol/kafka/apis/delete-topics.js'
import {DescribeConfigs} from '../../protocol/kafka/apis/describe-configs.js'
import {CONFIG_DELETE, CONFIG_SET, IncrementalAlterConfigs} from '../../protocol/kafka/apis/incremental-alter-configs.js'
import {ListOffsets} from '../../protocol/kafka/apis/list-offsets.js'
import {validatePartitionCount} from '../topic-checks.js'
import {validateTopicName} from '../topic-name.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type AdminApi,
  type AlterTopicOptions,
  type ConfigEntry,
  type CreateTopicOptions,
  type CompactionProgress,
  type CompactTopicResult,
  type CreateTopicResult,
  type DeletedRecords,
  type ListedOffset,
  type TopicDescription,
  type TopicPartition,
  type TopicSummary,
} from '../types.js'
import type {KafkaCluster, MetadataTopic} from './cluster.js'
import {fixedMessage, kafkaFailure, notSupported, partitionError} from './errors.js'
import {perLeader} from './routing.js'

const RESOURCE_TOPIC = 2
const SOURCE_TOPIC_CONFIG = 1
const ADMIN_TIMEOUT_MS = 30_000
const PROPAGATION_ATTEMPTS = 20 // a topic just created may take a moment to show in every broker's metadata

export class KafkaAdmin implements AdminApi {
  constructor(private readonly cluster: KafkaCluster) {}

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<CreateTopicResult> {
    validateTopicName(name)
    const partitions = options.partitions ?? 1
    validatePartitionCount(partitions)
    const configs = Object.entries(options.configs ?? {}).map(([n, value]) => ({name: n, value}))
    const c = await this.cluster.controller()
    const answer = await c.request(CreateTopics, {
      topics: [{name, numPartitions: partitions, replicationFactor: options.replicationFactor ?? -1, assignments: [], configs}],
      timeoutMs: ADMIN_TIMEOUT_MS,
      validateOnly: false,
    })
    const t = answer.topics.find((x) => x.name === name)
    if (!t) throw new SamsaError('INTERNAL', `CreateTopics gave no answer for topic ${name}`)
    let created = true
    if (t.errorCode === 36 && options.ifNotExists) created = false
    else if (t.errorCode !== 0) throw kafkaFailure(t.errorCode, `creating topic ${name}`, t.errorMessage ?? fixedMessage(t.errorCode, name))
    return {created, topic: await this.describeSoon(name)}
  }

  async listTopics(): Promise<TopicSummary[]> {
    const topics = (await this.cluster.metadata(null)).filter((t) => t.errorCode === 0)
    const [compact, offsets] = await Promise.all([this.cleanupPolicies(topics.map((t) => t.name)), this.startAndEnd(topics)])
    return topics.map((t) => {
      let messages = 0
      for (const p of t.partitions) {
        const o = offsets.get(key(t.name, p.partitionIndex))
        if (o) messages += Math.max(0, o.end - o.start)
      }
      const s: TopicSummary = {name: t.name, partitions: t.partitions.length, compact: compact.get(t.name) ?? false, sizeInBytes: 0, messages}
      if (t.isInternal) s.internal = true
      return s
    })
  }

  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    for (const name of names) validateTopicName(name)
    if (names.length === 0) return []
    const listed = await this.cluster.metadata(names)
    for (const t of listed) {
      // as the local daemon answers: a topic named that does not exist fails the call
      if (t.errorCode === 3) throw new SamsaError('UNKNOWN_TOPIC', `topic ${topicLabel(t.name)} does not exist`)
      if (t.errorCode !== 0 && t.errorCode !== 5) throw kafkaFailure(t.errorCode, `describing topic ${t.name}`)
    }
    const topics = listed.filter((t) => t.errorCode === 0)
    const [configs, offsets] = await Promise.all([this.configs(topics.map((t) => t.name)), this.startAndEnd(topics)])
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions
        .slice()
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => {
          const o = offsets.get(key(t.name, p.partitionIndex)) ?? {start: 0, end: 0}
          return {
            partition: p.partitionIndex,
            logStartOffset: o.start,
            logEndOffset: o.end,
            sizeInBytes: 0,
            segments: 0,
            worker: p.leaderId,
            online: p.errorCode === 0 && p.leaderId >= 0,
          }
        }),
      configs: configs.get(t.name) ?? [],
    }))
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const [topic] = await this.describeTopics([name])
    if (!topic) throw new SamsaError('UNKNOWN_TOPIC', `topic ${name} does not exist`)
    return topic
  }

  async alterTopic(name: string, options: AlterTopicOptions): Promise<TopicDescription> {
    validateTopicName(name)
    const configs = [
      ...Object.entries(options.set ?? {}).map(([n, value]) => ({name: n, configOperation: CONFIG_SET, value})),
      ...(options.delete ?? []).map((n) => ({name: n, configOperation: CONFIG_DELETE, value: null})),
    ]
    const wanted = options.partitions
    if (wanted !== undefined) validatePartitionCount(wanted)
    const current = (await this.describeTopic(name)).partitions.length
    if (wanted !== undefined && wanted < current) {
      throw new SamsaError('INVALID_PARTITIONS', `topic ${name} has ${current} partitions; partitions can only be increased (asked for ${wanted})`)
    }
    const c = await this.cluster.controller()
    if (configs.length > 0) {
      const answer = await c.request(IncrementalAlterConfigs, {resources: [{resourceType: RESOURCE_TOPIC, resourceName: name, configs}], validateOnly: false})
      const r = answer.responses.find((x) => x.resourceName === name)
      if (!r) throw new SamsaError('INTERNAL', `IncrementalAlterConfigs gave no answer for topic ${name}`)
      if (r.errorCode !== 0) throw kafkaFailure(r.errorCode, `altering the configs of topic ${name}`, r.errorMessage ?? fixedMessage(r.errorCode, name))
    }
    if (wanted !== undefined && wanted > current) {
      const answer = await c.request(CreatePartitions, {topics: [{name, count: wanted, assignments: null}], timeoutMs: ADMIN_TIMEOUT_MS, validateOnly: false})
      const r = answer.results.find((x) => x.name === name)
      if (!r) throw new SamsaError('INTERNAL', `CreatePartitions gave no answer for topic ${name}`)
      if (r.errorCode !== 0) throw kafkaFailure(r.errorCode, `adding partitions to topic ${name}`, r.errorMessage ?? fixedMessage(r.errorCode, name))
    }
    return this.describeSoon(name, wanted ?? current)
  }

  compactTopic(name: string): Promise<CompactTopicResult> {
    validateTopicName(name)
    return Promise.reject(notSupported('topic compact'))
  }

  compactionProgress(name: string): Promise<CompactionProgress[]> {
    validateTopicName(name)
    return Promise.reject(notSupported('topic compact'))
  }

  async deleteTopic(name: string, options: {ifExists?: boolean} = {}): Promise<boolean> {
    validateTopicName(name)
    const c = await this.cluster.controller()
    const answer = await c.request(DeleteTopics, {topicNames: [name], timeoutMs: ADMIN_TIMEOUT_MS})
    const r = answer.responses.find((x) => x.name === name)
    if (!r) throw new SamsaError('INTERNAL', `DeleteTopics gave no answer for topic ${name}`)
    if (r.errorCode === 3 && options.ifExists) return false
    if (r.errorCode !== 0) throw kafkaFailure(r.errorCode, `deleting topic ${name}`, fixedMessage(r.errorCode, name))
    return true
  }

  async listOffsets(partitions: (TopicPartition & {timestamp: number})[]): Promise<ListedOffset[]> {
    const answers = await perLeader(
      this.cluster,
      partitions,
      async (c, items) => {
        const byTopic = new Map<string, {partitionIndex: number; timestamp: number; maxNumOffsets: number}[]>()
        for (const it of items) {
          let list = byTopic.get(it.topic)
          if (!list) byTopic.set(it.topic, (list = []))
          list.push({partitionIndex: it.partition, timestamp: it.timestamp, maxNumOffsets: 1})
        }
        const version = Math.max(1, c.versionOf(ListOffsets)) // v0 has no timestamps in its answer
        const res = await c.request(ListOffsets, {replicaId: -1, isolationLevel: 0, topics: [...byTopic].map(([name, ps]) => ({name, partitions: ps}))}, {version})
        const found = new Map<string, {errorCode: number; offset: number; timestamp: number}>()
        for (const t of res.topics) for (const p of t.partitions) found.set(key(t.name, p.partitionIndex), p)
        return items.map((it) => found.get(key(it.topic, it.partition)) ?? {errorCode: 3, offset: -1, timestamp: -1})
      },
      (_it, errorCode) => ({errorCode, offset: -1, timestamp: -1}),
    )
    return partitions.map((p, i) => {
      const a = answers[i]!
      const out: ListedOffset = {topic: p.topic, partition: p.partition, offset: a.offset, timestamp: a.timestamp}
      if (a.errorCode !== 0) out.error = partitionError(a.errorCode, p.topic, p.partition)
      return out
    })
  }

  async deleteRecords(partitions: (TopicPartition & {offset: number})[]): Promise<DeletedRecords[]> {
    const answers = await perLeader(
      this.cluster,
      partitions,
      async (c, items) => {
        const byTopic = new Map<string, {partitionIndex: number; offset: number}[]>()
        for (const it of items) {
          let list = byTopic.get(it.topic)
          if (!list) byTopic.set(it.topic, (list = []))
          list.push({partitionIndex: it.partition, offset: it.offset})
        }
        const res = await c.request(DeleteRecords, {topics: [...byTopic].map(([name, ps]) => ({name, partitions: ps})), timeoutMs: ADMIN_TIMEOUT_MS})
        const found = new Map<string, {errorCode: number; lowWatermark: number}>()
        for (const t of res.topics) for (const p of t.partitions) found.set(key(t.name, p.partitionIndex), p)
        return items.map((it) => found.get(key(it.topic, it.partition)) ?? {errorCode: 3, lowWatermark: -1})
      },
      (_it, errorCode) => ({errorCode, lowWatermark: -1}),
    )
    return partitions.map((p, i) => {
      const a = answers[i]!
      const out: DeletedRecords = {topic: p.topic, partition: p.partition, lowWatermark: a.lowWatermark}
      if (a.errorCode !== 0) out.error = partitionError(a.errorCode, p.topic, p.partition)
      return out
    })
  }

  // ── inside ─────────────────────────────────────────────────────────────────────────────────────────
  // After CreateTopics or CreatePartitions a broker may not list the topic (or its new partitions) at once
  // (metadata propagates): ask a few times.
  private async describeSoon(name: string, partitions = 1): Promise<TopicDescription> {
    for (let attempt = 1; ; attempt++) {
      const [d] = await this.describeTopics([name]).catch((err: unknown) => {
        if (err instanceof SamsaError && err.code === 'UNKNOWN_TOPIC' && attempt < PROPAGATION_ATTEMPTS) return []
        throw err
      })
      if (d && d.partitions.length >= partitions && d.partitions.every((p) => p.online)) return d
      if (attempt >= PROPAGATION_ATTEMPTS) {
        if (d) return d
        throw new SamsaError('UNKNOWN_TOPIC', `topic ${name} was created but no broker lists it yet`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * Math.min(attempt, 5)))
    }
  }

  private async startAndEnd(topics: MetadataTopic[]): Promise<Map<string, {start: number; end: number}>> {
    const tps = topics.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex})))
    const out = new Map<string, {start: number; end: number}>()
    if (tps.length === 0) return out
    const [start, end] = await Promise.all([
      this.listOffsets(tps.map((tp) => ({...tp, timestamp: EARLIEST_TIMESTAMP}))),
      this.listOffsets(tps.map((tp) => ({...tp, timestamp: LATEST_TIMESTAMP}))),
    ])
    tps.forEach((tp, i) => {
      const s = start[i]!
      const e = end[i]!
      if (!s.error && !e.error) out.set(key(tp.topic, tp.partition), {start: s.offset, end: e.offset})
    })
    return out
  }

  private async configs(names: string[], only: string[] | null = null): Promise<Map<string, ConfigEntry[]>> {
    const out = new Map<string, ConfigEntry[]>()
    if (names.length === 0) return out
    const c = await this.cluster.any()
    const res = await c.request(DescribeConfigs, {
      resources: names.map((n) => ({resourceType: RESOURCE_TOPIC, resourceName: n, configurationKeys: only})),
      includeSynonyms: false,
    })
    for (const r of res.results) {
      if (r.errorCode !== 0) continue // a topic deleted meanwhile: its other facts say so
      out.set(
        r.resourceName,
        r.configs.map((x) => ({name: x.name, value: x.value ?? '', isDefault: x.configSource === -1 ? x.isDefault : x.configSource !== SOURCE_TOPIC_CONFIG})),
      )
    }
    return out
  }

  private async cleanupPolicies(names: string[]): Promise<Map<string, boolean>> {
    const configs = await this.configs(names, ['cleanup.policy'])
    return new Map([...configs].map(([n, cs]) => [n, /compact/.test(cs.find((x) => x.name === 'cleanup.policy')?.value ?? '')]))
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}
