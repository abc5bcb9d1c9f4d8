// Hostile and broken input: whatever the bytes, decodeRequest either returns a message or throws a
// KafkaCodecError with a one-line reason — never a RangeError, a hang or an allocation sized by the input.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {decodeRequest, DEFAULT_MAX_REQUEST_ITEMS} from '../../../src/protocol/kafka/codec.js'
import {KafkaCodecError} from '../../../src/protocol/kafka/primitives.js'
import {expectCodecError, fixture, fixtureNames} from './helpers.js'

function decodesOrFailsCleanly(payload: Buffer): void {
  try {
    decodeRequest(payload)
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaCodecError)
    expect((err as Error).message).not.toContain('\n')
  }
}

describe('truncation', () => {
  for (const name of fixtureNames()) {
    it(`every strict prefix of ${name} fails with a clear error`, () => {
      const payload = fixture(name)
      for (let n = 0; n < payload.length; n++) {
        // a copy of exactly n bytes, so a read past the end could not find the rest in a shared buffer
        expectCodecError(() => decodeRequest(Buffer.from(payload.subarray(0, n))), /(needs (at least )?\d+ bytes|shorter than|runs past the end|cannot fit)/)
      }
    })
  }
})

describe('lying counts and lengths in real requests', () => {
  // kafkajs Produce v3: header (2+2+4+2+7) | transactional_id ffff | acks | timeout | topic count @25 | name len @29
  const produce = fixture('kafkajs-produce-v3')
  const patched = (at: number, bytes: string): Buffer => {
    const copy = Buffer.from(produce)
    Buffer.from(bytes, 'hex').copy(copy, at)
    return copy
  }

  it('a topic count of 2^31-1 fails at once from the bound check, before reading one element', () => {
    expectCodecError(() => decodeRequest(patched(25, '7fffffff')), /^Produce v3 request: topicData: array count 2147483647 needs at least 12884901882 bytes but only \d+ remain$/)
  })

  it('a count of -1 where the version has no null, and any other negative count, are refused', () => {
    expectCodecError(() => decodeRequest(patched(25, 'ffffffff')), /topicData: array is null, which v3 does not allow/)
    expectCodecError(() => decodeRequest(patched(25, '80000000')), /topicData: array count -2147483648 is negative/)
  })

  it('a negative string length other than the legal -1 of a nullable string is refused', () => {
    expectCodecError(() => decodeRequest(patched(29, 'ffff')), /topicData\[0\]\.name: string is null, which this field does not allow/)
    expectCodecError(() => decodeRequest(patched(29, '8000')), /topicData\[0\]\.name: string length -32768 is negative/)
    expectCodecError(() => decodeRequest(patched(17, 'fffe')), /transactionalId: string length -2 is negative/)
  })

  it('a records length of 2^31-1 is a truncation error, not an allocation', () => {
    // records length sits right after the partition index: @29 name(2+8) @39 partition count @43 index @47
    expectCodecError(() => decodeRequest(patched(47, '7fffffff')), /records: bytes needs 2147483647 bytes but only 112 remain/)
  })

  it('a compact array count of 2^32-1 in ApiVersions v3 style input fails from the bound check', () => {
    const v3 = fixture('rdkafka-api-versions-v3')
    const bad = Buffer.concat([v3.subarray(0, 18), Buffer.from('ffffffff0f', 'hex')]) // client_software_name length
    expectCodecError(() => decodeRequest(bad), /clientSoftwareName: string needs 4294967294 bytes but only 0 remain/)
  })
})

describe('honest counts that add up to too much', () => {
  it('a request holding more array elements in all than maxItems fails before they are built', () => {
    const fetch = fixture('rdkafka-fetch-v4') // one topic, one partition: two elements
    expect(decodeRequest(fetch, {maxItems: 2}).kind).toBe('request')
    expectCodecError(() => decodeRequest(fetch, {maxItems: 1}), /^Fetch v4 request: topics\[0\]\.partitions: the message holds more than 1 array elements in all$/)
    expect(DEFAULT_MAX_REQUEST_ITEMS).toBe(100_000)
  })
})

describe('random damage', () => {
  const payloads = fixtureNames().map(fixture)

  it('any single corrupted byte in any fixture decodes or fails cleanly', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: payloads.length - 1}), fc.nat(), fc.integer({min: 0, max: 255}), (which, at, byte) => {
        const copy = Buffer.from(payloads[which]!)
        copy[at % copy.length] = byte
        decodesOrFailsCleanly(copy)
      }),
      {numRuns: 2000},
    )
  })

  it('random bytes behind every API key and version decode or fail cleanly', () => {
    fc.assert(
      fc.property(fc.integer({min: -1, max: 40}), fc.integer({min: -1, max: 5}), fc.uint8Array({maxLength: 80}), (key, version, rest) => {
        const head = Buffer.alloc(4)
        head.writeInt16BE(key, 0)
        head.writeInt16BE(version, 2)
        decodesOrFailsCleanly(Buffer.concat([head, rest]))
      }),
      {numRuns: 2000},
    )
  })
})
