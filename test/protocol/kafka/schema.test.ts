// The primitive and composite types, byte for byte against Kafka's encodings, and their bounds.
import {describe, expect, it} from 'vitest'
import {Reader, Writer, ZERO_COPY_MIN_BYTES} from '../../../src/protocol/kafka/primitives.js'
import {array, bytes, int16, int32, int64, nullableBytes, nullableString, records, string, struct, versions, type Type} from '../../../src/protocol/kafka/schema.js'
import {encodeResponse, decodeResponse} from '../../../src/protocol/kafka/codec.js'
import {expectCodecError, hex} from './helpers.js'

function encode<T>(type: Type<T>, value: T, version = 0, flexible = false): string {
  const w = new Writer(8)
  type.codec(version, flexible).write(w, value)
  return Buffer.concat(w.finish()).toString('hex')
}

function decode<T>(type: Type<T>, bytesHex: string, version = 0, flexible = false): T {
  const r = new Reader(hex(bytesHex))
  const v = type.codec(version, flexible).read(r)
  expect(r.remaining, 'every byte consumed').toBe(0)
  return v
}

describe('classic encodings', () => {
  it('match Kafka byte for byte', () => {
    expect(encode(int16, -2)).toBe('fffe')
    expect(encode(int32, 1)).toBe('00000001')
    expect(encode(int64, -1)).toBe('ffffffffffffffff')
    expect(encode(int64, 2 ** 53)).toBe('0020000000000000')
    expect(encode(string, 'ab')).toBe('00026162')
    expect(encode(string, 'é')).toBe('0002c3a9') // the length counts UTF-8 bytes
    expect(encode(nullableString, null)).toBe('ffff')
    expect(encode(bytes, hex('0102'))).toBe('000000020102')
    expect(encode(nullableBytes, null)).toBe('ffffffff')
    expect(encode(array(int32), [7])).toBe('0000000100000007')
    expect(encode(array(int32, {nullable: '1+'}), null, 1)).toBe('ffffffff')
  })

  it('decode what they encode, nulls included', () => {
    expect(decode(nullableString, 'ffff')).toBeNull()
    expect(decode(string, '0002c3a9')).toBe('é')
    expect(decode(records, 'ffffffff')).toBeNull()
    expect(decode(array(int32, {nullable: '1+'}), 'ffffffff', 1)).toBeNull()
    expect(decode(int64, 'ffe0000000000000')).toBe(-(2 ** 53))
  })
})

describe('flexible (compact) encodings, as in ApiVersions v3', () => {
  it('use uvarint N+1 lengths, 0 for null, and end each struct with an empty tag section', () => {
    expect(encode(string, 'ab', 3, true)).toBe('036162')
    expect(encode(nullableString, null, 3, true)).toBe('00')
    expect(encode(bytes, hex('01'), 3, true)).toBe('0201')
    expect(encode(array(int16), [1, 2], 3, true)).toBe('0300010002')
    expect(encode(struct({a: int16}), {a: 1}, 3, true)).toBe('000100')
  })

  it('skip tagged fields a client sends (a broker reads and ignores them)', () => {
    // a=1, then 2 tagged fields: tag 0 size 2 "ab", tag 5 size 0
    expect(decode(struct({a: int16}), '0001 02 00 02 6162 05 00', 3, true)).toEqual({a: 1})
  })

  it('refuse a tag section that claims more fields than bytes left', () => {
    expectCodecError(() => decode(struct({a: int16}), '0001 7f', 3, true), /127 tagged fields cannot fit in the 0 bytes left/)
  })
})

describe('versioned fields', () => {
  const T = struct({a: versions('1+', int32, -1), b: versions('0', int16), c: string})

  it('are on the wire only in their versions and decode to their default elsewhere', () => {
    expect(encode(T, {a: 9, b: 2, c: 'x'}, 0)).toBe('0002' + '000178')
    expect(encode(T, {a: 9, b: 2, c: 'x'}, 1)).toBe('00000009' + '000178')
    expect(decode(T, '0002000178', 0)).toEqual({a: -1, b: 2, c: 'x'})
    expect(decode(T, '00000009000178', 1)).toEqual({a: 9, b: 0, c: 'x'})
  })

  it('a missing value is an encode error naming the field', () => {
    const w = new Writer()
    expectCodecError(() => T.codec(1, false).write(w, {b: 1, c: ''} as never), /^a: is missing$/, 'INVALID_INPUT')
  })
})

describe('bounds', () => {
  it('an array count is checked against the bytes left before anything is read or allocated', () => {
    expectCodecError(() => decode(array(int32), '7fffffff 00000001'), /array count 2147483647 needs at least 8589934588 bytes but only 4 remain/)
    expectCodecError(() => decode(array(struct({a: int64, b: string})), '00000002 0000000000000001 0000'), /array count 2 needs at least 20 bytes but only 10 remain/)
  })

  it('-1 is null only where the version allows it; other negative lengths and counts are errors', () => {
    expectCodecError(() => decode(array(int32, {nullable: '1+'}), 'ffffffff', 0), /array is null, which v0 does not allow/)
    expectCodecError(() => decode(array(int32), 'fffffffe'), /array count -2 is negative/)
    expectCodecError(() => decode(string, 'ffff'), /string is null, which this field does not allow/)
    expectCodecError(() => decode(nullableString, 'fffe'), /string length -2 is negative/)
    expectCodecError(() => decode(nullableBytes, '80000000'), /bytes length -2147483648 is negative/)
    expectCodecError(() => decode(bytes, 'ffffffff'), /bytes is null/)
  })

  it('a length beyond the bytes left is a truncation error, not a short read', () => {
    expectCodecError(() => decode(string, '0005 6162'), /string needs 5 bytes but only 2 remain/)
    expectCodecError(() => decode(bytes, '7fffffff 00'), /bytes needs 2147483647 bytes but only 1 remain/)
  })

  it('int64 beyond ±2^53 is refused on both sides (a double cannot hold it exactly)', () => {
    expectCodecError(() => decode(int64, '0020000000000001'), /beyond ±2\^53/)
    expectCodecError(() => encode(int64, 2 ** 53 + 2), /not an integer within ±2\^53/, 'INVALID_INPUT')
  })

  it('a value out of its wire range is an encode error with the path to the field', () => {
    const T = struct({topics: array(struct({name: string, id: int16}))})
    expectCodecError(() => encode(T, {topics: [{name: 'a', id: 1}, {name: 'b', id: 40000}]}), /^topics\[1\]\.id: .*40000/, 'INVALID_INPUT')
    expectCodecError(() => encode(T, {topics: [{name: 'x'.repeat(40000), id: 1}]}), /^topics\[0\]\.name: string of 40000 bytes exceeds the 32767-byte limit/, 'INVALID_INPUT')
  })
})

describe('Writer', () => {
  it('passes large record payloads through by reference (Fetch serves stored batch bytes without a copy)', () => {
    const batch = Buffer.alloc(ZERO_COPY_MIN_BYTES * 3, 7)
    const request = {api: 'Fetch' as const, header: {apiKey: 1, apiVersion: 4, correlationId: 9, clientId: null}}
    const partition = {partitionIndex: 0, errorCode: 0, highWatermark: 10, lastStableOffset: 10, abortedTransactions: [], records: batch}
    const chunks = encodeResponse(request, {throttleTimeMs: 0, responses: [{topic: 't', partitions: [partition]}]})
    expect(chunks).toContain(batch) // the very same Buffer object
    const frame = Buffer.concat(chunks)
    expect(frame.readInt32BE(0)).toBe(frame.length - 4)
    expect(decodeResponse('Fetch', 4, frame.subarray(4)).body.responses[0]!.partitions[0]!.records).toEqual(batch)
  })

  it('grows across many small writes without losing or reordering bytes', () => {
    const w = new Writer(3)
    for (let i = 0; i < 1000; i++) w.int32(i)
    const out = Buffer.concat(w.finish())
    expect(out.length).toBe(4000)
    expect(out.readInt32BE(4 * 999)).toBe(999)
  })
})
