// The local backend's Admin: topics and offsets, over the control protocol. Names are checked here before
// anything is sent, so a bad name fails fast with the same message whatever the backend.
import {SamsaError} from '../../errors.js'
import {
  ApiKey,
  type AlterTopicRequest,
  type AlterTopicResponse,
  type CompactionProgressRequest,
  type CompactionProgressResponse,
  type CompactTopicRequest,
  type CompactTopicResponse,
  type CreateTopicRequest,
  type CreateTopicResponse,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DeleteTopicRequest,
  type DeleteTopicResponse,
  type DescribeTopicsRequest,
  type DescribeTopicsResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListTopicsResponse,
} from '../../protocol/control/messages.js'
import {validatePartitionCount} from '../topic-checks.js'
import {validateTopicName} from '../topic-name.js'
import type {
  AdminApi,
  AlterTopicOptions,
  CompactionProgress,
  CompactTopicResult,
  CreateTopicOptions,
  CreateTopicResult,
  DeletedRecords,
  ListedOffset,
  TopicDescription,
  TopicPartition,
  TopicSummary,
} from '../types.js'
import type {Requester} from './requester.js'

export class Admin implements AdminApi {
  constructor(private readonly requester: Requester) {}

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<CreateTopicResult> {
    validateTopicName(name)
    const partitions = options.partitions ?? 1
    validatePartitionCount(partitions)
    const factor = options.replicationFactor
    if (factor !== undefined && factor !== 1) {
      throw new SamsaError(
        'INVALID_REQUEST',
        `replication factor ${factor}: the local daemon keeps exactly one copy of each partition (1); for more, use a Kafka cluster (--brokers)`,
      )
    }
    const body: CreateTopicRequest = {
      name,
      partitions,
      configs: {...(options.configs ?? {})},
      ifNotExists: options.ifNotExists ?? false,
    }
    return (await this.requester.request<CreateTopicResponse>(ApiKey.CreateTopic, body)).body
  }

  async listTopics(): Promise<TopicSummary[]> {
    return (await this.requester.request<ListTopicsResponse>(ApiKey.ListTopics, {})).body.topics
  }

  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    for (const name of names) validateTopicName(name)
    const body: DescribeTopicsRequest = {topics: names}
    return (await this.requester.request<DescribeTopicsResponse>(ApiKey.DescribeTopics, body)).body.topics
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const [topic] = await this.describeTopics([name])
    if (!topic) throw new SamsaError('UNKNOWN_TOPIC', `topic ${name} does not exist`)
    return topic
  }

  async alterTopic(name: string, options: AlterTopicOptions): Promise<TopicDescription> {
    validateTopicName(name)
    if (options.partitions !== undefined) validatePartitionCount(options.partitions)
    const body: AlterTopicRequest = {name, set: {...(options.set ?? {})}, delete: [...(options.delete ?? [])]}
    if (options.partitions !== undefined) body.partitions = options.partitions
    return (await this.requester.request<AlterTopicResponse>(ApiKey.AlterTopic, body)).body.topic
  }

  async deleteTopic(name: string, options: {ifExists?: boolean} = {}): Promise<boolean> {
    validateTopicName(name)
    const body: DeleteTopicRequest = {name, ifExists: options.ifExists ?? false}
    return (await this.requester.request<DeleteTopicResponse>(ApiKey.DeleteTopic, body)).body.deleted
  }

  async listOffsets(partitions: (TopicPartition & {timestamp: number})[]): Promise<ListedOffset[]> {
    const body: ListOffsetsRequest = {partitions}
    return (await this.requester.request<ListOffsetsResponse>(ApiKey.ListOffsets, body)).body.partitions
  }

  async compactTopic(name: string, options: {dryRun?: boolean} = {}): Promise<CompactTopicResult> {
    validateTopicName(name)
    const body: CompactTopicRequest = {name, dryRun: options.dryRun ?? false}
    return (await this.requester.request<CompactTopicResponse>(ApiKey.CompactTopic, body)).body
  }

  async compactionProgress(name: string): Promise<CompactionProgress[]> {
    validateTopicName(name)
    const body: CompactionProgressRequest = {name}
    return (await this.requester.request<CompactionProgressResponse>(ApiKey.CompactionProgress, body)).body.partitions
  }

  async deleteRecords(partitions: (TopicPartition & {offset: number})[]): Promise<DeletedRecords[]> {
    const body: DeleteRecordsRequest = {partitions}
    return (await this.requester.request<DeleteRecordsResponse>(ApiKey.DeleteRecords, body)).body.partitions
  }
}
