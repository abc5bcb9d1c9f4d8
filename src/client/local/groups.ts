// The local backend's consumer-group API: committed offsets (OffsetFetch / OffsetCommit), kept by the
// daemon in __consumer_offsets. Membership requests (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) go here
// when the daemon has a group coordinator.
import {
  ApiKey,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
} from '../../protocol/control/messages.js'
import type {CommitResult, CommittedOffset, GroupApi, OffsetToCommit, TopicPartition} from '../types.js'
import type {Requester} from './requester.js'

export class Groups implements GroupApi {
  constructor(private readonly requester: Requester) {}

  async fetchOffsets(group: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]> {
    const body: OffsetFetchRequest = partitions ? {group, partitions} : {group}
    return (await this.requester.request<OffsetFetchResponse>(ApiKey.OffsetFetch, body)).body.offsets
  }

  async commitOffsets(group: string, offsets: OffsetToCommit[]): Promise<CommitResult[]> {
    const body: OffsetCommitRequest = {group, offsets}
    return (await this.requester.request<OffsetCommitResponse>(ApiKey.OffsetCommit, body)).body.partitions
  }
}
