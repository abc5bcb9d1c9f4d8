// The client API every backend implements: the local daemon (this folder) today, a Kafka cluster later.
// Commands (`samsa topic …`, `samsa produce`, `samsa consume`) program against these interfaces only.
// Shapes are the control protocol's (protocol/control/messages.ts), so the local backend adds no copying.
import type {
  Acks,
  CreateTopicResponse,
  DeleteRecordsResponse,
  FetchPartitionResponse,
  FetchRequest,
  ListOffsetsResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  ProduceResponse,
  ShutdownResponse,
  StatusResponse,
  TopicDescription,
  TopicSummary,
} from '../protocol/control/messages.js'

export interface CreateTopicOptions {
  partitions?: number // default 1
  configs?: Record<string, string> // Kafka config names → values; the daemon validates them
  ifNotExists?: boolean
}

export interface AlterTopicOptions {
  set?: Record<string, string>
  delete?: string[]
  partitions?: number // increase only
}

export interface AdminApi {
  createTopic(name: string, options?: CreateTopicOptions): Promise<CreateTopicResponse>
  listTopics(): Promise<TopicSummary[]>
  describeTopics(names: string[]): Promise<TopicDescription[]>
  describeTopic(name: string): Promise<TopicDescription>
  alterTopic(name: string, options: AlterTopicOptions): Promise<TopicDescription>
  deleteTopic(name: string, options?: {ifExists?: boolean}): Promise<boolean>
  listOffsets(partitions: {topic: string; partition: number; timestamp: number}[]): Promise<ListOffsetsResponse['partitions']>
  deleteRecords(partitions: {topic: string; partition: number; offset: number}[]): Promise<DeleteRecordsResponse['partitions']>
  commitOffsets(
    group: string,
    offsets: {topic: string; partition: number; offset: number; metadata?: string}[],
  ): Promise<OffsetCommitResponse['partitions']>
  fetchOffsets(group: string, partitions?: {topic: string; partition: number}[]): Promise<OffsetFetchResponse['offsets']>
  status(): Promise<StatusResponse>
  shutdown(): Promise<ShutdownResponse>
}

// One partition's share of a fetch: the daemon's metadata plus its stored batch bytes, as they are on disk
// (whole RecordBatch v2 batches; the first may start before the offset asked for).
export type FetchedPartition = FetchPartitionResponse & {records: Buffer}

export interface FetchResult {
  partitions: FetchedPartition[]
}

export interface RecordApi {
  // batches: one or more complete RecordBatch v2 batches for one partition. acks=0 resolves to null once
  // the bytes are handed to the socket; nothing tells whether they were appended.
  produce(topic: string, partition: number, batches: Uint8Array, acks?: Acks, timeoutMs?: number): Promise<ProduceResponse | null>
  fetch(request: FetchRequest): Promise<FetchResult>
}

export interface Client {
  readonly admin: AdminApi
  readonly records: RecordApi
  close(): Promise<void>
}
