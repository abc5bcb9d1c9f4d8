// What `samsa group list` and `samsa group describe` show, whatever protocol the members speak: a group's
// membership (a Membership, from the consumer-protocol or the classic group) and its committed offsets,
// with each partition's log start and end and the lag. Main thread; reads the log ends through the
// Broker's typed listOffsets.
//
// Which partitions: every partition of every topic the group has committed offsets for, or that a member
// subscribes to or is assigned (so a partition nobody committed yet shows up, with its lag). Lag is what
// is left to read: logEndOffset − max(committed, logStartOffset), or logEndOffset − logStartOffset where
// the group has no commit (currentOffset -1); never negative.
import type {Broker} from '../broker/broker.js'
import {compareTp, type TopicPartition} from './assignors.js'
import type {CommittedOffset} from './offset-store.js'

export type GroupType = 'consumer' | 'classic' | '' // '' — committed offsets only (Kafka's protocol type "")

export interface GroupListing {
  group: string
  type: GroupType
  state: string
  members: number
}

export interface MemberDescription {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  memberEpoch: number // the member's epoch (consumer protocol) or the group's generation (classic)
  topics: string[] // what it subscribes to
  assignment: TopicPartition[] // what it owns now
  target: TopicPartition[] // what it will own once the handover is done (classic: = assignment)
}

// A group's members as a protocol's group state describes them.
export interface Membership {
  group: string
  type: 'consumer' | 'classic'
  state: string // consumer: Reconciling | Stable; classic: PreparingRebalance | CompletingRebalance | Stable
  epoch: number // group epoch (consumer) or generation (classic)
  assignor: string // the server assignor, or the classic protocol the members agreed on
  members: MemberDescription[]
  owner(topic: string, partition: number): string | undefined // member id
}

export interface PartitionLag {
  topic: string
  partition: number
  currentOffset: number // the committed offset (the next to read), -1 when none
  logStartOffset: number
  logEndOffset: number
  lag: number
  memberId: string // '' when no member owns it
  clientId: string
}

export interface GroupDescription {
  group: string
  type: GroupType
  state: string // Empty when it has no members
  epoch: number
  assignor: string
  members: MemberDescription[]
  partitions: PartitionLag[]
  totalLag: number
}

export async function describeGroup(
  broker: Broker,
  group: string,
  membership: Membership | null,
  committed: readonly CommittedOffset[],
): Promise<GroupDescription> {
  const topics = new Set<string>(committed.map((c) => c.topic))
  for (const m of membership?.members ?? []) {
    for (const t of m.topics) topics.add(t)
    for (const tp of m.assignment) topics.add(tp.topic)
  }
  const wanted: TopicPartition[] = []
  for (const topic of [...topics].sort()) {
    const n = broker.partitionCount(topic)
    for (let partition = 0; partition < (n ?? 0); partition++) wanted.push({topic, partition})
  }
  wanted.sort(compareTp)
  const [starts, ends] = await Promise.all([
    broker.listOffsets(wanted.map((tp) => ({...tp, timestamp: -2}))),
    broker.listOffsets(wanted.map((tp) => ({...tp, timestamp: -1}))),
  ])
  const commits = new Map(committed.map((c) => [`${c.topic}\0${c.partition}`, c.offset]))
  const clients = new Map((membership?.members ?? []).map((m) => [m.memberId, m.clientId]))
  let totalLag = 0
  const partitions = wanted.map((tp, i): PartitionLag => {
    const logStartOffset = starts[i]!.error ? -1 : starts[i]!.offset
    const logEndOffset = ends[i]!.error ? -1 : ends[i]!.offset
    const currentOffset = commits.get(`${tp.topic}\0${tp.partition}`) ?? -1
    const from = Math.max(currentOffset, logStartOffset)
    const lag = logEndOffset < 0 ? 0 : Math.max(0, logEndOffset - from)
    totalLag += lag
    const memberId = membership?.owner(tp.topic, tp.partition) ?? ''
    return {...tp, currentOffset, logStartOffset, logEndOffset, lag, memberId, clientId: clients.get(memberId) ?? ''}
  })
  return {
    group,
    type: membership?.type ?? '',
    state: membership?.state ?? 'Empty',
    epoch: membership?.epoch ?? 0,
    assignor: membership?.assignor ?? '',
    members: membership?.members ?? [],
    partitions,
    totalLag,
  }
}
