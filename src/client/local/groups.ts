// The local backend's consumer-group API: committed offsets (OffsetFetch / OffsetCommit, kept by the
// daemon in __consumer_offsets), membership (GroupHeartbeat: the daemon's coordinator assigns partitions)
// and administration (ListGroups, DescribeGroups, DeleteGroup).
import {SamsaError} from '../../errors.js'
import {
  ApiKey,
  type DeleteGroupRequest,
  type DeleteGroupResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type GroupHeartbeatRequest,
  type GroupHeartbeatResponse,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
} from '../../protocol/control/messages.js'
import {fromWireError} from '../../wire-error.js'
import type {
  CommitResult,
  CommittedOffset,
  GroupApi,
  GroupDescription,
  GroupListing,
  GroupMemberRef,
  MemberAssignment,
  MemberHeartbeat,
  OffsetToCommit,
  TopicPartition,
} from '../types.js'
import type {Requester} from './requester.js'

export class Groups implements GroupApi {
  constructor(private readonly requester: Requester) {}

  async fetchOffsets(group: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]> {
    const body: OffsetFetchRequest = partitions ? {group, partitions} : {group}
    return (await this.requester.request<OffsetFetchResponse>(ApiKey.OffsetFetch, body)).body.offsets
  }

  async commitOffsets(group: string, offsets: OffsetToCommit[], member?: GroupMemberRef): Promise<CommitResult[]> {
    const body: OffsetCommitRequest = member ? {group, memberId: member.memberId, memberEpoch: member.memberEpoch, offsets} : {group, offsets}
    return (await this.requester.request<OffsetCommitResponse>(ApiKey.OffsetCommit, body)).body.partitions
  }

  async heartbeat(group: string, request: MemberHeartbeat): Promise<MemberAssignment> {
    const body: GroupHeartbeatRequest = {group, ...request}
    return (await this.requester.request<GroupHeartbeatResponse>(ApiKey.GroupHeartbeat, body)).body
  }

  async listGroups(): Promise<GroupListing[]> {
    return (await this.requester.request<ListGroupsResponse>(ApiKey.ListGroups, {})).body.groups
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    const body: DescribeGroupsRequest = {groups: [group]}
    const [d] = (await this.requester.request<DescribeGroupsResponse>(ApiKey.DescribeGroups, body)).body.groups
    if (!d) throw new SamsaError('INTERNAL', `DescribeGroups gave no answer for group ${group}`)
    if ('error' in d) throw fromWireError(d.error)
    return d
  }

  async deleteGroup(group: string): Promise<void> {
    const body: DeleteGroupRequest = {group}
    await this.requester.request<DeleteGroupResponse>(ApiKey.DeleteGroup, body)
  }
}
