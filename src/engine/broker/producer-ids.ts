// Producer ids for idempotent producers (Kafka's ProducerIdManager, for a single broker): InitProducerId
// hands each producer an id no producer of this data directory had before, with epoch 0. Partitions keep a
// producer's sequence numbers by id across restarts (storage/producer-state.ts), so an id must never be
// handed out twice, also across a kill -9.
//
// File: <data>/producer-ids.checkpoint, the offset-checkpoint format ("0\n<n>\n", storage/checkpoint.ts):
// every id below n may have been handed out. Ids come from blocks of BLOCK_SIZE: before the first id of a
// block is given, n is moved past the block, durably (README Guarantees, rule 5). A crash loses the rest of
// its block, as Kafka's does — ids are plenty (2^53). An unreadable file is not trusted to be low: the next
// block starts above every id this daemon could have given since 2026 (the clock in µs), and it says so.
// Main thread; one blocking write per BLOCK_SIZE producers.
import {join} from 'node:path'
import {readOffsetCheckpoint, writeOffsetCheckpoint} from '../../storage/checkpoint.js'

export const PRODUCER_IDS_FILE = 'producer-ids.checkpoint'
export const BLOCK_SIZE = 1000

export interface ProducerIdAndEpoch {
  producerId: number
  producerEpoch: number
}

export class ProducerIds {
  private readonly path: string
  private next = -1 // the next id to give; -1 until the file was read
  private blockEnd = -1 // first id beyond the reserved block

  constructor(
    dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.path = join(dataDir, PRODUCER_IDS_FILE)
  }

  // A new producer id, epoch 0 (idempotence without transactions: a producer that must start over asks again).
  allocate(): ProducerIdAndEpoch {
    if (this.next < 0 || this.next >= this.blockEnd) this.reserve()
    return {producerId: this.next++, producerEpoch: 0}
  }

  private reserve(): void {
    if (this.next < 0) {
      const read = readOffsetCheckpoint(this.path)
      if (read.status === 'ok') this.next = read.offset
      else if (read.status === 'missing') this.next = 0
      else {
        this.next = Date.now() * 1000
        this.log(`${this.path} unreadable (${read.reason}): producer ids continue from ${this.next}`)
      }
    }
    writeOffsetCheckpoint(this.path, this.next + BLOCK_SIZE) // throws STORAGE_ERROR: no id is given then
    this.blockEnd = this.next + BLOCK_SIZE
  }
}
