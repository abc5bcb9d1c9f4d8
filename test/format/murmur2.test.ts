import {createRequire} from 'node:module'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {murmur2, partitionForKey} from '../../src/format/murmur2.js'

// kafkajs's DefaultPartitioner murmur2 (Long arithmetic, UTF-8 bytes): an independent reference
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: Buffer) => number

describe('murmur2 (Kafka Java Utils.murmur2)', () => {
  // kafka-protocol.md §8.1: apache/kafka UtilsTest, librdkafka rdmurmur2.c, recomputed independently
  const vectors: Array<[string, number, number, number | null]> = [
    ['21', -973932308, 0, 0],
    ['foobar', -790332482, 0, 0],
    ['abc', 479470107, 0, 3],
    ['kafka', -798503068, 1, null],
    ['', 275646681, 0, 3],
    ['key1', 28543940, 2, 2],
    ['hello', 2132663229, 0, 3],
  ]
  for (const [key, hash, mod3, mod6] of vectors) {
    it(`key ${JSON.stringify(key)} → ${hash}, partition ${mod3} of 3${mod6 === null ? '' : `, ${mod6} of 6`}`, () => {
      const bytes = Buffer.from(key, 'utf8')
      expect(murmur2(bytes)).toBe(hash)
      expect(partitionForKey(bytes, 3)).toBe(mod3)
      if (mod6 !== null) expect(partitionForKey(bytes, 6)).toBe(mod6)
    })
  }

  it('hashes the UTF-8 bytes of non-ASCII keys, as Kafka and kafkajs do', () => {
    const key = Buffer.from('clé-日本-🚀', 'utf8')
    expect(murmur2(key)).toBe(kafkajsMurmur2(key))
    // hashing UTF-16 code units instead would give a different answer
    expect(murmur2(key)).not.toBe(murmur2(Buffer.from('clé-日本-🚀', 'utf16le')))
  })

  it('agrees with kafkajs on random keys, and partitions are always in range', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 64}), fc.integer({min: 1, max: 1000}), (a, n) => {
        const key = Buffer.from(a)
        expect(murmur2(key)).toBe(kafkajsMurmur2(key))
        const p = partitionForKey(key, n)
        expect(p).toBeGreaterThanOrEqual(0)
        expect(p).toBeLessThan(n)
      }),
      {numRuns: 300},
    )
  })

  it('of a range of bytes is the murmur2 of those bytes alone (a key cut out of its line)', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 64}), fc.uint8Array({maxLength: 9}), fc.uint8Array({maxLength: 9}), (a, before, after) => {
        const line = Buffer.concat([before, a, after])
        const end = before.length + a.length
        expect(murmur2(line, before.length, end)).toBe(murmur2(Buffer.from(a)))
        expect(partitionForKey(line, 7, before.length, end)).toBe(partitionForKey(Buffer.from(a), 7))
      }),
      {numRuns: 300},
    )
  })
})
