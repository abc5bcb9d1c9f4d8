import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {ByteArena} from '../../src/format/byte-arena.js'
import {decodeRecordBatch, encodeRecordBatch, RecordBatchBuilder} from '../../src/format/record-batch.js'
import {GOLDEN, recordsArb} from './helpers.js'

describe('RecordBatchBuilder', () => {
  it('builds the golden batch byte for byte', () => {
    const b = new RecordBatchBuilder({compression: Compression.None, producerEpoch: 0, baseSequence: 0, partitionLeaderEpoch: 0})
    b.append(Buffer.from('hello'), null, 1700000000000)
    b.append(Buffer.from('v1'), Buffer.from('k1'), 1700000000005, [{key: 'h', value: Buffer.from('x')}])
    expect(b.count).toBe(2)
    expect(b.estimatedSize).toBe(88 - 61)
    expect(b.build().equals(GOLDEN)).toBe(true)
  })

  it('produces what encodeRecordBatch produces, batch after batch with reset()', () => {
    for (const compression of [Compression.None, Compression.Lz4, Compression.Gzip]) {
      const b = new RecordBatchBuilder({compression, maxBytes: 1024})
      fc.assert(
        fc.property(recordsArb, (records) => {
          b.reset()
          for (const r of records) b.append(r.value, r.key, r.timestamp, r.headers)
          const built = b.build()
          expect(built.equals(encodeRecordBatch(records, {compression}))).toBe(true)
          expect(decodeRecordBatch(built).records.map(({offset, ...r}) => r)).toEqual(records)
        }),
        {numRuns: 60},
      )
    }
  })

  it('appendRange(src, start, end) builds exactly what append(src.subarray(start, end)) builds (property)', () => {
    for (const compression of [Compression.None, Compression.Lz4]) {
      const viaAppend = new RecordBatchBuilder({compression, maxBytes: 1024})
      const viaRange = new RecordBatchBuilder({compression, maxBytes: 1024})
      fc.assert(
        fc.property(recordsArb, fc.nat(40), fc.nat(40), (records, before, after) => {
          viaAppend.reset()
          viaRange.reset()
          // all values back to back in one chunk (as lines in an input chunk), with slack around them
          const chunk = Buffer.concat([Buffer.alloc(before, 0x61), ...records.map((r) => r.value ?? Buffer.alloc(0)), Buffer.alloc(after, 0x62)])
          let pos = before
          for (const r of records) {
            viaAppend.append(r.value, r.key, r.timestamp, r.headers)
            const n = r.value === null ? 0 : r.value.length
            viaRange.appendRange(r.value === null ? null : chunk, pos, pos + n, r.key, r.timestamp, r.headers)
            pos += n
          }
          expect(viaRange.count).toBe(viaAppend.count)
          expect(viaRange.estimatedSize).toBe(viaAppend.estimatedSize)
          expect(viaRange.build().equals(viaAppend.build())).toBe(true)
        }),
        {numRuns: 100},
      )
    }
  })

  it('appendRange takes ranges of a Buffer from the shared pool and of a plain Uint8Array, and checks the range', () => {
    const pooled = Buffer.from('xxhello\nworld\n') // small: a view into Buffer's shared pool, byteOffset > 0
    const plain = new Uint8Array(Buffer.from('world'))
    const b = new RecordBatchBuilder({compression: Compression.None})
    b.appendRange(pooled, 2, 7, null, 1)
    b.appendRange(plain, 0, 5, Buffer.from('k'), 2)
    b.appendRange(pooled, 8, 13, null, 3) // the same source again, after another one
    b.appendRange(pooled, 13, 13, null, 4) // empty value
    expect(decodeRecordBatch(b.build()).records.map((r) => [r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [null, 'hello'],
      ['k', 'world'],
      [null, 'world'],
      [null, ''],
    ])
    expect(() => b.appendRange(pooled, 10, pooled.length + 1, null, 5)).toThrow(RangeError)
    expect(() => b.appendRange(pooled, 5, 4, null, 5)).toThrow(RangeError)
    expect(() => b.appendRange(pooled, -1, 4, null, 5)).toThrow(RangeError)
    expect(b.count).toBe(4)
  })

  it('copies appended bytes, so the caller may reuse its buffer', () => {
    const b = new RecordBatchBuilder({compression: Compression.Lz4})
    const line = Buffer.from('first')
    b.append(line, null, 1)
    line.write('XXXXX')
    b.append(line, null, 2)
    expect(decodeRecordBatch(b.build()).records.map((r) => r.value!.toString())).toEqual(['first', 'XXXXX'])
  })

  it('grows past its initial scratch for big records and many records', () => {
    const b = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 100})
    const big = Buffer.alloc(300_000, 'a')
    b.append(big, null, 5)
    for (let i = 0; i < 10_000; i++) b.append(Buffer.from(`line ${i}`), null, 5 + i)
    const {records} = decodeRecordBatch(b.build())
    expect(records.length).toBe(10_001)
    expect(records[0].value!.equals(big)).toBe(true)
    expect(records[10_000].value!.toString()).toBe('line 9999')
  })

  it('tells the producer when the batch is full (maxBytes is a soft limit on the records section)', () => {
    const b = new RecordBatchBuilder({maxBytes: 1000})
    expect(b.hasRoomFor(5000)).toBe(true) // an empty batch always takes one record, however big
    let n = 0
    while (b.hasRoomFor(100)) {
      b.append(Buffer.alloc(100), null, 0)
      n++
    }
    expect(n).toBeGreaterThan(7)
    expect(b.estimatedSize).toBeLessThanOrEqual(1000)
    b.append(Buffer.alloc(2000), null, 0)
    expect(b.isFull).toBe(true)
    b.reset()
    expect([b.count, b.estimatedSize, b.isFull]).toEqual([0, 0, false])
  })

  it('defaults timestamps to now and baseTimestamp to the first record (negative deltas allowed)', () => {
    const b = new RecordBatchBuilder({compression: Compression.None})
    const before = Date.now()
    b.append(Buffer.from('a'))
    b.append(Buffer.from('b'), null, before - 60_000)
    const {header, records} = decodeRecordBatch(b.build())
    expect(records[0].timestamp).toBeGreaterThanOrEqual(before)
    expect(header.baseTimestamp).toBe(records[0].timestamp)
    expect(header.maxTimestamp).toBe(records[0].timestamp)
    expect(records[1].timestamp).toBe(before - 60_000)
  })

  it('rejects bad timestamps and unsupported codecs with INVALID_INPUT', () => {
    expect(() => new RecordBatchBuilder({compression: Compression.Zstd})).toThrow('zstd compression is not supported')
    const b = new RecordBatchBuilder()
    expect(() => b.append(null, null, 1.5)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}))
    b.append(null, null, -(2 ** 52))
    expect(() => b.append(null, null, 2 ** 52 + 2)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}))
    expect(() => new RecordBatchBuilder().build()).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}))
  })

  it('with an arena, values moved out of a chunk in the same arena build the same bytes as without (property)', () => {
    // the produce --file path: the chunk and the builder's scratch share one ArrayBuffer (copyWithin);
    // a small arena runs out, so some builders and chunks are outside it, and big records grow the scratch out of it
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({maxLength: 20}), fc.uint8Array({maxLength: 3000})), {minLength: 1, maxLength: 60}),
        fc.integer({min: 0, max: 3}),
        fc.constantFrom(Compression.None, Compression.Lz4),
        (lines, arenaKiB, compression) => {
          const arena = new ByteArena(arenaKiB * 64 * 1024)
          const text = Buffer.concat(lines.flatMap(([k, v]) => [Buffer.from(k), Buffer.from(':'), Buffer.from(v), Buffer.from('\n')]))
          const chunk = arena.carve(text.length) ?? Buffer.allocUnsafe(text.length)
          text.copy(chunk)
          const inArena = new RecordBatchBuilder({compression, maxBytes: 2048, arena})
          const plain = new RecordBatchBuilder({compression, maxBytes: 2048})
          let at = 0
          for (const [k, v] of lines) {
            const keyEnd = at + k.length
            const end = keyEnd + 1 + v.length
            inArena.appendParts(chunk, at, keyEnd, chunk, keyEnd + 1, end, 1000)
            plain.appendParts(Buffer.from(k), 0, k.length, Buffer.from(v), 0, v.length, 1000)
            at = end + 1
          }
          expect(inArena.build().equals(plain.build())).toBe(true)
        },
      ),
      {numRuns: 200},
    )
  })
})

