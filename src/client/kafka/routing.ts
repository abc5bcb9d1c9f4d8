// Sending a per-partition request to each partition's leader: group the partitions by leader, one request
// per leader (concurrently), answers back in the caller's order. A partition whose leader moved (Kafka's
// NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE) or whose leader cannot be reached is looked up afresh and
// sent again, a few times with a short backoff, as Kafka's clients do after a leader election.
import {isSamsaError} from '../../errors.js'
import type {TopicPartition} from '../types.js'
import type {KafkaCluster} from './cluster.js'
import type {KafkaConnection} from './connection.js'
import {LEADER_MOVED} from './errors.js'

const ATTEMPTS = 6
const BACKOFF_MS = 100

export interface Routed {
  errorCode: number
}

/**
 * send(connection, items) answers every item it was given, in the same order. noLeader(item) is the
 * answer for a partition without a leader (an unknown topic). Results come back in `items` order.
 */
export async function perLeader<P extends TopicPartition, R extends Routed>(
  cluster: KafkaCluster,
  items: P[],
  send: (connection: KafkaConnection, items: P[]) => Promise<R[]>,
  noLeader: (item: P, errorCode: number) => R,
): Promise<R[]> {
  const results: (R | undefined)[] = new Array(items.length)
  let todo = items.map((_, i) => i)
  for (let attempt = 1; todo.length > 0; attempt++) {
    const last = attempt >= ATTEMPTS
    const groups = new Map<number, {connection: KafkaConnection; indexes: number[]}>()
    const retry: number[] = []
    for (const i of todo) {
      const it = items[i]!
      const leader = await cluster.leader(it.topic, it.partition).catch((err: unknown) => {
        if (last || !isSamsaError(err) || !err.retriable) throw err
        return undefined
      })
      if (leader === undefined) retry.push(i)
      else if (leader === null) results[i] = noLeader(it, 3)
      else {
        let g = groups.get(leader.node)
        if (!g) groups.set(leader.node, (g = {connection: leader.connection, indexes: []}))
        g.indexes.push(i)
      }
    }
    await Promise.all(
      [...groups.values()].map(async (g) => {
        let answers: R[]
        try {
          answers = await send(g.connection, g.indexes.map((i) => items[i]!))
        } catch (err) {
          if (last || !isSamsaError(err) || !err.retriable) throw err
          // the broker went away: look its partitions up again
          for (const i of g.indexes) cluster.invalidateLeader(items[i]!.topic, items[i]!.partition)
          retry.push(...g.indexes)
          return
        }
        g.indexes.forEach((i, n) => {
          const r = answers[n]!
          if (LEADER_MOVED.has(r.errorCode) && !last) {
            cluster.invalidateLeader(items[i]!.topic, items[i]!.partition)
            retry.push(i)
          } else results[i] = r
        })
      }),
    )
    todo = retry
    if (todo.length > 0) await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * attempt))
  }
  return results as R[]
}
