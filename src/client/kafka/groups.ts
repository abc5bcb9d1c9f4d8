// The Kafka backend's consumer-group API. Committed offsets: OffsetFetch / OffsetCommit at the group's
// coordinator (FindCoordinator), a member's commit carrying its generation, a simple commit generation -1.
// Membership: the classic protocol (classic-member.ts). Administration: ListGroups (every broker lists
// the groups it coordinates), DescribeGroups plus OffsetFetch and ListOffsets for the lag, computed as
// the local daemon does: log end − max(committed, log start), never negative.
// A classic group has no epoch on the wire at these versions: describe reports 0. DeleteGroups at the
// group's coordinator, its refusals worded as the local daemon words them.
import {SamsaError} from '../../errors.js'
import {decodeAssignment, decodeSubscriptionTopics} from '../../protocol/kafka/consumer-protocol.js'
import {DeleteGroups} from '../../protocol/kafka/apis/delete-groups.js'
import {DescribeGroups} from '../../protocol/kafka/apis/describe-groups.js'
import {ListGroups} from '../../protocol/kafka/apis/list-groups.js'
import {OffsetCommit} from '../../protocol/kafka/apis/offset-commit.js'
import {OffsetFetch} from '../../protocol/kafka/apis/offset-fetch.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type AdminApi,
  type CommitResult,
  type CommittedOffset,
  type GroupApi,
  type GroupDescription,
  type GroupListing,
  type GroupMemberDescription,
  type GroupMemberRef,
  type GroupPartitionLag,
  type MemberAssignment,
  type MemberHeartbeat,
  type OffsetToCommit,
  type TopicPartition,
} from '../types.js'
import {ClassicMembership} from './classic-member.js'
import type {KafkaCluster} from './cluster.js'
import {COORDINATOR_MOVED, kafkaFailure} from './errors.js'

export class KafkaGroups implements GroupApi {
  private readonly membership: ClassicMembership

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly admin: AdminApi,
  ) {
    this.membership = new ClassicMembership(cluster)
  }

  async fetchOffsets(group: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]> {
    let topics: {name: string; partitionIndexes: number[]}[] | null = null
    if (partitions) {
      const byTopic = new Map<string, number[]>()
      for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
      topics = [...byTopic].map(([name, partitionIndexes]) => ({name, partitionIndexes}))
    }
    const res = await this.cluster.toCoordinator(group, async (c) => {
      const version = topics === null ? Math.max(2, c.versionOf(OffsetFetch)) : c.versionOf(OffsetFetch) // null topics: v2+
      return c.request(OffsetFetch, {groupId: group, topics}, {version})
    })
    if (res.errorCode !== 0) throw kafkaFailure(res.errorCode, `fetching the committed offsets of group ${group}`)
    const out: CommittedOffset[] = []
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw kafkaFailure(p.errorCode, `fetching the committed offset of group ${group} for ${t.name}-${p.partitionIndex}`)
        out.push({topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata ?? ''})
      }
    }
    return out
  }

  async commitOffsets(group: string, offsets: OffsetToCommit[], member?: GroupMemberRef): Promise<CommitResult[]> {
    const byTopic = new Map<string, {partitionIndex: number; committedOffset: number; commitTimestamp: number; committedMetadata: string | null}[]>()
    for (const o of offsets) {
      let list = byTopic.get(o.topic)
      if (!list) byTopic.set(o.topic, (list = []))
      list.push({partitionIndex: o.partition, committedOffset: o.offset, commitTimestamp: -1, committedMetadata: o.metadata ?? ''})
    }
    const body = {
      groupId: group,
      generationId: member ? member.memberEpoch : -1,
      memberId: member?.memberId ?? '',
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, partitions]) => ({name, partitions})),
    }
    const res = await this.cluster.toCoordinator(group, async (c) => {
      const answer = await c.request(OffsetCommit, body, {version: Math.max(2, c.versionOf(OffsetCommit))})
      const codes = answer.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))
      return {...answer, errorCode: codes.find((code) => COORDINATOR_MOVED.has(code)) ?? 0}
    })
    const out: CommitResult[] = []
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const r: CommitResult = {topic: t.name, partition: p.partitionIndex}
        if (p.errorCode === 25 && member) throw new SamsaError('UNKNOWN_MEMBER_ID', `group ${group}: the coordinator no longer knows member ${member.memberId}`)
        // a member's commit into a generation that moved on: the rebalance that follows says what it owns
        if ((p.errorCode === 22 || p.errorCode === 27) && member) {
          r.error = {code: 'STALE_MEMBER_EPOCH', message: `generation ${member.memberEpoch} is no longer current`, retriable: false}
        } else if (p.errorCode !== 0) {
          const e = kafkaFailure(p.errorCode, `committing ${t.name}-${p.partitionIndex} for group ${group}`)
          r.error = {code: e.code, message: e.message, retriable: e.retriable}
        }
        out.push(r)
      }
    }
    return out
  }

  heartbeat(group: string, request: MemberHeartbeat): Promise<MemberAssignment> {
    return this.membership.heartbeat(group, request)
  }

  async listGroups(): Promise<GroupListing[]> {
    const out: GroupListing[] = []
    await Promise.all(
      [...this.cluster.brokers.keys()].map(async (node) => {
        const c = await this.cluster.connection(node)
        const listed = await c.request(ListGroups, {})
        if (listed.errorCode !== 0) throw kafkaFailure(listed.errorCode, `listing the groups of broker ${node}`)
        if (listed.groups.length === 0) return
        const described = await c.request(DescribeGroups, {groups: listed.groups.map((g) => g.groupId)})
        for (const g of described.groups) {
          if (g.errorCode !== 0) continue // moved meanwhile
          out.push({group: g.groupId, type: g.protocolType === '' ? '' : 'classic', state: g.groupState, members: g.members.length})
        }
      }),
    )
    return out.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    const g = await this.describeRaw(group)
    const committed = await this.fetchOffsets(group)
    const members: GroupMemberDescription[] = g.members.map((m) => {
      const assignment = decodeAssignment(m.memberAssignment) ?? []
      return {
        memberId: m.memberId,
        instanceId: null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: 0,
        topics: decodeSubscriptionTopics(m.memberMetadata) ?? [],
        assignment,
        target: assignment,
      }
    })
    if (g.groupState === 'Dead' || (members.length === 0 && committed.length === 0 && g.protocolType === '')) {
      throw new SamsaError('GROUP_ID_NOT_FOUND', `group ${group} does not exist`)
    }
    const topics = [...new Set([...committed.map((o) => o.topic), ...members.flatMap((m) => [...m.topics, ...m.assignment.map((a) => a.topic)])])].sort()
    const metadata = topics.length === 0 ? [] : (await this.cluster.metadata(topics)).filter((t) => t.errorCode === 0)
    const tps = metadata.flatMap((t) => t.partitions.map((p) => ({topic: t.name, partition: p.partitionIndex}))).sort(byTopicPartition)
    const [start, end] =
      tps.length === 0
        ? [[], []]
        : await Promise.all([
            this.admin.listOffsets(tps.map((tp) => ({...tp, timestamp: EARLIEST_TIMESTAMP}))),
            this.admin.listOffsets(tps.map((tp) => ({...tp, timestamp: LATEST_TIMESTAMP}))),
          ])
    const partitions: GroupPartitionLag[] = tps.map((tp, i) => {
      const s = start[i]!
      const e = end[i]!
      if (s.error || e.error) throw new SamsaError((s.error ?? e.error)!.code, (s.error ?? e.error)!.message)
      const currentOffset = committed.find((o) => o.topic === tp.topic && o.partition === tp.partition)?.offset ?? -1
      const owner = members.find((m) => m.assignment.some((a) => a.topic === tp.topic && a.partition === tp.partition))
      return {
        ...tp,
        currentOffset,
        logStartOffset: s.offset,
        logEndOffset: e.offset,
        lag: Math.max(0, e.offset - Math.max(currentOffset, s.offset)),
        memberId: owner?.memberId ?? '',
        clientId: owner?.clientId ?? '',
      }
    })
    return {
      group,
      type: g.protocolType === '' && members.length === 0 ? '' : 'classic',
      state: g.groupState,
      epoch: 0,
      assignor: g.protocolData,
      members,
      partitions,
      totalLag: partitions.reduce((n, p) => n + p.lag, 0),
    }
  }

  async deleteGroup(group: string): Promise<void> {
    const res = await this.cluster.toCoordinator(group, async (c) => {
      const answer = await c.request(DeleteGroups, {groupsNames: [group]})
      return {...answer, errorCode: answer.results[0]?.errorCode ?? 0}
    })
    const code = (res.results.find((x) => x.groupId === group) ?? res.results[0])?.errorCode
    if (code === undefined) throw new SamsaError('INTERNAL', `DeleteGroups gave no answer for group ${group}`)
    if (code === 68) {
      const members = (await this.describeRaw(group)).members.length
      throw new SamsaError('NON_EMPTY_GROUP', `group ${group} has ${members} active member(s): stop them before deleting it`)
    }
    if (code === 69) throw new SamsaError('GROUP_ID_NOT_FOUND', `group ${group} does not exist (no members and no committed offsets)`)
    if (code !== 0) throw kafkaFailure(code, `deleting group ${group}`)
  }

  private async describeRaw(group: string) {
    const res = await this.cluster.toCoordinator(group, async (c) => {
      const answer = await c.request(DescribeGroups, {groups: [group]})
      return {...answer, errorCode: answer.groups[0]?.errorCode ?? 0}
    })
    return pickGroup(res.groups, group)
  }
}

function pickGroup<G extends {groupId: string; errorCode: number}>(groups: G[], group: string): G {
  const g = groups.find((x) => x.groupId === group) ?? groups[0]
  if (!g) throw new SamsaError('INTERNAL', `DescribeGroups gave no answer for group ${group}`)
  if (g.errorCode !== 0) throw kafkaFailure(g.errorCode, `describing group ${group}`)
  return g
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}
