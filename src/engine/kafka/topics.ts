// CreateTopics (v0–2), DeleteTopics (v0–1), DescribeConfigs (v0–1), IncrementalAlterConfigs (v0), AlterConfigs (v0–1) and
// CreatePartitions (v0–1), through the broker's topic administration — the same topics, names rule and
// configs as `samsa topic …`. Main thread.
//
// CreateTopics, per topic in request order (Kafka's checks, kafka-protocol.md §5.5): a name twice in one
// request → INVALID_REQUEST (42); an illegal or internal (`__`) name → INVALID_TOPIC_EXCEPTION (17);
// num_partitions -1 (kafkajs sends it at every version) → 1, samsa's default, other values below 1 or
// above the broker's limit → INVALID_PARTITIONS (37); replication_factor -1 or 1 is fine, anything else
// INVALID_REPLICATION_FACTOR (38: one broker); explicit assignments besides a count or factor → 42, alone
// they give the count and must name only this broker (else 38); an unknown config or a bad value →
// INVALID_CONFIG (40; a null value means the default); an existing topic → TOPIC_ALREADY_EXISTS (36); a
// name that differs from an existing one only in '.' vs '_' → 17. validate_only checks all of it and
// creates nothing. error_message (v1+) says what was wrong.
// DeleteTopics: unknown → UNKNOWN_TOPIC_OR_PARTITION (3); internal → 17.
// DescribeConfigs: a topic (resource type 2) → every config samsa knows, in Kafka's names, config_source
// 5 (default) or 1 (set on the topic); a broker (type 4, this node's id or "") → none; other types 42.
// IncrementalAlterConfigs (v0), per resource: a topic's configs SET (a value is needed) or DELETEd (back to
// the default) in one topic alter, all or nothing; validate_only checks it all and changes nothing;
// APPEND/SUBTRACT, other resource types and a name twice → 42; an unknown config or a bad value → 40, an
// unknown topic → 3, an internal one 17.
// AlterConfigs (v0–1), per resource, the older API kafkajs's admin.alterConfigs sends: the configs given
// become the topic's whole set of overrides — one set before and not named goes back to its default, as
// in Kafka — in one topic alter, all or nothing; validate_only checks it all and changes nothing. A null
// value or a name twice → 42 (Kafka: "Null value not supported"); other resource types and a resource
// twice → 42; an unknown config or a bad value → 40, an unknown topic → 3, an internal one 17.
// CreatePartitions (v0–1), per topic: `count` is the new total — fewer than the topic has, or as many,
// → INVALID_PARTITIONS (37, as Kafka); assignments, if given, must put each new partition on this broker
// alone (39); validate_only checks all of it (the daemon's own checks too) and creates nothing; a name
// twice → 42.
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {SamsaError} from '../../errors.js'
import {refuseInternalWrite} from '../broker/internal-topics.js'
import {KafkaRefusal, kafkaErrorCode, kafkaErrorMessage} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

const DEFAULT_PARTITIONS = 1
const RESOURCE_TOPIC = 2
const RESOURCE_BROKER = 4
const SOURCE_TOPIC_CONFIG = 1 // DYNAMIC_TOPIC_CONFIG
const SOURCE_DEFAULT = 5 // DEFAULT_CONFIG
const CONFIG_SET = 0
const CONFIG_DELETE = 1

type DescribeResult = ResponseBody<'DescribeConfigs'>['results'][number]

export const TOPIC_HANDLERS: KafkaHandlers = {
  CreateTopics: {
    operation: 'createTopic',
    async handle({broker, identity}, body) {
      const seen = new Map<string, number>()
      for (const t of body.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1)
      const topics = []
      for (const t of body.topics) {
        try {
          if (seen.get(t.name)! > 1) throw new SamsaError('INVALID_REQUEST', `topic ${t.name} is named more than once in the request`)
          let partitions = t.numPartitions
          if (t.assignments.length > 0) {
            if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
              throw new SamsaError('INVALID_REQUEST', 'give either replica assignments or a partition count and replication factor, not both')
            }
            checkAssignments(t.assignments, identity.nodeId)
            partitions = t.assignments.length
          }
          if (partitions === -1) partitions = DEFAULT_PARTITIONS
          if (t.replicationFactor !== -1 && t.replicationFactor !== 1) throw replicationError(t.replicationFactor)
          const configs = new Map<string, string>()
          for (const c of t.configs) if (c.value !== null) configs.set(c.name, c.value)
          await broker.createTopic(t.name, partitions, configs, {ifNotExists: false, validateOnly: body.validateOnly})
          topics.push({name: t.name, errorCode: KafkaErrorCode.NONE, errorMessage: null})
        } catch (err) {
          topics.push({name: t.name, errorCode: kafkaErrorCode(err, 'admin'), errorMessage: kafkaErrorMessage(err)})
        }
      }
      return {throttleTimeMs: 0, topics}
    },
  },

  DeleteTopics: {
    operation: 'deleteTopic',
    async handle({broker}, body) {
      const responses = []
      for (const name of body.topicNames) {
        try {
          await broker.deleteTopic(name, {ifExists: false})
          responses.push({name, errorCode: KafkaErrorCode.NONE})
        } catch (err) {
          responses.push({name, errorCode: kafkaErrorCode(err, 'admin')})
        }
      }
      return {throttleTimeMs: 0, responses}
    },
  },

  DescribeConfigs: {
    operation: 'describeTopics',
    async handle({broker, identity}, body) {
      const results: DescribeResult[] = []
      for (const r of body.resources) {
        const base = {resourceType: r.resourceType, resourceName: r.resourceName}
        try {
          if (r.resourceType === RESOURCE_BROKER) {
            if (r.resourceName !== '' && r.resourceName !== String(identity.nodeId)) {
              throw new SamsaError('INVALID_REQUEST', `broker ${r.resourceName} is not this broker (node ${identity.nodeId})`)
            }
            results.push({errorCode: KafkaErrorCode.NONE, errorMessage: null, ...base, configs: []})
            continue
          }
          if (r.resourceType !== RESOURCE_TOPIC) throw new SamsaError('INVALID_REQUEST', `resource type ${r.resourceType} is not supported (2: topic, 4: broker)`)
          const [topic] = await broker.describeTopics([r.resourceName])
          const wanted = r.configurationKeys === null ? null : new Set(r.configurationKeys)
          const configs = topic!.configs
            .filter((c) => wanted === null || wanted.has(c.name))
            .map((c) => ({
              name: c.name,
              value: c.value,
              readOnly: false,
              isDefault: c.isDefault,
              configSource: c.isDefault ? SOURCE_DEFAULT : SOURCE_TOPIC_CONFIG,
              isSensitive: false,
              synonyms: [],
            }))
          results.push({errorCode: KafkaErrorCode.NONE, errorMessage: null, ...base, configs})
        } catch (err) {
          results.push({errorCode: kafkaErrorCode(err, 'admin'), errorMessage: kafkaErrorMessage(err), ...base, configs: []})
        }
      }
      return {throttleTimeMs: 0, results}
    },
  },

  IncrementalAlterConfigs: {
    operation: 'alterTopic',
    handle: ({broker}, body) =>
      alterEachTopic(body.resources, async (r) => {
        const set = new Map<string, string>()
        const remove: string[] = []
        for (const c of r.configs) {
          if (set.has(c.name) || remove.includes(c.name)) throw new SamsaError('INVALID_REQUEST', `config ${c.name} is changed more than once`)
          if (c.configOperation === CONFIG_SET) {
            if (c.value === null) throw new SamsaError('INVALID_CONFIG', `config ${c.name}: SET needs a value`)
            set.set(c.name, c.value)
          } else if (c.configOperation === CONFIG_DELETE) remove.push(c.name)
          else throw new SamsaError('INVALID_REQUEST', `config ${c.name}: operation ${c.configOperation} is not supported (0 SET, 1 DELETE)`)
        }
        await broker.alterTopic(r.resourceName, {set, delete: remove, validateOnly: body.validateOnly})
      }),
  },

  AlterConfigs: {
    operation: 'alterTopic',
    handle: ({broker}, body) =>
      alterEachTopic(body.resources, async (r) => {
        const set = new Map<string, string>()
        for (const c of r.configs) {
          if (set.has(c.name)) throw new SamsaError('INVALID_REQUEST', `config ${c.name} is given more than once`)
          if (c.value === null) throw new SamsaError('INVALID_REQUEST', `Null value not supported for : ${c.name}`)
          set.set(c.name, c.value)
        }
        await broker.alterTopic(r.resourceName, {set, delete: [], replace: true, validateOnly: body.validateOnly})
      }),
  },

  CreatePartitions: {
    operation: 'alterTopic',
    async handle({broker, identity}, body) {
      const seen = new Map<string, number>()
      for (const t of body.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1)
      const results = []
      for (const t of body.topics) {
        try {
          if (seen.get(t.name)! > 1) throw new SamsaError('INVALID_REQUEST', `topic ${t.name} is named more than once in the request`)
          refuseInternalWrite(t.name, 'alter') // also before the daemon first wrote it
          const current = broker.partitionCount(t.name)
          if (current === undefined) throw new SamsaError('UNKNOWN_TOPIC', `topic ${t.name} does not exist`)
          if (t.count === current) throw new SamsaError('INVALID_PARTITIONS', `topic ${t.name} already has ${current} partitions`)
          if (t.count < current) throw new SamsaError('INVALID_PARTITIONS', `topic ${t.name} has ${current} partitions; partitions can only be increased (asked for ${t.count})`)
          if (t.assignments !== null) {
            if (t.assignments.length !== t.count - current) throw new KafkaRefusal(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `${t.assignments.length} assignments for ${t.count - current} new partitions`)
            for (const a of t.assignments) {
              if (a.brokerIds.length !== 1 || a.brokerIds[0] !== identity.nodeId) {
                throw new KafkaRefusal(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `brokers [${a.brokerIds.join(', ')}]: samsa is a single broker (node ${identity.nodeId}), one replica per partition`)
              }
            }
          }
          await broker.alterTopic(t.name, {set: new Map(), delete: [], partitions: t.count, validateOnly: body.validateOnly})
          results.push({name: t.name, errorCode: KafkaErrorCode.NONE, errorMessage: null})
        } catch (err) {
          results.push({name: t.name, errorCode: kafkaErrorCode(err, 'admin'), errorMessage: kafkaErrorMessage(err)})
        }
      }
      return {throttleTimeMs: 0, results}
    },
  },
}

// One broker: partitions 0..n-1, each replicated on exactly this node.
function checkAssignments(assignments: {partitionIndex: number; brokerIds: number[]}[], nodeId: number): void {
  const indexes = assignments.map((a) => a.partitionIndex).sort((a, b) => a - b)
  if (indexes.some((p, i) => p !== i)) throw new SamsaError('INVALID_PARTITIONS', 'replica assignments must name partitions 0 to n-1, once each')
  for (const a of assignments) {
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) throw replicationError(a.brokerIds.length, `partition ${a.partitionIndex} is assigned to brokers [${a.brokerIds.join(', ')}]`)
  }
}

function replicationError(factor: number, what = `replication factor ${factor}`): KafkaRefusal {
  const why = `${what}: samsa is a single broker, so every partition has exactly one replica (factor 1 or -1)`
  return new KafkaRefusal(KafkaErrorCode.INVALID_REPLICATION_FACTOR, why)
}

// AlterConfigs and IncrementalAlterConfigs: each resource is altered on its own and answered in request
// order; one named twice, or one that is not a topic, is refused (INVALID_REQUEST) while the others go on.
async function alterEachTopic<R extends {resourceType: number; resourceName: string}>(resources: readonly R[], alter: (r: R) => Promise<void>) {
  const key = (r: R): string => `${r.resourceType}:${r.resourceName}`
  const named = new Map<string, number>()
  for (const r of resources) named.set(key(r), (named.get(key(r)) ?? 0) + 1)
  const responses = []
  for (const r of resources) {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName}
    try {
      if (named.get(key(r))! > 1) throw new SamsaError('INVALID_REQUEST', `${r.resourceName} is named more than once in the request`)
      if (r.resourceType !== RESOURCE_TOPIC) throw new SamsaError('INVALID_REQUEST', `resource type ${r.resourceType}: samsa alters topic configs only (2)`)
      await alter(r)
      responses.push({errorCode: KafkaErrorCode.NONE, errorMessage: null, ...base})
    } catch (err) {
      responses.push({errorCode: kafkaErrorCode(err, 'admin'), errorMessage: kafkaErrorMessage(err), ...base})
    }
  }
  return {throttleTimeMs: 0, responses}
}
