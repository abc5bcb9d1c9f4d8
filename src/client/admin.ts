// Admin: topics, offsets and the daemon itself, over the control protocol. Names are checked here before
// anything is sent, so a bad name fails fast with the same message whatever the backend.
import {SamsaError} from '../errors.js'
import {
  ApiKey,
  type AlterTopicRequest,
  type AlterTopicResponse,
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
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type ShutdownResponse,
  type StatusResponse,
  type TopicDescription,
  type TopicSummary,
} from '../protocol/control/messages.js'
import type {Requester} from './requester.js'
import {validateTopicName} from './topic-name.js'
import type {AdminApi, AlterTopicOptions, CreateTopicOptions} from './types.js'

export function validatePartitionCount(partitions: number, what = 'partition count'): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new SamsaError('INVALID_PARTITIONS', `${what} must be a whole number of at least 1, not ${partitions}`)
  }
}

export class Admin implements AdminApi {
  constructor(private readonly requester: Requester) {}

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<CreateTopicResponse> {
    validateTopicName(name)
    const partitions = options.partitions ?? 1
    validatePartitionCount(partitions)
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

  async listOffsets(partitions: ListOffsetsRequest['partitions']): Promise<ListOffsetsResponse['partitions']> {
    const body: ListOffsetsRequest = {partitions}
    return (await this.requester.request<ListOffsetsResponse>(ApiKey.ListOffsets, body)).body.partitions
  }

  async deleteRecords(partitions: DeleteRecordsRequest['partitions']): Promise<DeleteRecordsResponse['partitions']> {
    const body: DeleteRecordsRequest = {partitions}
    return (await this.requester.request<DeleteRecordsResponse>(ApiKey.DeleteRecords, body)).body.partitions
  }

  async commitOffsets(group: string, offsets: OffsetCommitRequest['offsets']): Promise<OffsetCommitResponse['partitions']> {
    const body: OffsetCommitRequest = {group, offsets}
    return (await this.requester.request<OffsetCommitResponse>(ApiKey.OffsetCommit, body)).body.partitions
  }

  async fetchOffsets(group: string, partitions?: OffsetFetchRequest['partitions']): Promise<OffsetFetchResponse['offsets']> {
    const body: OffsetFetchRequest = partitions ? {group, partitions} : {group}
    return (await this.requester.request<OffsetFetchResponse>(ApiKey.OffsetFetch, body)).body.offsets
  }

  async status(): Promise<StatusResponse> {
    return (await this.requester.request<StatusResponse>(ApiKey.Status, {})).body
  }

  // Asks the daemon to stop gracefully. The daemon may close the connection before or right after its
  // answer; either way the stop was asked for.
  async shutdown(): Promise<ShutdownResponse> {
    try {
      return (await this.requester.request<ShutdownResponse>(ApiKey.Shutdown, {}, undefined, {noReconnect: true})).body
    } catch (err) {
      if (err instanceof SamsaError && err.code === 'DAEMON_UNAVAILABLE') return {stopping: true}
      throw err
    }
  }
}
