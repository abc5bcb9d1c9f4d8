// `samsa group reset`: where a group's committed offsets would move (the plan), and moving them. Backend-
// neutral, on the Client's admin (log start and end, offsets by time) and groups (committed offsets, members).
//
//   earliest        the log start offset
//   latest          the log end offset
//   offset N        N
//   time T          the first offset whose record timestamp ≥ T (--to-datetime, --by-duration); the log end
//                   when no record is that recent
//   shift ±N        the committed offset + N; a partition without a committed offset is refused
// Out of range: a new offset below the log start or above the log end is CLAMPED to it, with a warning
// per partition (`clamped` in the plan says which) — Kafka's kafka-consumer-groups.sh does the same.
// Executing commits the plan as a "simple" commit, which the coordinator refuses (NON_EMPTY_GROUP) while the
// group has members: reset moves only an idle group. A group that does not exist yet may be reset (it is
// created with these offsets), so a group can be positioned before its first member starts.
import {SamsaError, isSamsaError} from '../errors.js'
import {EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type AdminApi, type GroupApi, type TopicPartition} from './types.js'
import {validateTopicName} from './topic-name.js'

export type ResetSpec =
  | {kind: 'earliest'}
  | {kind: 'latest'}
  | {kind: 'offset'; offset: number}
  | {kind: 'time'; timestamp: number}
  | {kind: 'shift'; by: number}

export interface ResetTarget {
  topic: string
  partitions?: number[] // all of the topic's when omitted
}

export interface ResetPlanEntry {
  topic: string
  partition: number
  currentOffset: number // -1 when the group has no commit for it
  newOffset: number
  logStartOffset: number
  logEndOffset: number
  clamped?: 'logStartOffset' | 'logEndOffset' // the offset asked for was outside the log, moved to this end
}

export interface ResetPlan {
  group: string
  activeMembers: number
  partitions: ResetPlanEntry[]
}

/** "T" or "T:0,2,5" → a target; USAGE for anything else. */
export function parseResetTarget(text: string): ResetTarget {
  const colon = text.lastIndexOf(':')
  if (colon < 0) {
    validateTopicName(text)
    return {topic: text}
  }
  const topic = text.slice(0, colon)
  validateTopicName(topic)
  const list = text.slice(colon + 1).split(',')
  if (list.some((p) => !/^\d+$/.test(p))) throw new SamsaError('USAGE', `bad --topic '${text}': expected TOPIC or TOPIC:P,P,... with partition numbers`)
  return {topic, partitions: [...new Set(list.map(Number))].sort((a, b) => a - b)}
}

export async function planReset(
  client: {admin: AdminApi; groups: GroupApi},
  group: string,
  targets: readonly ResetTarget[],
  spec: ResetSpec,
  warn: (message: string) => void,
): Promise<ResetPlan> {
  const wanted: TopicPartition[] = []
  for (const t of targets) {
    const d = await client.admin.describeTopic(t.topic)
    const all = d.partitions.map((p) => p.partition).sort((a, b) => a - b)
    for (const partition of t.partitions ?? all) {
      if (!all.includes(partition)) throw new SamsaError('UNKNOWN_PARTITION', `partition ${partition} does not exist: topic ${t.topic} has ${all.length} partition${all.length === 1 ? '' : 's'}`)
      if (!wanted.some((w) => w.topic === t.topic && w.partition === partition)) wanted.push({topic: t.topic, partition})
    }
  }
  const ask = async (timestamp: number): Promise<number[]> => {
    const listed = await client.admin.listOffsets(wanted.map((tp) => ({...tp, timestamp})))
    return listed.map((l) => {
      if (l.error) throw new SamsaError(l.error.code, `${l.topic}-${l.partition}: ${l.error.message}`)
      return l.offset
    })
  }
  const [starts, ends, byTime, committed] = await Promise.all([
    ask(EARLIEST_TIMESTAMP),
    ask(LATEST_TIMESTAMP),
    spec.kind === 'time' ? ask(spec.timestamp) : Promise.resolve(null),
    client.groups.fetchOffsets(group, wanted),
  ])
  const partitions = wanted.map((tp, i): ResetPlanEntry => {
    const logStartOffset = starts[i]!
    const logEndOffset = ends[i]!
    const currentOffset = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset ?? -1
    let asked: number
    switch (spec.kind) {
      case 'earliest':
        asked = logStartOffset
        break
      case 'latest':
        asked = logEndOffset
        break
      case 'offset':
        asked = spec.offset
        break
      case 'time':
        asked = byTime![i]! < 0 ? logEndOffset : byTime![i]!
        break
      case 'shift':
        if (currentOffset < 0) {
          throw new SamsaError('INVALID_INPUT', `${tp.topic}-${tp.partition} has no committed offset in group ${group} to shift from (use --to-earliest, --to-latest or --to-offset)`)
        }
        asked = currentOffset + spec.by
        break
    }
    const entry: ResetPlanEntry = {...tp, currentOffset, newOffset: asked, logStartOffset, logEndOffset}
    if (asked < logStartOffset || asked > logEndOffset) {
      entry.clamped = asked < logStartOffset ? 'logStartOffset' : 'logEndOffset'
      entry.newOffset = asked < logStartOffset ? logStartOffset : logEndOffset
      const where = asked < logStartOffset ? `before the log start ${logStartOffset}` : `past the log end ${logEndOffset}`
      warn(`${tp.topic}-${tp.partition}: offset ${asked} is ${where}; using ${entry.newOffset}`)
    }
    return entry
  })
  return {group, activeMembers: await activeMembers(client.groups, group), partitions}
}

/** Commits the plan: NON_EMPTY_GROUP while the group has members. */
export async function executeReset(groups: GroupApi, plan: ResetPlan): Promise<void> {
  if (plan.partitions.length === 0) return
  const results = await groups.commitOffsets(plan.group, plan.partitions.map((p) => ({topic: p.topic, partition: p.partition, offset: p.newOffset})))
  for (const r of results) if (r.error) throw new SamsaError(r.error.code, `${r.topic}-${r.partition}: ${r.error.message}`)
}

async function activeMembers(groups: GroupApi, group: string): Promise<number> {
  try {
    return (await groups.describeGroup(group)).members.length
  } catch (err) {
    if (isSamsaError(err) && err.code === 'GROUP_ID_NOT_FOUND') return 0
    throw err
  }
}
