// CreateTopics (v0–2), DeleteTopics (v0–1) and DescribeConfigs (v0–1), through the broker's topic
// administration — the same topics, names rule and configs as `samsa topic …`. Main thread.
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
import {KafkaErrorCode, type ResponseBody} from '../../protocol/kafka/index.js'
import {SamsaError} from '../../errors.js'
import {KafkaRefusal, kafkaErrorCode, kafkaErrorMessage} from './error-codes.js'
import type {KafkaHandlers} from './handler.js'

const DEFAULT_PARTITIONS = 1
const RESOURCE_TOPIC = 2
const RESOURCE_BROKER = 4
const SOURCE_TOPIC_CONFIG = 1 // DYNAMIC_TOPIC_CONFIG
const SOURCE_DEFAULT = 5 // DEFAULT_CONFIG

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
