// Rebuilding a batch with some of its records (what the log cleaner writes): every kept record reads back
// with its offset, timestamp, key, value and headers; the codec, offsets and producer fields stay; the
// batch is valid (CRC, deep checks). An empty batch is Kafka's header-only batch.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {Compression, compressionOf, readBatchHeader, TIMESTAMP_TYPE_MASK} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch, forEachRecord} from '../../src/format/record-batch.js'
import {emptyBatchOf, RetainedBatchBuilder} from '../../src/format/retained-batch.js'
import {validateBatch} from '../../src/format/validate-batch.js'
import {recordsArb} from './helpers.js'

const DEEP = {deep: true, maxDecompressedBytes: 1 << 24}

function retain(batch: Buffer, keep: (i: number) => boolean, builder = new RetainedBatchBuilder()): Buffer {
  builder.reset()
  let i = 0
  const h = forEachRecord(batch, (r) => {
    if (keep(i++)) builder.keep(r.buffer, r.recordStart, r.recordEnd, r.timestamp)
  })
  return Buffer.from(builder.build(batch, 0, h))
}

describe('RetainedBatchBuilder', () => {
  it('keeps the chosen records exactly, with the batch codec, offsets and producer fields (any records, any choice)', () => {
    const builder = new RetainedBatchBuilder()
    fc.assert(
      fc.property(recordsArb, fc.constantFrom(Compression.None, Compression.Lz4, Compression.Gzip), fc.func(fc.boolean()), (records, compression, choose) => {
        const options = {compression, baseOffset: 1000, producerId: 7, producerEpoch: 2, baseSequence: 40, partitionLeaderEpoch: 5}
        const original = encodeRecordBatch(records, options)
        const keep = (i: number): boolean => i === 0 || choose(i)
        const rebuilt = retain(original, keep, builder)
        expect(validateBatch(rebuilt, 0, rebuilt.length, DEEP)).toBeNull()
        const before = decodeRecordBatch(original)
        const after = decodeRecordBatch(rebuilt)
        expect(after.records).toEqual(before.records.filter((_, i) => keep(i)))
        const {crc: _c1, batchLength: _l1, recordsCount, maxTimestamp, ...same} = after.header
        const {crc: _c2, batchLength: _l2, recordsCount: _n, maxTimestamp: _m, ...was} = before.header
        expect(same).toEqual(was) // baseOffset, lastOffsetDelta, attributes (codec), epochs, sequence, baseTimestamp
        expect(compressionOf(after.header.attributes)).toBe(compression)
        expect(recordsCount).toBe(after.records.length)
        expect(maxTimestamp).toBe(Math.max(...after.records.map((r) => r.timestamp)))
      }),
      {numRuns: 200},
    )
  })

  it('a LogAppendTime batch keeps its maxTimestamp: every record still reads as the append time', () => {
    const original = encodeRecordBatch(
      [1, 2, 3].map((i) => ({key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp: 1000 + i, headers: []})),
      {logAppendTime: true},
    )
    const rebuilt = retain(original, (i) => i === 0)
    const h = readBatchHeader(rebuilt)
    expect(h.attributes & TIMESTAMP_TYPE_MASK).toBe(TIMESTAMP_TYPE_MASK)
    expect(h.maxTimestamp).toBe(readBatchHeader(original).maxTimestamp)
    expect(decodeRecordBatch(rebuilt).records.map((r) => r.timestamp)).toEqual([h.maxTimestamp])
  })

  it('refuses to build a batch with no record', () => {
    const original = encodeRecordBatch([{key: null, value: null, timestamp: 0, headers: []}])
    expect(() => new RetainedBatchBuilder().build(original, 0, readBatchHeader(original))).toThrow(/needs a record/)
  })
})

describe('emptyBatchOf', () => {
  it("is Kafka's header-only batch: same offsets and producer fields, no records, codec none, valid", () => {
    const original = encodeRecordBatch(
      [1, 2, 3].map((i) => ({key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp: 5000 + i, headers: []})),
      {baseOffset: 70, producerId: 9, producerEpoch: 1, baseSequence: 12},
    )
    const empty = emptyBatchOf(readBatchHeader(original))
    expect(empty.length).toBe(61)
    expect(validateBatch(empty, 0, empty.length, DEEP)).toBeNull()
    expect(readBatchHeader(empty)).toMatchObject({
      baseOffset: 70,
      lastOffsetDelta: 2,
      recordsCount: 0,
      attributes: 0,
      producerId: 9,
      producerEpoch: 1,
      baseSequence: 12,
      baseTimestamp: 5003,
      maxTimestamp: 5003,
    })
    expect(decodeRecordBatch(empty).records).toEqual([])
  })
})
