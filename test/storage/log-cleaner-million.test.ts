// The scale test: 1 M records over 10 k keys, with updates and tombstones, in LZ4 batches across
// several segments. After cleaning, a full read returns exactly the latest value of every live key (and,
// before delete.retention.ms, the latest tombstone of every deleted one) at its original offset, offsets
// increasing; after delete.retention.ms no deleted key is left. The log is a fraction of its size.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RecordBatchBuilder} from '../../src/format/record-batch.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {OffsetMap} from '../../src/storage/offset-map.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'
import {cleanFully, type Rec, readRecords, T0} from './cleaner-helpers.js'
import {config, open, removeDir, tempDir} from './helpers.js'

const RECORDS = 1_000_000
const KEYS = 10_000
const PER_BATCH = 1000
const HOUR = 3_600_000

let root: string
let log: PartitionLog
/** key → its latest record as written (value null: the key was deleted last). */
const latest = new Map<string, {offset: number; value: string | null}>()
let sizeBefore = 0

beforeAll(() => {
  root = tempDir()
  const cfg = config({'cleanup.policy': 'compact', 'segment.bytes': 4 * 1024 * 1024, 'delete.retention.ms': HOUR})
  log = open(`${root}/big-0`, {config: cfg})
  const builder = new RecordBatchBuilder({maxBytes: 1 << 20})
  let seed = 12345
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // an LCG: the same log every run
    return seed >>> 8 // its low bits have short periods
  }
  for (let n = 0; n < RECORDS; ) {
    builder.reset()
    for (let i = 0; i < PER_BATCH; i++, n++) {
      const key = `user-${random() % KEYS}`
      const value = random() % 20 === 0 ? null : `{"n":${n},"plan":"p${n % 7}"}`
      builder.append(value === null ? null : Buffer.from(value), Buffer.from(key), T0 + Math.floor(n / PER_BATCH))
      latest.set(key, {offset: n, value})
    }
    log.append(builder.build())
  }
  log.roll()
  sizeBefore = log.sizeInBytes
  expect(log.segmentCount).toBeGreaterThan(3)
}, 300_000)

afterAll(() => {
  log?.close()
  removeDir(root)
})

function expectLatest(records: Rec[], withTombstones: boolean): void {
  const expected = [...latest].filter(([, r]) => withTombstones || r.value !== null)
  expect(records.length).toBe(expected.length)
  for (let i = 1; i < records.length; i++) expect(records[i]!.offset).toBeGreaterThan(records[i - 1]!.offset)
  const byKey = new Map(records.map((r) => [r.key!, r]))
  for (const [key, r] of expected) {
    const got = byKey.get(key)
    expect(got, key).toBeDefined()
    expect([got!.offset, got!.value], key).toEqual([r.offset, r.value])
  }
}

describe('cleaning 1 M records over 10 k keys', () => {
  it('keeps exactly the latest value of every key at its offset; tombstones until delete.retention.ms, then no deleted key', () => {
    const deleted = [...latest.values()].filter((r) => r.value === null).length
    expect(deleted).toBeGreaterThan(100)

    const [first] = cleanFully(log, new OffsetMap(), {now: T0 + 2000})
    expect(first).toMatchObject({complete: true, endOffset: RECORDS})
    expect(first!.stats).toMatchObject({recordsRead: RECORDS, recordsKept: KEYS, superseded: RECORDS - KEYS, tombstonesExpired: 0})
    expectLatest(readRecords(log), true)
    expect(log.sizeInBytes).toBeLessThan(sizeBefore / 20)

    const later = cleanFully(log, new OffsetMap(), {now: T0 + 3 * HOUR})
    expect(later.reduce((n, r) => n + r.stats.tombstonesExpired, 0)).toBe(deleted)
    const final = readRecords(log)
    expectLatest(final, false)
    expect(final.some((r) => r.value === null)).toBe(false)
    expect(log.logEndOffset).toBe(RECORDS)
    expect(verifyPartitionDir(`${root}/big-0`).problems).toEqual([])
  }, 300_000)
})
