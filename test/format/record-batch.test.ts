import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {gzipSync} from 'node:zlib'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {BATCH_HEADER_SIZE, Compression, RECORDS_COUNT_POS, readBatchHeader, writeBatchCrc} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch, forEachRecord, type Record} from '../../src/format/record-batch.js'
import {expectCorrupt, GOLDEN, GOLDEN_RECORDS, recordsArb} from './helpers.js'

const withOffsets = (records: Record[], base = 0) => records.map((r, i) => ({...r, offset: base + i}))

describe('golden bytes (kafka-protocol.md §4.6)', () => {
  it('decodes the 88-byte kafkajs batch to exactly its two records', () => {
    expect(GOLDEN.length).toBe(88)
    const {header, records} = decodeRecordBatch(GOLDEN)
    expect(header).toEqual({
      baseOffset: 0, batchLength: 76, partitionLeaderEpoch: 0, magic: 2, crc: 0x7f984cc0, attributes: 0, lastOffsetDelta: 1,
      baseTimestamp: 1700000000000, maxTimestamp: 1700000000005, producerId: -1, producerEpoch: 0, baseSequence: 0, recordsCount: 2,
    })
    expect(records).toEqual(withOffsets(GOLDEN_RECORDS))
  })

  it('encodes the same records with the same header fields to exactly those bytes', () => {
    const batch = encodeRecordBatch(GOLDEN_RECORDS, {compression: Compression.None, producerEpoch: 0, baseSequence: 0, partitionLeaderEpoch: 0})
    expect(batch.toString('hex')).toBe(GOLDEN.toString('hex'))
    expect(batch.readUInt32BE(17)).toBe(0x7f984cc0)
  })
})

describe('round trips', () => {
  for (const compression of [Compression.None, Compression.Lz4, Compression.Gzip]) {
    it(`decode(encode(records)) equals the records (${Compression[compression]})`, () => {
      fc.assert(
        fc.property(recordsArb, fc.integer({min: 0, max: 2 ** 52}), (records, baseOffset) => {
          const batch = encodeRecordBatch(records, {compression, baseOffset})
          const {header, records: decoded} = decodeRecordBatch(batch)
          expect(decoded).toEqual(withOffsets(records, baseOffset))
          expect(header.baseTimestamp).toBe(records[0].timestamp) // Kafka Java: the first record's
          expect(header.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)))
          expect(header.recordsCount).toBe(records.length)
          expect(header.lastOffsetDelta).toBe(records.length - 1)
          expect(header.attributes & 7).toBe(compression)
          let i = 0
          forEachRecord(batch, (r) => {
            expect(r.offset).toBe(baseOffset + i)
            expect(r.value).toEqual(records[i].value)
            expect(r.valueString('latin1')).toBe(records[i].value?.toString('latin1') ?? null)
            expect(r.headers).toEqual(records[i].headers)
            i++
          })
          expect(i).toBe(records.length)
        }),
        {numRuns: compression === Compression.Gzip ? 50 : 150},
      )
    })
  }

  it('uses the documented defaults: LZ4, offset 0, epoch/producer/sequence -1', () => {
    const h = readBatchHeader(encodeRecordBatch(GOLDEN_RECORDS))
    expect(h.attributes).toBe(Compression.Lz4)
    expect([h.baseOffset, h.partitionLeaderEpoch, h.producerId, h.producerEpoch, h.baseSequence]).toEqual([0, -1, -1, -1, -1])
  })

  it('keeps timestamps exact at the ±2^53 delta edges', () => {
    const records: Record[] = [
      {key: null, value: null, timestamp: -(2 ** 52), headers: []},
      {key: null, value: null, timestamp: 2 ** 52, headers: []},
      {key: null, value: Buffer.alloc(0), timestamp: -(2 ** 52) + 1, headers: []},
    ]
    expect(decodeRecordBatch(encodeRecordBatch(records, {compression: Compression.None})).records).toEqual(withOffsets(records))
  })

  it('LogAppendTime batches report maxTimestamp for every record', () => {
    const batch = encodeRecordBatch(GOLDEN_RECORDS, {logAppendTime: true})
    const {header, records} = decodeRecordBatch(batch)
    expect(header.attributes & 0x08).toBe(0x08)
    expect(records.map((r) => r.timestamp)).toEqual([1700000000005, 1700000000005])
  })

  it('refuses snappy and zstd with a clear message, and an empty batch', () => {
    expect(() => encodeRecordBatch(GOLDEN_RECORDS, {compression: Compression.Snappy})).toThrow('snappy compression is not supported')
    expect(() => encodeRecordBatch([])).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}))
    const batch = encodeRecordBatch(GOLDEN_RECORDS, {compression: Compression.None})
    batch.writeInt16BE(Compression.Zstd, 21)
    writeBatchCrc(batch, 0, batch.length)
    expectCorrupt(() => decodeRecordBatch(batch), /^zstd compression is not supported$/)
  })
})

describe('interop', () => {
  it('the records section of an LZ4 batch is a frame the lz4 CLI decodes to the uncompressed records', () => {
    const records = GOLDEN_RECORDS.concat(Array.from({length: 2000}, (_, i) => ({key: null, value: Buffer.from(`line ${i} GET /api/orders/${i * 31}`), timestamp: 1700000000000 + i, headers: []})))
    const lz4 = encodeRecordBatch(records, {compression: Compression.Lz4})
    const plain = encodeRecordBatch(records, {compression: Compression.None})
    const r = spawnSync('/usr/bin/lz4', ['-d', '-c'], {input: lz4.subarray(BATCH_HEADER_SIZE)})
    expect(r.status).toBe(0)
    expect(r.stdout.equals(plain.subarray(BATCH_HEADER_SIZE))).toBe(true)
    expect(lz4.length).toBeLessThan(plain.length / 2)
  })

  it('kafkajs decodes our batches, and we decode kafkajs gzip batches', async () => {
    const require = createRequire(import.meta.url)
    const Decoder = require('kafkajs/src/protocol/decoder')
    const decodeKafkajs = require('kafkajs/src/protocol/recordBatch/v0/decoder')
    const encodeKafkajs = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch
    const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0')
    for (const compression of [Compression.None, Compression.Gzip]) {
      const theirs = await decodeKafkajs(new Decoder(encodeRecordBatch(GOLDEN_RECORDS, {compression})))
      expect(theirs.records.map((r: {value: Buffer}) => r.value.toString())).toEqual(['hello', 'v1'])
      expect(theirs.records[1].headers).toEqual({h: Buffer.from('x')})
    }
    const kjs = await encodeKafkajs({
      compression: 1,
      firstTimestamp: 1700000000000,
      maxTimestamp: 1700000000009,
      lastOffsetDelta: 1,
      records: [
        KafkajsRecord({offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('gz one')}),
        KafkajsRecord({offsetDelta: 1, timestampDelta: 9, key: null, value: Buffer.from('gz two'), headers: {k: 'v'}}),
      ],
    })
    const {records} = decodeRecordBatch(kjs.buffer)
    expect(records).toEqual([
      {offset: 0, timestamp: 1700000000000, key: Buffer.from('a'), value: Buffer.from('gz one'), headers: []},
      {offset: 1, timestamp: 1700000000009, key: null, value: Buffer.from('gz two'), headers: [{key: 'k', value: Buffer.from('v')}]},
    ])
  })
})

describe('hostile input', () => {
  const plain = encodeRecordBatch(GOLDEN_RECORDS.concat(GOLDEN_RECORDS, GOLDEN_RECORDS), {compression: Compression.None})
  const lz4 = encodeRecordBatch(GOLDEN_RECORDS.concat(GOLDEN_RECORDS, GOLDEN_RECORDS), {compression: Compression.Lz4})

  it('every truncation of a batch throws CORRUPT_MESSAGE', () => {
    fc.assert(
      fc.property(recordsArb, fc.constantFrom(Compression.None, Compression.Lz4), fc.double({min: 0, max: 1, maxExcluded: true, noNaN: true}), (records, compression, f) => {
        const batch = encodeRecordBatch(records, {compression})
        const cut = Math.floor(f * batch.length)
        expectCorrupt(() => decodeRecordBatch(batch.subarray(0, cut)))
        expectCorrupt(() => decodeRecordBatch(batch.subarray(0, cut), {verifyCrc: false}))
      }),
      {numRuns: 300},
    )
    for (const batch of [plain, lz4]) for (let cut = 0; cut < batch.length; cut++) expectCorrupt(() => decodeRecordBatch(batch.subarray(0, cut)))
  })

  it('a flipped byte anywhere the CRC covers (or in length/magic) is caught', () => {
    for (const batch of [plain, lz4]) {
      for (let at = 8; at < batch.length; at++) {
        if (at >= 12 && at < 16) continue // partitionLeaderEpoch: outside the CRC by design
        for (const xor of [0x01, 0x80, 0xff]) {
          const bad = Buffer.from(batch)
          bad[at] ^= xor
          expectCorrupt(() => decodeRecordBatch(bad))
        }
      }
    }
  })

  it('with verifyCrc false, mutated batches still fail cleanly: SamsaError or a decode, never a RangeError or a hang', () => {
    fc.assert(
      fc.property(recordsArb, fc.constantFrom(Compression.None, Compression.Lz4), fc.array(fc.tuple(fc.nat(), fc.integer({min: 1, max: 255})), {minLength: 1, maxLength: 4}), (records, compression, flips) => {
        const bad = encodeRecordBatch(records, {compression})
        for (const [at, xor] of flips) bad[BATCH_HEADER_SIZE - 4 + (at % (bad.length - BATCH_HEADER_SIZE + 4))] ^= xor
        try {
          decodeRecordBatch(bad, {verifyCrc: false})
          forEachRecord(bad, () => {}, {verifyCrc: false})
        } catch (err) {
          expect(err).toMatchObject({name: 'SamsaError', code: 'CORRUPT_MESSAGE'})
        }
      }),
      {numRuns: 1000},
    )
  })

  it('a header claiming a 2 GiB batch is rejected against the bytes present', () => {
    const bad = Buffer.from(plain)
    bad.writeInt32BE(0x7fffff00, 8)
    expectCorrupt(() => decodeRecordBatch(bad), /batch length 2147483392 runs past end of data \(\d+ bytes left\)/)
    bad.writeInt32BE(-5, 8)
    expectCorrupt(() => decodeRecordBatch(bad), /below the minimum/)
  })

  it('recordsCount 2^31-1 with a few bytes fails fast, before allocating arrays', () => {
    for (const batch of [plain, lz4]) {
      const bad = Buffer.from(batch)
      bad.writeInt32BE(0x7fffffff, RECORDS_COUNT_POS)
      writeBatchCrc(bad, 0, bad.length)
      const t0 = performance.now()
      expectCorrupt(() => decodeRecordBatch(bad), /recordsCount 2147483647 but the records section has only \d+ bytes/)
      expect(performance.now() - t0).toBeLessThan(50)
    }
  })

  it('a records count that does not match the records found is reported both ways', () => {
    const more = Buffer.from(plain)
    more.writeInt32BE(7, RECORDS_COUNT_POS)
    writeBatchCrc(more, 0, more.length)
    expectCorrupt(() => decodeRecordBatch(more), /records section holds 6 records, header says 7/)
    const fewer = Buffer.from(plain)
    fewer.writeInt32BE(5, RECORDS_COUNT_POS)
    writeBatchCrc(fewer, 0, fewer.length)
    expectCorrupt(() => decodeRecordBatch(fewer), /bytes after its 5 records/)
  })

  it('int64 fields beyond 2^53 are rejected as corrupt', () => {
    const bad = Buffer.from(plain)
    bad.writeBigInt64BE(2n ** 53n + 1n, 0)
    expectCorrupt(() => decodeRecordBatch(bad), /baseOffset 9007199254740993 is beyond/)
  })

  it('compressed sections are capped by maxDecompressedBytes (LZ4 and gzip bombs)', () => {
    const big = [{key: null, value: Buffer.alloc(1 << 20), timestamp: 0, headers: []}]
    const t0 = performance.now()
    expectCorrupt(() => decodeRecordBatch(encodeRecordBatch(big, {compression: Compression.Lz4}), {maxDecompressedBytes: 64 * 1024}), /limit/)
    expectCorrupt(() => decodeRecordBatch(encodeRecordBatch(big, {compression: Compression.Gzip}), {maxDecompressedBytes: 64 * 1024}), /limit/)
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(decodeRecordBatch(encodeRecordBatch(big)).records[0].value!.length).toBe(1 << 20)
    // gzip garbage
    const gz = encodeRecordBatch(GOLDEN_RECORDS, {compression: Compression.Gzip})
    const junk = Buffer.concat([gz.subarray(0, BATCH_HEADER_SIZE), gzipSync(Buffer.from('not records at all'))])
    junk.writeInt32BE(junk.length - 12, 8)
    writeBatchCrc(junk, 0, junk.length)
    expectCorrupt(() => decodeRecordBatch(junk))
  })
})
