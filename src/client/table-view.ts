// The table a keyed topic stands for (`samsa table`): the latest value of every key, tombstones applied —
// read by scanning the topic from its log start, as a Kafka Streams KTable is built from its changelog.
// Backend-neutral: it uses only the Client API (a Consumer over every partition).
//
// Rules: a record replaces what its key held when it comes later in the same partition, or, for a key
// found in several partitions (produced with explicit partitions), when its timestamp is not older; a
// tombstone (null value) removes the key; records without a key belong to no row (counted). asOf: each
// partition is read up to its first record with a timestamp after asOf (ListOffsets), i.e. the table as
// it was at that time — exactly so only where the log still holds that time's records: below a compacted
// partition's firstDirtyOffset a cleaning pass kept only values that were still the latest when it ran,
// so a key overwritten after asOf may be missing (`compactedPast` names those partitions).
// Memory: the live rows (keys and values), not the log.
import type {RecordView} from '../format/record-batch.js'
import type {Client} from './types.js'

export interface TableRow {
  key: Buffer
  value: Buffer
  partition: number
  offset: number
  timestamp: number
  headers: {key: string; value: Buffer | null}[]
}

export interface TableView {
  topic: string
  rows: TableRow[] // sorted by key bytes
  records: number // read
  keyless: number // read, without a key: in no row
  deleted: number // keys a tombstone removed
  compactedPast: {partition: number; firstDirtyOffset: number}[] // with asOf: partitions cleaned past that time
}

interface Entry {
  key: Buffer
  value: Buffer | null
  partition: number
  offset: number
  timestamp: number
  headers: {key: string; value: Buffer | null}[]
}

export async function readTable(client: Pick<Client, 'admin' | 'records'>, topic: string, options: {asOf?: number} = {}): Promise<TableView> {
  const {Consumer} = await import('./consumer.js') // LZ4 and the record reader, loaded when a table is read
  const asOf = options.asOf
  const consumer = await Consumer.open(client, {
    topics: [topic],
    from: {kind: 'beginning'},
    until: asOf === undefined ? undefined : {kind: 'time', timestamp: asOf + 1}, // the first record after asOf
  })
  const byKey = new Map<string, Entry>() // key bytes as latin1: one code unit per byte, so order = byte order
  let records = 0
  let keyless = 0
  const visit = (c: {partition: number}, r: RecordView): void => {
    records++
    const key = r.key
    if (key === null) {
      keyless++
      return
    }
    const id = key.toString('latin1')
    const held = byKey.get(id)
    if (held && held.partition !== c.partition && r.timestamp < held.timestamp) return
    const value = r.value
    const headers = r.headers.map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)}))
    const entry = {key: held?.key ?? Buffer.from(key), value: value === null ? null : Buffer.from(value), partition: c.partition, offset: r.offset, timestamp: r.timestamp, headers}
    byKey.set(id, entry)
  }
  try {
    while (!consumer.done) {
      await consumer.poll(visit)
      const failed = consumer.failure
      if (failed) throw failed.error
    }
  } finally {
    consumer.stop()
  }
  const rows: TableRow[] = []
  let deleted = 0
  for (const id of [...byKey.keys()].sort()) {
    const e = byKey.get(id)!
    if (e.value === null) deleted++
    else rows.push({key: e.key, value: e.value, partition: e.partition, offset: e.offset, timestamp: e.timestamp, headers: e.headers})
  }
  const compactedPast: TableView['compactedPast'] = []
  if (asOf !== undefined) {
    const described = await client.admin.describeTopic(topic)
    for (const c of consumer.assignments) {
      const cleaner = described.partitions.find((p) => p.partition === c.partition)?.cleaner
      if (cleaner && cleaner.lastCleanedAt !== null && c.end < cleaner.firstDirtyOffset) {
        compactedPast.push({partition: c.partition, firstDirtyOffset: cleaner.firstDirtyOffset})
      }
    }
  }
  return {topic, rows, records, keyless, deleted, compactedPast}
}
