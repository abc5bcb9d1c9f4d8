// The control frame codec (src/protocol/control/frame.ts) against literal bytes: each fixture is written out
// field by field (prefix | apiKey | apiVersion | correlationId | jsonLength | JSON | raw), encoded from a
// literal frame and decoded back to it; then the stream splitter on those bytes cut every way, and the
// bounds a hostile peer meets.
import {describe, expect, it} from 'vitest'
import {
  FrameDecoder,
  FrameReader,
  UNCOUNTED_FRAME_BYTES,
  decodeFramePayload,
  encodeFrame,
  encodeFrameHead,
  readFrameHeader,
  type Frame,
  type FrameMemory,
} from '../../../src/protocol/control/frame.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const bytes = (...parts: (Buffer | string)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)))

interface Fixture {
  name: string
  frame: Frame
  wire: Buffer
}

const FIXTURES: Fixture[] = [
  {
    name: 'a Produce request with record bytes',
    frame: {apiKey: 1, apiVersion: 0, correlationId: 7, body: {topic: 't', partition: 0, acks: 1, timeoutMs: 0}, raw: hex('010203')},
    wire: bytes(hex('00000041 0001 0000 00000007 00000032'), '{"topic":"t","partition":0,"acks":1,"timeoutMs":0}', hex('010203')),
  },
  {
    name: 'a Hello response',
    frame: {apiKey: 0, apiVersion: 0, correlationId: 1, body: {pid: 42}, raw: Buffer.alloc(0)},
    wire: bytes(hex('00000016 0000 0000 00000001 0000000a'), '{"pid":42}'),
  },
  {
    name: 'an error response at the largest correlation id',
    frame: {apiKey: 2, apiVersion: 0, correlationId: 0xffffffff, body: {error: {code: 'UNKNOWN_TOPIC', message: 'm', retriable: false}}, raw: Buffer.alloc(0)},
    wire: bytes(hex('0000004e 0002 0000 ffffffff 00000042'), '{"error":{"code":"UNKNOWN_TOPIC","message":"m","retriable":false}}'),
  },
  {
    name: 'a Shutdown request with no body',
    frame: {apiKey: 21, apiVersion: 0, correlationId: 9, body: null, raw: Buffer.alloc(0)},
    wire: bytes(hex('00000010 0015 0000 00000009 00000004'), 'null'),
  },
  {
    name: 'a request of another API version, its JSON not ASCII',
    frame: {apiKey: 11, apiVersion: 3, correlationId: 258, body: {topics: ['é']}, raw: Buffer.alloc(0)},
    wire: bytes(hex('0000001d 000b 0003 00000102 00000011'), '{"topics":["é"]}'),
  },
]

const encode = (f: Frame): Buffer => encodeFrame(f.apiKey, f.apiVersion, f.correlationId, f.body, f.raw.length > 0 ? f.raw : undefined)
const payloadOf = (wire: Buffer): Buffer => wire.subarray(4)

describe('control frame bytes', () => {
  for (const {name, frame, wire} of FIXTURES) {
    it(`encodes and decodes ${name}`, () => {
      expect(encode(frame).toString('hex')).toBe(wire.toString('hex'))
      expect(decodeFramePayload(payloadOf(wire))).toEqual(frame)
      // head + raw written one after the other is the same frame, byte for byte
      const head = encodeFrameHead(frame.apiKey, frame.apiVersion, frame.correlationId, frame.body, frame.raw.length)
      expect(Buffer.concat([head, frame.raw]).toString('hex')).toBe(wire.toString('hex'))
    })
  }

  it('reads the header of a payload whose body does not decode, so it can be answered', () => {
    const payload = hex('0002 0000 00000309 00000005 7b6e6f7065') // {nope
    expect(readFrameHeader(payload)).toEqual({apiKey: 2, apiVersion: 0, correlationId: 777, jsonLength: 5})
    expect(() => decodeFramePayload(payload)).toThrow('frame body is not valid JSON')
    expect(() => decodeFramePayload(hex('0000 0000 0000030a 000003e8'))).toThrow('frame JSON length 1000 runs past the end of the frame')
    expect(readFrameHeader(hex('0000 0000 0000'))).toBeNull()
    expect(() => decodeFramePayload(hex('0000 0000 0000'))).toThrow('frame of 6 bytes is shorter than its 12-byte header')
  })

  it('decodes raw as a view into the payload, not a copy', () => {
    const payload = payloadOf(FIXTURES[0]!.wire)
    const frame = decodeFramePayload(payload)
    expect(frame.raw.buffer).toBe(payload.buffer)
    expect(frame.raw.byteOffset).toBe(payload.byteOffset + 12 + 50)
  })
})

describe('FrameReader', () => {
  const stream = Buffer.concat(FIXTURES.map((f) => f.wire))
  const payloads = FIXTURES.map((f) => payloadOf(f.wire).toString('hex'))

  function drain(reader: FrameReader): string[] {
    const out: string[] = []
    for (let p = reader.next(); p !== null; p = reader.next()) out.push(p.toString('hex'))
    return out
  }

  it('splits the fixtures however the stream is cut', () => {
    for (const size of [1, 2, 3, 5, 16, 17, 64, stream.length]) {
      const reader = new FrameReader()
      const got: string[] = []
      for (let at = 0; at < stream.length; at += size) {
        reader.push(stream.subarray(at, at + size))
        got.push(...drain(reader))
      }
      expect(got, `chunks of ${size}`).toEqual(payloads)
      expect(reader.partial).toBe(false)
      expect(reader.framesRead).toBe(FIXTURES.length)
    }
  })

  it('hands out a frame that lies inside one chunk as a view of that chunk', () => {
    const reader = new FrameReader()
    reader.push(stream)
    const first = reader.next()!
    expect(first.buffer).toBe(stream.buffer)
    expect(first.byteOffset).toBe(stream.byteOffset + 4)
  })

  it('says partial while a frame is incomplete, and how far it came', () => {
    const reader = new FrameReader()
    reader.push(FIXTURES[0]!.wire.subarray(0, 2))
    expect(reader.next()).toBeNull()
    expect([reader.partial, reader.progress]).toEqual([true, '2 bytes, its length not yet read'])
    reader.push(FIXTURES[0]!.wire.subarray(2, 30))
    expect(reader.next()).toBeNull()
    expect(reader.progress).toBe('26 of 65 bytes')
    reader.dropPartial()
    expect(reader.partial).toBe(false)
    reader.push(FIXTURES[1]!.wire)
    expect(drain(reader)).toEqual([payloads[1]])
  })

  it('refuses a length prefix out of bounds before allocating anything', () => {
    const cases: [string, string][] = [
      ['ffffffff', 'frame of 4294967295 bytes exceeds the 67108864-byte limit'],
      ['04000001', 'frame of 67108865 bytes exceeds the 67108864-byte limit'],
      ['00000005', 'frame of 5 bytes is shorter than its 12-byte header'],
      ['00000000', 'frame of 0 bytes is shorter than its 12-byte header'],
    ]
    for (const [prefix, message] of cases) {
      const reader = new FrameReader()
      reader.push(hex(prefix))
      expect(() => reader.next()).toThrow(message)
    }
    const small = new FrameReader(100)
    small.push(hex('00000065'))
    expect(() => small.next()).toThrow('frame of 101 bytes exceeds the 100-byte limit')
  })

  it('claims frame memory for a large frame that spans chunks, and waits while the claim is refused', () => {
    const claims: number[] = []
    const releases: number[] = []
    let grant = false
    const memory: FrameMemory = {claim: (n) => (claims.push(n), grant), release: (n) => void releases.push(n)}
    const big = encodeFrame(1, 0, 5, {}, Buffer.alloc(UNCOUNTED_FRAME_BYTES + 1, 7))
    const reader = new FrameReader(undefined, memory)
    reader.push(big.subarray(0, 1000))
    expect(reader.next()).toBeNull()
    expect(reader.progress).toBe('1000 bytes, its length not yet read') // nothing taken while refused
    grant = true
    expect(reader.next()).toBeNull()
    expect(reader.progress).toBe(`996 of ${big.length - 4} bytes`)
    reader.push(big.subarray(1000))
    expect(reader.next()!.toString('hex')).toBe(payloadOf(big).toString('hex'))
    expect(claims).toEqual([big.length - 4, big.length - 4])
    expect(releases).toEqual([big.length - 4])
    // small frames, and any frame inside one chunk, never claim
    const again = new FrameReader(undefined, memory)
    again.push(Buffer.concat([big, FIXTURES[0]!.wire]))
    expect(drain(again)).toHaveLength(2)
    expect(claims).toHaveLength(2)
  })
})

describe('FrameDecoder', () => {
  it('decodes every frame a chunk completes, keeping the rest for the next', () => {
    const stream = Buffer.concat(FIXTURES.map((f) => f.wire))
    const decoder = new FrameDecoder()
    const cut = FIXTURES[0]!.wire.length + 3
    expect(decoder.push(stream.subarray(0, cut))).toEqual([FIXTURES[0]!.frame])
    expect(decoder.partial).toBe(true)
    expect(decoder.push(stream.subarray(cut))).toEqual(FIXTURES.slice(1).map((f) => f.frame))
    expect(decoder.partial).toBe(false)
  })
})
