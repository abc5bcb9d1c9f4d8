import {createRequire} from 'node:module'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {xxhash32} from '../../src/format/xxhash32.js'

// the lz4 package ships the reference C xxHash as a native binding: an independent implementation
const reference = createRequire(import.meta.url)('lz4/lib/utils.js') as {blockChecksum(b: Buffer): number}

describe('xxhash32', () => {
  it('matches the published vectors (seed 0)', () => {
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05)
    expect(xxhash32(Buffer.from('a'))).toBe(0x550d7456)
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff)
  })

  it('matches the reference C implementation on random inputs of every tail length', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 200}), (a) => {
        const b = Buffer.from(a)
        expect(xxhash32(b)).toBe(reference.blockChecksum(b) >>> 0)
      }),
      {numRuns: 500},
    )
  })

  it('hashes a sub-range and honours the seed', () => {
    const b = Buffer.from('..abc..')
    expect(xxhash32(b, 2, 5)).toBe(0x32d153ff)
    expect(xxhash32(Buffer.from('abc'), 0, 3, 1)).not.toBe(0x32d153ff)
  })
})
