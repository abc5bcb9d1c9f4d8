// The server-side assignors of the consumer protocol (KIP-848): given the members, what each subscribes
// to, the partitions of those topics and the current target, each computes a new target assignment.
// Pure functions, main thread. Every partition of a subscribed topic goes to exactly one member that
// subscribes to its topic; a topic nobody subscribes to, or that does not exist, is not assigned.
//
//   range       per topic, the members subscribed to it (in order) get contiguous runs of partitions;
//               the first (partitions % members) get one more — Kafka's RangeAssignor
//   roundrobin  every partition of every topic, in (topic, partition) order, dealt to the members in turn,
//               skipping those that do not subscribe to its topic — Kafka's RoundRobinAssignor
//   sticky      keeps each member's current partitions where it still subscribes, deals the rest to the
//               members with the fewest, then moves partitions from the most to the least loaded until no
//               two members differ by more than one (among those that could take it) — Kafka 4's
//               "uniform" server assignor in spirit: balanced, and as few movements as balance allows
//
// Member order: by instance id for static members, by member id for the others (Kafka's order), so the
// same group always gets the same answer.

export interface TopicPartition {
  topic: string
  partition: number
}

export interface AssignorMember {
  memberId: string
  instanceId: string | null
  topics: readonly string[] // the subscription
  current: readonly TopicPartition[] // the member's partitions in the current target (sticky keeps them)
}

// partitions: topic → partition count, for every subscribed topic that exists
export type Assignor = (members: readonly AssignorMember[], partitions: ReadonlyMap<string, number>) => Map<string, TopicPartition[]>

export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map<string, Assignor>([
  ['range', range],
  ['roundrobin', roundRobin],
  ['sticky', sticky],
])
export const DEFAULT_ASSIGNOR = 'sticky'

function ordered(members: readonly AssignorMember[]): AssignorMember[] {
  const key = (m: AssignorMember): string => m.instanceId ?? m.memberId
  return [...members].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.memberId < b.memberId ? -1 : 1))
}

function emptyResult(members: readonly AssignorMember[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]))
}

function sortedTopics(partitions: ReadonlyMap<string, number>): string[] {
  return [...partitions.keys()].sort()
}

function range(members: readonly AssignorMember[], partitions: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const out = emptyResult(members)
  const sorted = ordered(members)
  for (const topic of sortedTopics(partitions)) {
    const subscribers = sorted.filter((m) => m.topics.includes(topic))
    if (subscribers.length === 0) continue
    const n = partitions.get(topic)!
    const each = Math.floor(n / subscribers.length)
    const extra = n % subscribers.length
    let next = 0
    subscribers.forEach((m, i) => {
      const count = each + (i < extra ? 1 : 0)
      for (let k = 0; k < count; k++) out.get(m.memberId)!.push({topic, partition: next++})
    })
  }
  return out
}

function roundRobin(members: readonly AssignorMember[], partitions: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const out = emptyResult(members)
  const sorted = ordered(members)
  if (sorted.length === 0) return out
  let turn = 0
  for (const topic of sortedTopics(partitions)) {
    if (!sorted.some((m) => m.topics.includes(topic))) continue
    for (let partition = 0; partition < partitions.get(topic)!; partition++) {
      while (!sorted[turn % sorted.length]!.topics.includes(topic)) turn++
      out.get(sorted[turn % sorted.length]!.memberId)!.push({topic, partition})
      turn++
    }
  }
  return out
}

function sticky(members: readonly AssignorMember[], partitions: ReadonlyMap<string, number>): Map<string, TopicPartition[]> {
  const sorted = ordered(members)
  const owner = new Map<string, string>() // tp key → member id
  const load = new Map<string, string[]>(sorted.map((m) => [m.memberId, []])) // member id → tp keys
  const subscribes = (m: AssignorMember, topic: string): boolean => m.topics.includes(topic) && partitions.has(topic)
  const exists = (topic: string, partition: number): boolean => partition < (partitions.get(topic) ?? 0)
  const give = (memberId: string, key: string): void => {
    owner.set(key, memberId)
    load.get(memberId)!.push(key)
  }
  // 1. keep what each member has and may still have
  for (const m of sorted) {
    for (const tp of m.current) {
      const key = tpKey(tp.topic, tp.partition)
      if (subscribes(m, tp.topic) && exists(tp.topic, tp.partition) && !owner.has(key)) give(m.memberId, key)
    }
  }
  // 2. deal the rest to the least loaded member that subscribes
  for (const topic of sortedTopics(partitions)) {
    const candidates = sorted.filter((m) => subscribes(m, topic))
    if (candidates.length === 0) continue
    for (let partition = 0; partition < partitions.get(topic)!; partition++) {
      const key = tpKey(topic, partition)
      if (owner.has(key)) continue
      let best = candidates[0]!
      for (const c of candidates) if (load.get(c.memberId)!.length < load.get(best.memberId)!.length) best = c
      give(best.memberId, key)
    }
  }
  // 3. balance: move from the most loaded to a less loaded member that can take it, while they differ by 2+
  for (let moved = true; moved; ) {
    moved = false
    const byLoad = [...sorted].sort((a, b) => load.get(b.memberId)!.length - load.get(a.memberId)!.length)
    for (const heavy of byLoad) {
      const keys = load.get(heavy.memberId)!
      for (let i = keys.length - 1; i >= 0 && !moved; i--) {
        const topic = topicOf(keys[i]!)
        const light = [...byLoad].reverse().find((m) => subscribes(m, topic) && load.get(m.memberId)!.length + 2 <= keys.length)
        if (!light) continue
        const [key] = keys.splice(i, 1)
        give(light.memberId, key!)
        moved = true
      }
      if (moved) break
    }
  }
  const out = emptyResult(members)
  for (const [memberId, keys] of load) out.set(memberId, keys.map(fromKey).sort(compareTp))
  return out
}

// topic names cannot hold NUL (Kafka's rule), so this key never collides
export function tpKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}

function topicOf(key: string): string {
  return key.slice(0, key.lastIndexOf('\0'))
}

export function fromKey(key: string): TopicPartition {
  const i = key.lastIndexOf('\0')
  return {topic: key.slice(0, i), partition: Number(key.slice(i + 1))}
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}
