// Which partition a produced record goes to — Kafka's default partitioner, so keys land where Kafka's
// Java client and kafkajs would put them:
//   - an explicit partition wins (--partition N, or "partition" in a --jsonl envelope);
//   - a keyed record goes to murmur2(key bytes) & 0x7fffffff % partitions (format/murmur2.ts);
//   - a null key uses the sticky partitioner (KIP-480): stay on one partition so records fill one batch,
//     and move to another (random, different when there is a choice) each time a batch for the current
//     sticky partition is sealed. Batches stay large at low rates, and load still spreads.
// One Partitioner per producer; state per topic lives in a Map (topic names are user data).
import {partitionForKey} from '../format/murmur2.js'

export class Partitioner {
  private readonly sticky = new Map<string, number>()
  private readonly random: () => number

  constructor(random: () => number = Math.random) {
    this.random = random
  }

  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions)
    let p = this.sticky.get(topic)
    if (p === undefined || p >= numPartitions) {
      p = Math.floor(this.random() * numPartitions)
      this.sticky.set(topic, p)
    }
    return p
  }

  /** A batch for (topic, partition) was sealed: if it was the sticky one, null keys move on. */
  onBatchSealed(topic: string, partition: number, numPartitions: number): void {
    if (this.sticky.get(topic) !== partition || numPartitions <= 1) return
    let next = Math.floor(this.random() * (numPartitions - 1))
    if (next >= partition) next++ // uniform over the others
    this.sticky.set(topic, next)
  }
}
