// The control protocol's request bodies, decoded at the edge: untrusted JSON in, the typed arguments of a
// Broker, OffsetStore or GroupCoordinator call out. Every field is type-checked here (request-body.ts),
// defaults are filled in, and a wrong shape fails the whole request with INVALID_REQUEST naming the
// field; what a value means (a legal topic name, a partition that exists, a config in range) is checked
// by the broker, per partition where the API has partitions. Main thread.
//
// Topic names of the admin APIs are checked here too, first, as the daemon always did: a bad name is
// INVALID_TOPIC before anything else of the request is looked at.
import {validateTopicName} from '../../topic-name.js'
import {MAX_LIST_PARTITIONS, requireAcks, type Acks, type DeleteRecordsQuery, type ListOffsetsQuery} from '../broker/broker.js'
import {MAX_FETCH_PARTITIONS, type FetchQuery} from '../broker/fetcher.js'
import {MAX_FETCH_RESPONSE_BYTES} from '../broker/operations.js'
import {MAX_CONFIG_DELETES, MAX_DESCRIBE_TOPICS, requirePartitionCount, type TopicChange} from '../broker/topic-admin.js'
import {MAX_SUBSCRIBED_TOPICS, type Committer, type MemberHeartbeat} from '../groups/coordinator.js'
import {MAX_COMMIT_PARTITIONS, type OffsetCommit} from '../groups/offset-store.js'
import {anyValue, asBody, bool, int, invalid, list, optional, str, stringList, stringMap, type Body} from './request-body.js'

export interface ProduceArgs {
  topic: string
  partition: number
  acks: Acks
  timeoutMs: number // 0: no deadline
}

export function decodeProduce(raw: unknown): ProduceArgs {
  const body = asBody(raw, 'Produce')
  const acks = requireAcks(int(body, 'acks', {default: 1}))
  const timeoutMs = int(body, 'timeoutMs', {default: 0, min: 0, max: 0x7fffffff}) // Kafka's int32
  return {topic: topicField(body), partition: int(body, 'partition'), acks, timeoutMs}
}

// InitProducerId takes no arguments; a transactional id would ask for transactions, which samsa has not.
export function decodeInitProducerId(raw: unknown): void {
  const body = asBody(raw, 'InitProducerId')
  const txn = anyValue(body, 'transactionalId')
  if (txn !== undefined && txn !== null) throw invalid('transactions are not supported: InitProducerId takes no transactionalId')
}

export function decodeFetch(raw: unknown): FetchQuery {
  const body = asBody(raw, 'Fetch')
  const items = list(body, 'partitions', MAX_FETCH_PARTITIONS)
  const maxWaitMs = int(body, 'maxWaitMs', {min: 0, default: 0})
  const minBytes = int(body, 'minBytes', {min: 0, default: 1})
  const maxBytes = int(body, 'maxBytes', {min: 0, default: MAX_FETCH_RESPONSE_BYTES})
  const partitions = items.map((item) => {
    const offset = int(item, 'offset')
    const partitionMaxBytes = int(item, 'maxBytes', {min: 0, default: MAX_FETCH_RESPONSE_BYTES})
    return {topic: str(item, 'topic'), partition: int(item, 'partition'), offset, maxBytes: partitionMaxBytes}
  })
  return {partitions, maxWaitMs, minBytes, maxBytes}
}

export function decodeListOffsets(raw: unknown): ListOffsetsQuery[] {
  const items = list(asBody(raw, 'ListOffsets'), 'partitions', MAX_LIST_PARTITIONS)
  return items.map((item) => ({topic: topicField(item), partition: int(item, 'partition'), timestamp: int(item, 'timestamp')}))
}

export function decodeDeleteRecords(raw: unknown): DeleteRecordsQuery[] {
  const items = list(asBody(raw, 'DeleteRecords'), 'partitions', MAX_LIST_PARTITIONS)
  return items.map((item) => ({topic: topicField(item), partition: int(item, 'partition'), offset: int(item, 'offset', {min: -1})}))
}

export interface CreateTopicArgs {
  name: string
  partitions: number
  configs: Map<string, string>
  ifNotExists: boolean
}

export function decodeCreateTopic(raw: unknown): CreateTopicArgs {
  const body = asBody(raw, 'CreateTopic')
  const name = nameField(body)
  const partitions = requirePartitionCount(optional(body, 'partitions') ? 1 : anyValue(body, 'partitions'))
  return {name, partitions, configs: stringMap(body, 'configs'), ifNotExists: bool(body, 'ifNotExists', false)}
}

export function decodeAlterTopic(raw: unknown): {name: string; change: TopicChange} {
  const body = asBody(raw, 'AlterTopic')
  const name = nameField(body)
  const change: TopicChange = {set: stringMap(body, 'set'), delete: stringList(body, 'delete', MAX_CONFIG_DELETES)}
  if (!optional(body, 'partitions')) change.partitions = requirePartitionCount(anyValue(body, 'partitions'))
  return {name, change}
}

export function decodeDeleteTopic(raw: unknown): {name: string; ifExists: boolean} {
  const body = asBody(raw, 'DeleteTopic')
  return {name: nameField(body), ifExists: bool(body, 'ifExists', false)}
}

export function decodeDescribeTopics(raw: unknown): string[] {
  return stringList(asBody(raw, 'DescribeTopics'), 'topics', MAX_DESCRIBE_TOPICS)
}

export function decodeCompactTopic(raw: unknown): {name: string; dryRun: boolean} {
  const body = asBody(raw, 'CompactTopic')
  return {name: nameField(body), dryRun: bool(body, 'dryRun', false)}
}

export function decodeCompactionProgress(raw: unknown): string {
  return nameField(asBody(raw, 'CompactionProgress'))
}

export function decodeOffsetCommit(raw: unknown): {group: string; who: Committer; offsets: OffsetCommit[]} {
  const body = asBody(raw, 'OffsetCommit')
  const group = str(body, 'group')
  const who: Committer = {}
  if (!optional(body, 'memberId')) who.memberId = str(body, 'memberId')
  if (!optional(body, 'memberEpoch')) who.memberEpoch = int(body, 'memberEpoch')
  const offsets = list(body, 'offsets', MAX_COMMIT_PARTITIONS).map((item) => {
    const topic = anyValue(item, 'topic')
    const partition = anyValue(item, 'partition')
    if (typeof topic !== 'string' || typeof partition !== 'number' || !Number.isSafeInteger(partition)) {
      throw invalid('each offset needs a string "topic" and an integer "partition"')
    }
    const offset = anyValue(item, 'offset')
    if (typeof offset !== 'number') throw invalid('field "offset" must be a number') // its range: per partition
    const metadata = anyValue(item, 'metadata') ?? ''
    if (typeof metadata !== 'string') throw invalid('field "metadata" must be a string')
    return {topic, partition, offset, metadata}
  })
  return {group, who, offsets}
}

// Lenient on the partitions listed, as OffsetFetch always was: an entry it cannot read answers offset -1.
export function decodeOffsetFetch(raw: unknown): {group: string; partitions?: {topic: string; partition: number}[]} {
  const body = asBody(raw, 'OffsetFetch')
  const group = str(body, 'group')
  const asked = anyValue(body, 'partitions')
  if (asked === undefined || asked === null) return {group}
  const partitions = list(body, 'partitions', MAX_COMMIT_PARTITIONS).map((item) => {
    const p = anyValue(item, 'partition')
    return {topic: String(anyValue(item, 'topic')), partition: typeof p === 'number' ? p : -1}
  })
  return {group, partitions}
}

export function decodeGroupHeartbeat(raw: unknown): MemberHeartbeat {
  const body = asBody(raw, 'GroupHeartbeat')
  const req: MemberHeartbeat = {group: str(body, 'group'), memberId: str(body, 'memberId'), memberEpoch: int(body, 'memberEpoch', {min: -2})}
  if (!optional(body, 'instanceId')) req.instanceId = boundedStr(body, 'instanceId', MAX_NAME)
  if (!optional(body, 'clientId')) req.clientId = boundedStr(body, 'clientId', MAX_NAME)
  if (!optional(body, 'clientHost')) req.clientHost = boundedStr(body, 'clientHost', MAX_NAME)
  if (!optional(body, 'topics')) req.topics = stringList(body, 'topics', MAX_SUBSCRIBED_TOPICS)
  if (!optional(body, 'assignor')) req.assignor = str(body, 'assignor')
  if (!optional(body, 'sessionTimeoutMs')) req.sessionTimeoutMs = int(body, 'sessionTimeoutMs')
  if (!optional(body, 'rebalanceTimeoutMs')) req.rebalanceTimeoutMs = int(body, 'rebalanceTimeoutMs', {min: 0, max: 0x7fffffff})
  if (!optional(body, 'owned')) req.owned = list(body, 'owned', MAX_COMMIT_PARTITIONS).map((item) => ({topic: str(item, 'topic'), partition: int(item, 'partition')}))
  if (!optional(body, 'waitMs')) req.waitMs = int(body, 'waitMs', {min: 0, max: 0x7fffffff})
  return req
}

export function decodeDescribeGroups(raw: unknown): string[] {
  return stringList(asBody(raw, 'DescribeGroups'), 'groups', MAX_DESCRIBE_GROUPS)
}

export function decodeDeleteGroup(raw: unknown): string {
  return str(asBody(raw, 'DeleteGroup'), 'group')
}

const MAX_NAME = 1024 // instance ids, client ids and hosts: shown, never used as paths
const MAX_DESCRIBE_GROUPS = 1000

function boundedStr(o: Body, key: string, max: number): string {
  const v = str(o, key)
  if (v.length > max) throw invalid(`field "${key}" must be at most ${max} characters`)
  return v
}

// A data request's topic: a string, or INVALID_TOPIC "topic name must be a string". The broker checks the
// name's rule itself, per partition.
function topicField(o: Body): string {
  const topic = anyValue(o, 'topic')
  if (typeof topic !== 'string') validateTopicName(topic)
  return topic
}

// An admin request's topic name, checked whole (INVALID_TOPIC) before the rest of the request.
function nameField(o: Body): string {
  const name = anyValue(o, 'name')
  validateTopicName(name)
  return name
}
