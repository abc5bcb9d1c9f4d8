// What the group commands share: the capability check, and the members table of `group describe`.
import type {Client, GroupDescription, TopicPartition} from '../client/index.js'
import {SamsaError} from '../errors.js'
import {table} from './output.js'

export function requireMembership(client: Client): void {
  if (!client.supports('membership')) throw new SamsaError('INVALID_REQUEST', 'this daemon does not support consumer groups yet (ListGroups, DescribeGroups)')
}

// t: 0,1,3  u: 2 — a member's partitions, by topic
export function partitionList(tps: readonly TopicPartition[]): string {
  const byTopic = new Map<string, number[]>()
  for (const tp of tps) {
    let list = byTopic.get(tp.topic)
    if (!list) byTopic.set(tp.topic, (list = []))
    list.push(tp.partition)
  }
  return [...byTopic].map(([t, ps]) => `${t}: ${ps.sort((a, b) => a - b).join(',')}`).join('  ') || '-'
}

export function describeMembers(g: GroupDescription): string {
  return table(
    ['MEMBER', 'INSTANCE', 'CLIENT', 'HOST', 'EPOCH', 'ASSIGNMENT'],
    g.members.map((m) => {
      const same = m.target.length === m.assignment.length && m.target.every((t) => m.assignment.some((a) => a.topic === t.topic && a.partition === t.partition))
      const assignment = same ? partitionList(m.assignment) : `${partitionList(m.assignment)} → ${partitionList(m.target)}`
      return [m.memberId, m.instanceId ?? '-', m.clientId, m.clientHost, m.memberEpoch, assignment]
    }),
    {align: ['left', 'left', 'left', 'left', 'right', 'left']},
  )
}
