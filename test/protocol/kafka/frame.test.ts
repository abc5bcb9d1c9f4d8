// Splitting a TCP byte stream into Kafka frames: any chunking, several frames per chunk, and size prefixes
// checked before anything is allocated or awaited.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {checkFrameSize, DEFAULT_MAX_FRAME_BYTES, FrameSizeError, KafkaFrameReader, UNCOUNTED_FRAME_BYTES} from '../../../src/protocol/kafka/frame.js'
import {decodeRequest} from '../../../src/protocol/kafka/codec.js'
import {fixture, fixtureNames} from './helpers.js'

function framed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

function drain(reader: KafkaFrameReader): Buffer[] {
  const out: Buffer[] = []
  for (let p = reader.next(); p !== null; p = reader.next()) out.push(p)
  return out
}

describe('KafkaFrameReader', () => {
  const payloads = fixtureNames().map(fixture)
  const stream = Buffer.concat(payloads.map(framed))

  it('yields every pipelined request whole, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({min: 1, max: stream.length - 1}), {maxLength: 40}), (cuts) => {
        const reader = new KafkaFrameReader()
        const got: Buffer[] = []
        let from = 0
        for (const to of [...cuts.sort((a, b) => a - b), stream.length]) {
          reader.push(stream.subarray(from, to))
          got.push(...drain(reader))
          from = to
        }
        expect(got.map((p) => p.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')))
        expect(reader.partial).toBe(false)
      }),
      {numRuns: 50},
    )
  })

  it('yields each request as it completes, one byte at a time, and every one decodes', () => {
    const reader = new KafkaFrameReader()
    const got: Buffer[] = []
    for (let i = 0; i < stream.length; i++) {
      reader.push(stream.subarray(i, i + 1))
      got.push(...drain(reader))
    }
    expect(got.length).toBe(payloads.length)
    for (const p of got) expect(decodeRequest(p).kind).toBe('request')
  })

  it('refuses a size above the cap as soon as the 4-byte prefix is in, without waiting for the body', () => {
    const reader = new KafkaFrameReader(1024)
    reader.push(Buffer.from([0x00, 0x00, 0x04]))
    expect(reader.next()).toBeNull() // the prefix is not complete yet
    reader.push(Buffer.from([0x01]))
    expect(() => reader.next()).toThrow(FrameSizeError)
    expect(() => new KafkaFrameReader().next()).not.toThrow()
  })

  it('refuses a negative size (e.g. 0x80000000) and a 2 GiB one with a one-line error the listener can act on', () => {
    const negative = new KafkaFrameReader()
    negative.push(Buffer.from('80000000', 'hex'))
    expect(() => negative.next()).toThrow(expect.objectContaining({code: 'INVALID_REQUEST', message: 'frame size -2147483648 is negative'}))
    const huge = new KafkaFrameReader()
    huge.push(Buffer.from('7fffffff', 'hex'))
    expect(() => huge.next()).toThrow(/frame of 2147483647 bytes exceeds the 104857600-byte limit/)
  })

  it('checkFrameSize accepts 0 up to the cap', () => {
    expect(() => checkFrameSize(0, 10)).not.toThrow()
    expect(() => checkFrameSize(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES)).not.toThrow()
    expect(() => checkFrameSize(11, 10)).toThrow(FrameSizeError)
  })

  it('assembles a frame above 64 KiB that spans chunks only once its FrameMemory grants it, and releases it when complete', () => {
    const claims: number[] = []
    const releases: number[] = []
    let grant = false
    const reader = new KafkaFrameReader(DEFAULT_MAX_FRAME_BYTES, {
      claim: (n) => (claims.push(n), grant),
      release: (n) => releases.push(n),
    })
    const payload = Buffer.alloc(UNCOUNTED_FRAME_BYTES + 1, 7)
    const whole = framed(payload)
    reader.push(whole.subarray(0, 1000))
    expect(reader.next()).toBeNull() // refused: nothing allocated, the prefix left unread
    expect(reader.progress).toBe('1000 bytes, its size not yet read')
    grant = true
    expect(reader.next()).toBeNull() // granted: assembling
    expect(reader.progress).toBe(`996 of ${payload.length} bytes`)
    reader.push(whole.subarray(1000))
    expect(reader.next()!.equals(payload)).toBe(true)
    expect(claims).toEqual([payload.length, payload.length])
    expect(releases).toEqual([payload.length])
    expect(reader.framesRead).toBe(1)
    // small frames and frames inside one chunk never ask
    reader.push(framed(Buffer.alloc(10)))
    reader.push(framed(Buffer.alloc(UNCOUNTED_FRAME_BYTES * 2)))
    expect(reader.next()!.length).toBe(10)
    expect(reader.next()!.length).toBe(UNCOUNTED_FRAME_BYTES * 2)
    expect(claims).toHaveLength(2)
    expect(reader.framesRead).toBe(3)
  })

  it('dropPartial forgets a frame whose sender went away', () => {
    const reader = new KafkaFrameReader()
    reader.push(framed(Buffer.alloc(100)).subarray(0, 50))
    expect(reader.next()).toBeNull()
    expect(reader.partial).toBe(true)
    reader.dropPartial()
    expect(reader.partial).toBe(false)
    reader.push(framed(Buffer.from('ok')))
    expect(reader.next()!.toString()).toBe('ok')
  })
})
