// ApiVersions, Metadata and FindCoordinator: who this broker is and what it speaks. Main thread.
//
// ApiVersions (answered even before the daemon is ready: librdkafka sends it first on every connection and
// falls back to a 0.10 feature set if it times out) lists protocol/kafka's table, MinVersion 0 everywhere,
// without InitProducerId: samsa's broker does not yet check idempotent producers' sequences, so it does not
// offer producer ids (a kafkajs `idempotent: true` producer then fails at once rather than appending
// retried batches twice). A version above ours is answered by the connection (connection.ts) in the v0
// format with UNSUPPORTED_VERSION, as Kafka does.
//
// Metadata: one broker (this one, at its advertised address) which is also the controller (kafkajs's admin
// sends to the controller), and per topic its partitions, each led by this node with itself as the only
// replica. A null topic list (an empty one in v0) means every topic; internal topics are listed with
// is_internal. Topics are NOT created on demand (allow_auto_topic_creation is ignored: samsa's CLI never
// auto-creates either, and a typo should not make a topic): a missing topic is UNKNOWN_TOPIC_OR_PARTITION
// (3) with no partitions, an illegal name INVALID_TOPIC_EXCEPTION (17).
//
// FindCoordinator: for a group, always this broker, error 0 (committed offsets live here; kcat's simple
// consumer needs a coordinator to commit). For a transactional id: COORDINATOR_NOT_AVAILABLE (15), as
// samsa has no transactions.
import {advertisedApiVersions, KafkaErrorCode, type ApiVersionRange} from '../../protocol/kafka/index.js'
import {isInternalTopicName, topicNameProblem} from '../../topic-name.js'
import type {KafkaHandlers} from './handler.js'

// What this broker advertises in ApiVersions (and in an UNSUPPORTED_VERSION answer).
export const ADVERTISED_APIS: ApiVersionRange[] = advertisedApiVersions(['InitProducerId'])

const KEY_TYPE_TRANSACTION = 1

export const CLUSTER_HANDLERS: KafkaHandlers = {
  ApiVersions: {
    operation: null,
    early: true,
    handle: async () => ({errorCode: KafkaErrorCode.NONE, apiKeys: ADVERTISED_APIS, throttleTimeMs: 0}),
  },

  Metadata: {
    operation: 'describeTopics',
    async handle({broker, identity}, body, header) {
      const everything = body.topics === null || (header.apiVersion === 0 && body.topics.length === 0)
      const names = everything ? broker.topicNames() : [...new Set(body.topics!.map((t) => t.name))]
      const self = identity.nodeId
      const topics = names.map((name) => {
        const problem = topicNameProblem(name)
        const count = problem ? undefined : broker.partitionCount(name)
        if (count === undefined) {
          const errorCode = problem ? KafkaErrorCode.INVALID_TOPIC_EXCEPTION : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          return {errorCode, name, isInternal: false, partitions: []}
        }
        const partitions = Array.from({length: count}, (_, i) => ({
          errorCode: KafkaErrorCode.NONE,
          partitionIndex: i,
          leaderId: self,
          replicaNodes: [self],
          isrNodes: [self],
        }))
        return {errorCode: KafkaErrorCode.NONE, name, isInternal: isInternalTopicName(name), partitions}
      })
      return {
        throttleTimeMs: 0,
        brokers: [{nodeId: self, host: identity.host, port: identity.port, rack: null}],
        clusterId: identity.clusterId,
        controllerId: self,
        topics,
      }
    },
  },

  FindCoordinator: {
    operation: null,
    async handle({identity}, body) {
      if (body.keyType === KEY_TYPE_TRANSACTION) {
        const errorMessage = 'samsa has no transactions, so no transaction coordinator'
        return {throttleTimeMs: 0, errorCode: KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage, nodeId: -1, host: '', port: -1}
      }
      return {throttleTimeMs: 0, errorCode: KafkaErrorCode.NONE, errorMessage: null, nodeId: identity.nodeId, host: identity.host, port: identity.port}
    },
  },
}
