// `consume --exec CMD --dead-letter TOPIC`: a record CMD keeps failing on (after --retries) is parked in
// TOPIC and the consumer moves on. The parked record keeps its key, value, timestamp and headers, and
// gains headers saying where it came from and why:
//   samsa.dead-letter.topic / .partition / .offset   its origin
//   samsa.dead-letter.error                          how CMD failed ("exit 3", "signal SIGKILL")
//   samsa.dead-letter.attempts                       how many times CMD ran
// Written with acks=all, and awaited, before the consumer commits past it: a record is never both
// unprocessed and uncommitted-for.
import type {RecordHeader} from '../../format/record.js'
import {Producer} from '../../client/producer.js'
import type {AdminApi, RecordApi} from '../../client/types.js'

export interface ParkedRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: readonly RecordHeader[]
}

export class DeadLetterQueue {
  private readonly producer: Producer

  private constructor(
    readonly topic: string,
    client: {records: RecordApi; admin: AdminApi},
  ) {
    this.producer = new Producer(client, {acks: -1})
  }

  /** UNKNOWN_TOPIC when TOPIC does not exist (it is not created on the fly). */
  static async open(client: {records: RecordApi; admin: AdminApi}, topic: string): Promise<DeadLetterQueue> {
    const q = new DeadLetterQueue(topic, client)
    await q.producer.prepare(topic)
    return q
  }

  async park(records: readonly ParkedRecord[], status: string, attempts: number): Promise<void> {
    for (const r of records) {
      const headers: RecordHeader[] = [
        ...r.headers,
        {key: 'samsa.dead-letter.topic', value: Buffer.from(r.topic)},
        {key: 'samsa.dead-letter.partition', value: Buffer.from(String(r.partition))},
        {key: 'samsa.dead-letter.offset', value: Buffer.from(String(r.offset))},
        {key: 'samsa.dead-letter.error', value: Buffer.from(status)},
        {key: 'samsa.dead-letter.attempts', value: Buffer.from(String(attempts))},
      ]
      this.producer.append(this.topic, r.value, r.key, headers, r.timestamp)
    }
    await this.producer.flush()
  }
}
