import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {bytesToJson, decodeEnvelope, encodeEnvelope, EnvelopeError} from '../../src/cli/lines/envelope.js'

const bytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({maxLength: 40}).map((a) => Buffer.from(a)),
  fc.string({unit: 'grapheme', maxLength: 20}).map((s) => Buffer.from(s, 'utf8')),
)

describe('JSONL envelope', () => {
  it('writes UTF-8 as strings, other bytes as {"base64"}, null as null', () => {
    expect(bytesToJson(Buffer.from('héllo "q"'))).toBe('"héllo \\"q\\""')
    expect(bytesToJson(Buffer.from([0xff, 0x00]))).toBe('{"base64":"/wA="}')
    expect(bytesToJson(null)).toBe('null')
    const line = encodeEnvelope('"t"', 1, 5, 1700000000000, Buffer.from('k'), null, [{key: 'h', value: Buffer.from('x')}])
    expect(JSON.parse(line)).toEqual({
      topic: 't', partition: 1, offset: 5, timestamp: 1700000000000, key: 'k', value: null, headers: [{key: 'h', value: 'x'}],
    })
  })

  it('round-trips arbitrary binary keys, values and headers exactly (property)', () => {
    fc.assert(
      fc.property(
        bytes,
        bytes,
        fc.array(fc.record({key: fc.string({maxLength: 8}), value: bytes}), {maxLength: 4}),
        fc.nat({max: 2 ** 40}),
        fc.nat({max: 100}),
        (key, value, headers, timestamp, partition) => {
          const line = encodeEnvelope(JSON.stringify('topic'), partition, 7, timestamp, key, value, headers)
          expect(line).not.toContain('\n')
          const back = decodeEnvelope(line)
          expect(back.key).toEqual(key)
          expect(back.value).toEqual(value)
          expect(back.headers).toEqual(headers)
          expect(back.timestamp).toBe(timestamp)
          expect(back.partition).toBe(partition)
        },
      ),
      {numRuns: 1000},
    )
  })

  it('accepts hand-written input: ISO timestamps, header objects, no key', () => {
    const e = decodeEnvelope('{"value":"v","timestamp":"2026-11-20T09:00:00Z","headers":{"a":"1"}}')
    expect(e.key).toBeNull()
    expect(e.timestamp).toBe(Date.parse('2026-11-20T09:00:00Z'))
    expect(e.headers).toEqual([{key: 'a', value: Buffer.from('1')}])
  })

  it.each([
    ['not json', 'not valid JSON'],
    ['[1]', 'not a JSON object'],
    ['{"key":"k"}', 'no "value"'],
    ['{"value":5}', '"value" must be'],
    ['{"value":{"base64":"***"}}', 'not valid base64'],
    ['{"value":{"base64":"AA==","x":1}}', '"value" must be'],
    ['{"value":"v","partition":-1}', '"partition"'],
    ['{"value":"v","timestamp":"yesterday"}', '"timestamp"'],
    ['{"value":"v","headers":[{"value":"x"}]}', 'headers[0]'],
  ])('rejects %s', (line, why) => {
    expect(() => decodeEnvelope(line)).toThrow(EnvelopeError)
    expect(() => decodeEnvelope(line)).toThrow(why)
  })
})
