// Shared arbitraries and assertions for the format tests.
import fc from 'fast-check'
import {expect} from 'vitest'
import type {Record} from '../../src/format/record.js'

export const bytes = (maxLength = 200): fc.Arbitrary<Buffer> => fc.uint8Array({maxLength}).map((a) => Buffer.from(a))

export const headerArb = fc.record({
  key: fc.string({unit: 'binary', maxLength: 12}),
  value: fc.option(bytes(20), {nil: null}),
})

export const recordArb: fc.Arbitrary<Record> = fc.record({
  key: fc.option(bytes(40), {nil: null}),
  value: fc.option(fc.oneof(bytes(300), fc.constant(Buffer.from('INFO GET /api/orders 200\n'.repeat(20)))), {nil: null}),
  // spread both sides of the first record's timestamp: deltas are negative as often as positive
  timestamp: fc.oneof(fc.integer({min: 1_600_000_000_000, max: 1_800_000_000_000}), fc.integer({min: -(2 ** 40), max: 2 ** 40})),
  headers: fc.array(headerArb, {maxLength: 3}),
})

export const recordsArb = fc.array(recordArb, {minLength: 1, maxLength: 30})

export function expectCorrupt(fn: () => unknown, message?: RegExp): void {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, 'expected a SamsaError CORRUPT_MESSAGE').toMatchObject({code: 'CORRUPT_MESSAGE'})
  if (message) expect((err as Error).message).toMatch(message)
}

// §4.6 of kafka-protocol.md: two records, kafkajs 2.2.4's encoder, CRC 0x7f984cc0
export const GOLDEN = Buffer.from(
  (
    '0000000000000000 0000004c 00000000 02 7f984cc0 0000 00000001 0000018bcfe56800 0000018bcfe56805 ' +
    'ffffffffffffffff 0000 00000000 00000002 ' +
    '16 00 00 00 01 0a 68656c6c6f 00 ' +
    '1c 00 0a 02 04 6b31 04 7631 02 02 68 02 78'
  ).replace(/\s+/g, ''),
  'hex',
)

export const GOLDEN_RECORDS: Record[] = [
  {key: null, value: Buffer.from('hello'), timestamp: 1700000000000, headers: []},
  {key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1700000000005, headers: [{key: 'h', value: Buffer.from('x')}]},
]
