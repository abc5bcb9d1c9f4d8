// Which partition a produced record goes to — Kafka's default partitioner, so keys land where Kafka's
// Java client and kafkajs would put them:
//   - an explicit partition wins (--partition N, or "partition" in a --jsonl envelope);
//   - a keyed record goes to murmur2(key bytes) & 0x7fffffff % partitions (format/murmur2.ts);
//   - a null key uses the sticky partitioner as Kafka's Java client has since 3.3 (KIP-794): stay on one
//     partition until a batch's worth of bytes (batch size) went to it, then move to another (random,
//     different when there is a choice). Batches stay large at low rates, and load still spreads. Not
//     KIP-480's "move on at every sealed batch": with linger 0 a batch is sealed whenever the input
//     pauses, so where a record went depended on timing — `printf 'x1\nx2\nx3'` put its last line,
//     which ends only at end of input, on another partition than the first two.
// One Partitioner per producer; state per topic lives in a Map (topic names are user data).
import {partitionForKey} from '../format/murmur2.js'

export class Partitioner {
  private readonly sticky = new Map<string, {partition: number; bytes: number}>() // bytes sealed to it so far
  private readonly random: () => number

  constructor(random: () => number = Math.random) {
    this.random = random
  }

  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions)
    let s = this.sticky.get(topic)
    if (s === undefined || s.partition >= numPartitions) {
      s = {partition: Math.floor(this.random() * numPartitions), bytes: 0}
      this.sticky.set(topic, s)
    }
    return s.partition
  }

  /** partition() of a key given as src[start, end): the line's own bytes, without a view per record. */
  partitionKeyRange(src: Uint8Array, start: number, end: number, numPartitions: number): number {
    return partitionForKey(src, numPartitions, start, end)
  }

  /** A batch of `bytes` for (topic, partition) was sealed: once the sticky one got `batchBytes`, null keys move on. */
  onBatchSealed(topic: string, partition: number, numPartitions: number, bytes: number, batchBytes: number): void {
    const s = this.sticky.get(topic)
    if (s === undefined || s.partition !== partition || numPartitions <= 1) return
    s.bytes += bytes
    if (s.bytes < batchBytes) return
    let next = Math.floor(this.random() * (numPartitions - 1))
    if (next >= partition) next++ // uniform over the others
    this.sticky.set(topic, {partition: next, bytes: 0})
  }
}
