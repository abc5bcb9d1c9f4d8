import {describe, expect, it} from 'vitest'
import {
  Compression,
  CONTROL_MASK,
  LAST_OFFSET_DELTA_POS,
  MAGIC_POS,
  RECORDS_COUNT_POS,
  writeBaseOffset,
  writeBatchCrc,
} from '../../src/format/batch-header.js'
import {encodeRecordBatch, type Record} from '../../src/format/record-batch.js'
import {scanBatches, validateBatch, validateBatchProblem, type ValidateOptions} from '../../src/format/validate-batch.js'
import {GOLDEN} from './helpers.js'

const shallow: ValidateOptions = {deep: false, maxDecompressedBytes: 1 << 20}
const deep: ValidateOptions = {deep: true, maxDecompressedBytes: 1 << 20}
const producer: ValidateOptions = {deep: true, maxDecompressedBytes: 1 << 20, producer: true}

const lines = (n: number): Record[] => Array.from({length: n}, (_, i) => ({key: null, value: Buffer.from(`line ${i}`), timestamp: 1700000000000 + i, headers: []}))

// apply a header edit and fix the CRC, so the check under test is the one that fires
function edited(batch: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(batch)
  edit(b)
  writeBatchCrc(b, 0, b.length)
  return b
}

describe('validateBatch', () => {
  it('requireKeys (a produce to a compacted topic): a keyless record is its own kind of problem, damage still damage', () => {
    const compacted: ValidateOptions = {...producer, requireKeys: true}
    const keyed = lines(3).map((r, i) => ({...r, key: Buffer.from(`k${i}`)}))
    for (const compression of [Compression.None, Compression.Lz4]) {
      expect(validateBatchProblem(encodeRecordBatch(keyed, {compression}), 0, Infinity, compacted)).toBeNull()
      const one = encodeRecordBatch([keyed[0]!, {...keyed[1]!, key: null}, keyed[2]!], {compression})
      expect(validateBatchProblem(one, 0, one.length, compacted)).toEqual({
        kind: 'keyless',
        message: 'record 1 has no key: a compacted topic (cleanup.policy=compact) keeps the latest record per key, so every record needs one',
      })
      expect(validateBatch(one, 0, one.length, producer)).toBeNull() // only asked for on compacted topics
      const damaged = Buffer.from(one)
      damaged[damaged.length - 1] ^= 1
      expect(validateBatchProblem(damaged, 0, damaged.length, compacted)).toMatchObject({kind: 'corrupt', message: expect.stringMatching(/^CRC mismatch/)})
    }
  })

  it('accepts good batches of every codec, at any position', () => {
    for (const compression of [Compression.None, Compression.Lz4, Compression.Gzip]) {
      const batch = encodeRecordBatch(lines(50), {compression})
      const buf = Buffer.concat([Buffer.alloc(3), batch, Buffer.alloc(2)])
      expect(validateBatch(buf, 3, 3 + batch.length, producer)).toBeNull()
      expect(validateBatch(buf, 3, buf.length, shallow)).toBeNull()
    }
    expect(validateBatch(GOLDEN, 0, GOLDEN.length, producer)).toBeNull()
  })

  it('describes the first problem in words a user can act on', () => {
    const b = encodeRecordBatch(lines(5), {compression: Compression.None})
    const flipped = Buffer.from(b)
    flipped[b.length - 1] ^= 1
    expect(validateBatch(flipped, 0, b.length, shallow)).toMatch(/^CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$/)
    expect(validateBatch(Buffer.concat([edited(b, (x) => x.writeInt32BE(2147483600, 8)), Buffer.alloc(2000)]), 0, 1234, shallow)).toBe('batch length 2147483600 runs past end of data (1234 bytes left)')
    expect(validateBatch(b, 0, 40, shallow)).toBe('only 40 bytes left, a batch header needs 61')
    expect(validateBatch(edited(b, (x) => (x[MAGIC_POS] = 1)), 0, b.length, shallow)).toBe('magic 1 is not 2')
    expect(validateBatch(edited(b, (x) => x.writeInt32BE(9, LAST_OFFSET_DELTA_POS)), 0, b.length, producer)).toBe('recordsCount 5 but lastOffsetDelta 9')
    expect(validateBatch(edited(b, (x) => x.writeInt32BE(2, LAST_OFFSET_DELTA_POS)), 0, b.length, shallow)).toBe('recordsCount 5 but lastOffsetDelta 2')
    const at17 = Buffer.from(b)
    writeBaseOffset(at17, 0, 17)
    expect(validateBatch(at17, 0, b.length, {...shallow, expectedBaseOffset: 20})).toBe('base offset 17, expected 20')
    expect(validateBatch(at17, 0, b.length, {...shallow, expectedBaseOffset: 17})).toBeNull()
    expect(validateBatch(edited(b, (x) => {
      x.writeInt32BE(6, RECORDS_COUNT_POS)
      x.writeInt32BE(5, LAST_OFFSET_DELTA_POS)
    }), 0, b.length, deep)).toBe('records section holds 5 records, header says 6')
    expect(validateBatch(edited(b, (x) => x.writeInt16BE(CONTROL_MASK, 21)), 0, b.length, producer)).toBe('control batches cannot be produced')
    expect(validateBatch(edited(b, (x) => x.writeInt16BE(6, 21)), 0, b.length, shallow)).toBe('compression codec 6 is not a known codec')
    expect(validateBatch(edited(b, (x) => x.writeInt16BE(Compression.Snappy, 21)), 0, b.length, deep)).toBe('snappy compression is not supported')
  })

  it('deep mode finds LZ4 damage that the CRC cannot see (a broken producer with a right CRC)', () => {
    const b = encodeRecordBatch(lines(100), {compression: Compression.Lz4})
    const bad = edited(b, (x) => {
      x[67] ^= 0xff // the frame's header checksum byte (HC)
    })
    expect(validateBatch(bad, 0, bad.length, shallow)).toBeNull()
    expect(validateBatch(bad, 0, bad.length, deep)).toMatch(/^LZ4 frame header checksum/)
    expect(validateBatch(b, 0, b.length, {deep: true, maxDecompressedBytes: 100})).toMatch(/^LZ4 frame .*100-byte limit/)
  })

  it('applies the producer rules on offsets: deltas must be exactly 0..n-1', () => {
    // a compacted-looking batch: records at deltas 0 and 2, lastOffsetDelta 2 — fine for a log, not for a producer
    const records = lines(3)
    const b = encodeRecordBatch(records, {compression: Compression.None})
    const compacted = encodeRecordBatch([records[0], records[2]], {compression: Compression.None})
    // rewrite the second record's offsetDelta (1 → 2) and the header's lastOffsetDelta (1 → 2)
    const idx = compacted.indexOf(Buffer.from('line 2')) - 3 // … offsetDelta, keyLength (null), valueLength, value
    expect(compacted[idx]).toBe(2) // zigzag(1)
    const gap = edited(compacted, (x) => {
      x[idx] = 4 // zigzag(2)
      x.writeInt32BE(2, LAST_OFFSET_DELTA_POS)
    })
    expect(validateBatch(gap, 0, gap.length, deep)).toBeNull()
    expect(validateBatch(gap, 0, gap.length, producer)).toBe('recordsCount 2 but lastOffsetDelta 2')
    const dup = edited(b, (x) => (x[x.indexOf(Buffer.from('line 1')) - 3] = 0))
    expect(validateBatch(dup, 0, dup.length, deep)).toBe('record 1 has offset delta 0, not above the previous 0')
    expect(validateBatch(dup, 0, dup.length, producer)).toBe('record 1 has offset delta 0, expected 1')
  })

  it('never throws on arbitrary bytes', () => {
    const b = encodeRecordBatch(lines(20), {compression: Compression.Lz4})
    for (let at = 0; at < b.length; at++) {
      const bad = edited(b, (x) => (x[at] ^= 0x5a))
      expect(() => validateBatch(bad, 0, bad.length, deep)).not.toThrow()
      expect(() => validateBatch(b, 0, at, deep)).not.toThrow()
    }
  })
})

describe('scanBatches', () => {
  const b1 = encodeRecordBatch(lines(3), {baseOffset: 0})
  const b2 = encodeRecordBatch(lines(4), {baseOffset: 3})
  const b3 = encodeRecordBatch(lines(2), {baseOffset: 7, compression: Compression.None})

  it('walks a log segment and reports where it ends and the next offset', () => {
    const log = Buffer.concat([b1, b2, b3])
    expect(scanBatches(log, 0, log.length, {deep: true})).toEqual({batches: 3, validEnd: log.length, nextOffset: 9, problem: null})
  })

  it('stops at a torn tail, which recovery truncates to validEnd', () => {
    const log = Buffer.concat([b1, b2, b3.subarray(0, 30)])
    expect(scanBatches(log, 0, log.length)).toEqual({batches: 2, validEnd: b1.length + b2.length, nextOffset: 7, problem: 'only 30 bytes left, a batch header needs 61'})
  })

  it('stops at a corrupt batch or offsets going backwards', () => {
    const bad = Buffer.from(b2)
    bad[bad.length - 1] ^= 1
    expect(scanBatches(Buffer.concat([b1, bad, b3]), 0, b1.length + bad.length + b3.length).problem).toMatch(/^CRC mismatch/)
    const back = Buffer.concat([b2, b1])
    expect(scanBatches(back, 0, back.length)).toMatchObject({batches: 1, validEnd: b2.length, problem: "base offset 0 is below the previous batch's next offset 7"})
  })
})

describe('bounds given by the caller', () => {
  it('an end beyond the buffer is treated as the buffer end, not a crash', () => {
    const b = encodeRecordBatch(lines(2))
    expect(validateBatch(b.subarray(0, 70), 0, 10_000, deep)).toMatch(/runs past end of data \(70 bytes left\)/)
    expect(scanBatches(b, 0, 10_000).problem).toBeNull()
  })
})
