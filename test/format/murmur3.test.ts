import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {murmur3x86128} from '../../src/format/murmur3.js'

const hash = (b: Uint8Array, start = 0, end = b.length, seed = 0): number[] => {
  const out = new Uint32Array(4)
  murmur3x86128(b, start, end, seed, out)
  return [...out]
}

describe('murmur3x86128', () => {
  it("passes SMHasher's verification for MurmurHash3_x86_128 (0xB3ECE62A): every tail length, many seeds", () => {
    // hash keys {0}, {0,1}, …, {0..255} with seed 256 − n, hash the concatenated results with seed 0
    const key = Buffer.alloc(256)
    const hashes = Buffer.alloc(16 * 256)
    for (let n = 0; n < 256; n++) {
      key[n] = n
      hash(key, 0, n, 256 - n).forEach((w, j) => hashes.writeUInt32LE(w, n * 16 + j * 4))
    }
    expect(hash(hashes)[0]).toBe(0xb3ece62a)
  })

  it('hashes the empty input with seed 0 to zero, a sub-range like a copy of it, and differs with the seed', () => {
    expect(hash(Buffer.alloc(0))).toEqual([0, 0, 0, 0])
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 100}), fc.uint8Array({maxLength: 9}), (a, pad) => {
        const padded = Buffer.concat([Buffer.from(pad), Buffer.from(a), Buffer.from(pad)])
        expect(hash(padded, pad.length, pad.length + a.length)).toEqual(hash(a))
      }),
    )
    expect(hash(Buffer.from('key'), 0, 3, 1)).not.toEqual(hash(Buffer.from('key')))
  })
})
