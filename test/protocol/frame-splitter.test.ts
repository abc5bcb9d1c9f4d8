// The one length-prefixed splitter (src/protocol/frame-splitter.ts) under both protocols' readers: the
// prefix is read the same however the stream is cut around it, and each protocol keeps its own reading of
// it (control: u32, at least its header; Kafka: int32, negative refused, 0 allowed).
import {describe, expect, it} from 'vitest'
import {FrameReader} from '../../src/protocol/control/frame.js'
import {KafkaFrameReader} from '../../src/protocol/kafka/frame.js'

// Every way to cut `bytes` into two chunks (the prefix straddling chunks at each of its byte boundaries).
function cuts(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = []
  for (let at = 1; at < bytes.length; at++) out.push([bytes.subarray(0, at), bytes.subarray(at)])
  return out
}

describe('FrameSplitter', () => {
  it('refuses a prefix out of bounds with the protocol’s own message, wherever the chunks are cut', () => {
    for (const chunks of cuts(Buffer.from('ffffffff00', 'hex'))) {
      const reader = new FrameReader()
      for (const c of chunks) reader.push(c)
      expect(() => reader.next()).toThrow('frame of 4294967295 bytes exceeds the 67108864-byte limit')
    }
    for (const chunks of cuts(Buffer.from('8000000000', 'hex'))) {
      const reader = new KafkaFrameReader()
      for (const c of chunks) reader.push(c)
      expect(() => reader.next()).toThrow('frame size -2147483648 is negative')
    }
  })

  it('hands out a Kafka frame of size 0 as an empty payload, and the frame after it whole', () => {
    const stream = Buffer.from('00000000' + '00000002' + '6f6b', 'hex')
    for (const chunks of [[stream], ...cuts(stream)]) {
      const reader = new KafkaFrameReader()
      const got: string[] = []
      for (const c of chunks) {
        reader.push(c)
        for (let p = reader.next(); p !== null; p = reader.next()) got.push(p.toString())
      }
      expect(got).toEqual(['', 'ok'])
      expect([reader.partial, reader.framesRead]).toEqual([false, 2])
    }
  })
})
