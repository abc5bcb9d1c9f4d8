import {describe, expect, it} from 'vitest'
import {
  ATTRIBUTES_POS,
  BATCH_HEADER_SIZE,
  batchSizeOf,
  Compression,
  compressionName,
  compressionOf,
  computeBatchCrc,
  CRC_POS,
  crcMatches,
  endOffsetOf,
  lastOffsetOf,
  LOG_OVERHEAD,
  readBatchHeader,
  readInt64,
  setLogAppendTime,
  writeBaseOffset,
  writeBatchCrc,
  writeInt64,
  writeMaxTimestamp,
} from '../../src/format/batch-header.js'
import {decodeRecordBatch} from '../../src/format/record-batch.js'
import {expectCorrupt, GOLDEN} from './helpers.js'

describe('batch header', () => {
  it('reads every field of the golden batch at any position', () => {
    const buf = Buffer.concat([Buffer.alloc(5), GOLDEN])
    const h = readBatchHeader(buf, 5)
    expect(h).toMatchObject({baseOffset: 0, batchLength: 76, magic: 2, crc: 0x7f984cc0, recordsCount: 2, producerId: -1})
    expect(batchSizeOf(h)).toBe(88)
    expect(BATCH_HEADER_SIZE).toBe(61)
    expect(LOG_OVERHEAD).toBe(12)
    expect(crcMatches(buf, 5, 88)).toBe(true)
    expect(computeBatchCrc(buf, 5, 88)).toBe(0x7f984cc0)
  })

  it('assigning an offset leaves the CRC valid (baseOffset is outside it)', () => {
    const b = Buffer.from(GOLDEN)
    writeBaseOffset(b, 0, 2 ** 40 + 17)
    expect(crcMatches(b, 0, b.length)).toBe(true)
    const h = readBatchHeader(b)
    expect(h.baseOffset).toBe(2 ** 40 + 17)
    expect(lastOffsetOf(h)).toBe(2 ** 40 + 18)
    expect(decodeRecordBatch(b).records.map((r) => r.offset)).toEqual([2 ** 40 + 17, 2 ** 40 + 18])
  })

  it('setLogAppendTime marks the batch, rewrites maxTimestamp and keeps the CRC valid', () => {
    const b = Buffer.from(GOLDEN)
    setLogAppendTime(b, 0, b.length, 1800000000000)
    expect(b[ATTRIBUTES_POS + 1] & 0x08).toBe(0x08)
    expect(crcMatches(b, 0, b.length)).toBe(true)
    expect(decodeRecordBatch(b).records.map((r) => r.timestamp)).toEqual([1800000000000, 1800000000000])
  })

  it('writeMaxTimestamp needs a new CRC, which writeBatchCrc provides', () => {
    const b = Buffer.from(GOLDEN)
    writeMaxTimestamp(b, 0, 1700000000099)
    expect(crcMatches(b, 0, b.length)).toBe(false)
    writeBatchCrc(b, 0, b.length)
    expect(crcMatches(b, 0, b.length)).toBe(true)
    expect(b.readUInt32BE(CRC_POS)).toBe(computeBatchCrc(b, 0, b.length))
  })

  it('endOffsetOf: the offset after the last whole batch, -1 when none is whole', () => {
    const a = Buffer.from(GOLDEN)
    const b = Buffer.from(GOLDEN)
    writeBaseOffset(b, 0, 40) // GOLDEN holds 2 records: offsets 40 and 41
    expect(endOffsetOf(a)).toBe(2)
    expect(endOffsetOf(Buffer.concat([a, b]))).toBe(42)
    expect(endOffsetOf(Buffer.concat([a, b.subarray(0, 30)]))).toBe(2) // a cut-off batch does not count
    expect(endOffsetOf(a.subarray(0, BATCH_HEADER_SIZE - 1))).toBe(-1)
  })

  it('int64 values are exact to ±2^53 and rejected beyond', () => {
    const b = Buffer.alloc(8)
    for (const v of [0, -1, 2 ** 53, -(2 ** 53), 2 ** 32, -(2 ** 32) - 1, 1700000000000]) {
      writeInt64(b, 0, v)
      expect(b.readBigInt64BE(0)).toBe(BigInt(v))
      expect(readInt64(b, 0)).toBe(v)
    }
    for (const v of [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      b.writeBigInt64BE(v, 0)
      expectCorrupt(() => readInt64(b, 0, 'baseOffset'), /baseOffset -?\d+ is beyond ±2\^53/)
    }
  })

  it('names codecs from the attribute bits', () => {
    expect(compressionOf(0x0b)).toBe(Compression.Lz4)
    expect([0, 1, 2, 3, 4].map((c) => compressionName(c))).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
    expect(compressionName(7 as Compression)).toBe('unknown(7)')
  })
})
