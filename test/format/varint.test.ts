import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {
  type Cursor,
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from '../../src/format/varint.js'

function roundTrip(write: (b: Buffer, p: number, v: number) => number, read: (b: Buffer, c: Cursor, e: number) => number, v: number): {value: number; size: number} {
  const b = Buffer.alloc(16)
  const end = write(b, 0, v)
  const c = {pos: 0}
  const value = read(b, c, end)
  expect(c.pos).toBe(end)
  return {value, size: end}
}

function expectCorrupt(fn: () => unknown): void {
  expect(fn).toThrow(expect.objectContaining({code: 'CORRUPT_MESSAGE'}))
}

describe('varint (zigzag int32)', () => {
  it('matches Kafka encodings byte for byte', () => {
    const cases: Array<[number, string]> = [[0, '00'], [-1, '01'], [1, '02'], [-64, '7f'], [64, '8001'], [5, '0a'], [2 ** 31 - 1, 'feffffff0f'], [-(2 ** 31), 'ffffffff0f']]
    for (const [v, hex] of cases) {
      const b = Buffer.alloc(5)
      const n = writeVarint(b, 0, v)
      expect(b.subarray(0, n).toString('hex')).toBe(hex)
      expect(sizeOfVarint(v)).toBe(n)
    }
  })

  it('round-trips every int32, including the edges', () => {
    for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 63, -64, 64, -65]) expect(roundTrip(writeVarint, readVarint, v).value).toBe(v)
    fc.assert(
      fc.property(fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1}), (v) => {
        const r = roundTrip(writeVarint, readVarint, v)
        expect(r.value).toBe(v)
        expect(r.size).toBe(sizeOfVarint(v))
      }),
    )
  })

  it('round-trips unsigned varints up to 2^32-1', () => {
    for (const v of [0, 127, 128, 2 ** 32 - 1]) expect(roundTrip(writeUnsignedVarint, readUnsignedVarint, v).value).toBe(v)
    fc.assert(
      fc.property(fc.integer({min: 0, max: 2 ** 32 - 1}), (v) => {
        const r = roundTrip(writeUnsignedVarint, readUnsignedVarint, v)
        expect(r.value).toBe(v)
        expect(r.size).toBe(sizeOfUnsignedVarint(v))
      }),
    )
  })

  it('rejects a varint that runs past the end or is longer than 5 bytes', () => {
    expectCorrupt(() => readVarint(Buffer.from([0x80, 0x80]), {pos: 0}, 2))
    expectCorrupt(() => readVarint(Buffer.from([]), {pos: 0}, 0))
    // the bytes are there, but `end` says the field stops earlier
    expectCorrupt(() => readVarint(Buffer.from([0x80, 0x01]), {pos: 0}, 1))
    expectCorrupt(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), {pos: 0}, 6))
    expectCorrupt(() => readUnsignedVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10]), {pos: 0}, 5))
  })
})

describe('varlong (zigzag int64 held in a double)', () => {
  it('round-trips ±2^53 and everything between exactly', () => {
    const edges = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, -(2 ** 32), 2 ** 53, -(2 ** 53), 2 ** 53 - 1, -(2 ** 53) + 1, 1700000000000, -1700000000000]
    for (const v of edges) {
      const r = roundTrip(writeVarlong, readVarlong, v)
      expect(r.value).toBe(v)
      expect(r.size).toBe(sizeOfVarlong(v))
    }
    fc.assert(
      fc.property(fc.integer({min: -(2 ** 53), max: 2 ** 53}).chain((v) => fc.constantFrom(v, Math.trunc(v / 2 ** 20) + 0)), (v) => {
        const r = roundTrip(writeVarlong, readVarlong, v)
        expect(r.value).toBe(v)
        expect(r.size).toBe(sizeOfVarlong(v))
      }),
    )
  })

  it('encodes like Kafka: 2^53 is 9 bytes, -1 is 01', () => {
    const b = Buffer.alloc(10)
    expect(b.subarray(0, writeVarlong(b, 0, -1)).toString('hex')).toBe('01')
    // zigzag(2^53) = 2^54 and zigzag(-2^53) = 2^54 - 1, encoded independently with BigInt
    const n = writeVarlong(b, 0, 2 ** 53)
    expect(b.subarray(0, n).toString('hex')).toBe(bigintVarint(2n ** 54n))
    const m = writeVarlong(b, 0, -(2 ** 53))
    expect(b.subarray(0, m).toString('hex')).toBe(bigintVarint(2n ** 54n - 1n))
  })

  it('rejects values beyond ±2^53, over-long encodings and truncation', () => {
    const beyond = Buffer.from(bigintVarint(2n ** 54n + 2n), 'hex') // 2^53 + 1
    expectCorrupt(() => readVarlong(beyond, {pos: 0}, beyond.length))
    const huge = Buffer.from(bigintVarint(2n ** 64n - 1n), 'hex')
    expectCorrupt(() => readVarlong(huge, {pos: 0}, huge.length))
    const eleven = Buffer.from('ffffffffffffffffffff01', 'hex')
    expectCorrupt(() => readVarlong(eleven, {pos: 0}, eleven.length))
    expectCorrupt(() => readVarlong(Buffer.from('8080', 'hex'), {pos: 0}, 2))
    expect(() => writeVarlong(Buffer.alloc(10), 0, 2 ** 53 + 2)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}))
  })
})

function bigintVarint(u: bigint): string {
  let hex = ''
  while (u >= 0x80n) {
    hex += ((u & 0x7fn) | 0x80n).toString(16).padStart(2, '0')
    u >>= 7n
  }
  return hex + u.toString(16).padStart(2, '0')
}
