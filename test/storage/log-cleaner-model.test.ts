// The log cleaner against a simple model, on random logs (fast-check): after cleaning until nothing is
// dirty, a full read returns exactly the latest record of every key, in offset order at unchanged
// offsets — tombstones included while younger than delete.retention.ms, gone once older — and nothing
// without a key. Whatever the batch sizes, codecs, segment rolls, offset-map size and step budget.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {OffsetMap} from '../../src/storage/offset-map.js'
import {cleanFully, keyed, type Rec, readRecords, T0} from './cleaner-helpers.js'
import {abandon, config, open, removeDir, tempDir} from './helpers.js'

const HOUR = 3_600_000

/** What compaction keeps: the latest record per key, tombstones only while young; keyless records go. */
function model(records: readonly Rec[], tombstonesExpired: boolean): Rec[] {
  const latest = new Map<string, Rec>()
  for (const r of records) if (r.key !== null) latest.set(r.key, r)
  return [...latest.values()].filter((r) => r.value !== null || !tombstonesExpired).sort((a, b) => a.offset - b.offset)
}

const record = fc.tuple(
  fc.option(fc.integer({min: 0, max: 30}).map((k) => `key-${k}`), {freq: 15, nil: null}),
  fc.option(fc.string({maxLength: 40}), {freq: 6, nil: null}),
)
const writes = fc.array(
  fc.record({
    records: fc.array(record, {minLength: 1, maxLength: 12}),
    compression: fc.constantFrom(Compression.Lz4, Compression.None),
    roll: fc.boolean(),
  }),
  {minLength: 1, maxLength: 40},
)

describe('the log cleaner against a model', () => {
  it('converges to the latest record per key, with the tombstone rules, whatever the log and the map', () => {
    fc.assert(
      fc.property(
        writes,
        fc.constantFrom(1024, 2048, 8192),
        fc.constantFrom(24 * 16, 24 * 64, 24 * 1024), // 14, 57 or 921 keys a pass
        fc.constantFrom(512, 4096, 1 << 20),
        fc.boolean(),
        (batches, segmentBytes, mapBytes, budget, expired) => {
          const root = tempDir()
          const dir = `${root}/model-0`
          try {
            const cfg = config({'cleanup.policy': 'compact', 'segment.bytes': segmentBytes, 'index.interval.bytes': 256, 'delete.retention.ms': HOUR})
            const log = open(dir, {config: cfg})
            batches.forEach((b, i) => {
              log.append(keyed(b.records, {timestamp: T0 + i * 100, compression: b.compression}))
              if (b.roll) log.roll()
            })
            log.roll()
            const before = readRecords(log)
            const now = expired ? T0 + 10 * HOUR : T0 + 60_000
            const results = cleanFully(log, new OffsetMap({memoryBytes: mapBytes}), {now}, budget)
            expect(results.every((r) => r.abandoned === null)).toBe(true)
            const expected = model(before, expired)
            expect(readRecords(log)).toEqual(expected)
            expect(verifyPartitionDir(dir).problems).toEqual([])
            abandon(log)
            const again = open(dir, {config: cfg})
            expect(again.recovery.quarantined).toBeNull()
            expect(readRecords(again)).toEqual(expected)
            expect(again.logEndOffset).toBe(before.at(-1)!.offset + 1)
            again.close()
          } finally {
            removeDir(root)
          }
        },
      ),
      {numRuns: 150},
    )
  })
})
