// ProduceSession's plain-line fast path (lines go to the producer as ranges of the input chunk, without
// LineParser) must send exactly what the parsing path sends: same records, keys, headers, partitions,
// line numbers in errors and --report lines.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ProduceSession, type ProduceSessionOptions} from '../../src/cli/lines/produce-session.js'
import {LineParser} from '../../src/cli/lines/line-parser.js'
import type {AdminApi, RecordApi} from '../../src/client/types.js'
import {Partitioner} from '../../src/client/partitioner.js'
import {forEachRecord} from '../../src/format/record-batch.js'

function seeded(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31
    return x / 2 ** 31
  }
}

interface Sent {
  partition: number
  key: string | null
  value: string | null
  headers: string
}

async function run(input: Buffer[], options: Partial<ProduceSessionOptions>, maxMessageBytes = 1048588) {
  const sent: Sent[] = []
  const reports: string[] = []
  const warnings: string[] = []
  let offset = 0
  const records: RecordApi = {
    produce: async (_topic, partition, batches) => {
      const raw = Buffer.from(batches)
      let pos = 0
      let count = 0
      while (pos < raw.length) {
        const h = forEachRecord(raw, (r) => {
          count++
          sent.push({
            partition,
            key: r.key?.toString('latin1') ?? null,
            value: r.value?.toString('latin1') ?? null,
            headers: JSON.stringify(r.headers.map((x) => [x.key, x.value?.toString('latin1') ?? null])),
          })
        }, {pos})
        pos += h.batchLength + 12
      }
      const baseOffset = offset
      offset += count
      return {baseOffset, lastOffset: offset - 1, logAppendTime: -1, logStartOffset: 0}
    },
    fetch: () => Promise.reject(new Error('unused')),
  }
  const admin = {
    describeTopic: async () => ({
      partitions: [0, 1, 2].map((partition) => ({partition})),
      configs: [{name: 'max.message.bytes', value: String(maxMessageBytes)}],
    }),
  } as unknown as AdminApi
  const session = new ProduceSession({records, admin}, {
    topic: 't',
    parser: {},
    delimiter: Buffer.from('\n'),
    stripCr: false,
    partition: -1,
    ignoreEnvelopePartition: false,
    skipInvalid: false,
    report: false,
    // seeded: the sticky partitioner's random choices must match between the two runs compared
    producer: {batchBytes: 256, partitioner: new Partitioner(seeded(7))},
    writeReport: (t) => reports.push(t),
    warn: (m) => warnings.push(m),
    ...options,
  })
  await session.open()
  let error: string | null = null
  try {
    for (const chunk of input) session.push(chunk)
    session.end()
  } catch (err) {
    error = (err as Error).message
  }
  await session.producer.flush()
  return {sent, reports: reports.join(''), warnings, error, lines: session.lines}
}

// A --null-marker that never matches sends every line unchanged, through LineParser.parse().
const NEVER = Buffer.from('\u0001never\u0001')

describe('ProduceSession plain lines', () => {
  it('are plain only without options that look into the line', () => {
    expect(new LineParser({}).plain).toEqual({key: null, headers: undefined})
    expect(new LineParser({key: Buffer.from('k'), headers: [{key: 'h', value: null}]}).plain).toEqual({key: Buffer.from('k'), headers: [{key: 'h', value: null}]})
    expect(new LineParser({nullMarker: NEVER}).plain).toBeNull()
    expect(new LineParser({keyDelimiter: Buffer.from(':')}).plain).toBeNull()
    expect(new LineParser({keyField: 'user'}).plain).toBeNull()
    expect(new LineParser({timestampField: 'ts'}).plain).toBeNull()
    expect(new LineParser({jsonl: true}).plain).toBeNull()
  })

  it('send what the parsing path sends, however the input is chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z\r]{0,40}$/), {maxLength: 40}),
        fc.array(fc.nat(), {maxLength: 6}),
        fc.option(fc.constantFrom('k1', ''), {nil: undefined}),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(-1, 2),
        async (lines, cuts, key, header, stripCr, partition) => {
          const text = Buffer.from(lines.join('\n'), 'latin1')
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          const chunks = [0, ...points].map((p, i, all) => text.subarray(p, all[i + 1] ?? text.length))
          const parser = {key: key === undefined ? undefined : Buffer.from(key), headers: header ? [{key: 'src', value: Buffer.from('x')}] : undefined}
          const options = {stripCr, partition, report: true}
          const plain = await run(chunks, {...options, parser})
          const parsed = await run(chunks, {...options, parser: {...parser, nullMarker: NEVER}})
          expect(plain).toEqual(parsed)
          const expected = text.length === 0 ? [] : text.toString('latin1').replace(/\n$/, '').split('\n')
          expect(plain.sent.map((s) => s.value)).toEqual(expected.map((l) => (stripCr ? l.replace(/\r$/, '') : l)))
        },
      ),
      {numRuns: 150},
    )
  })

  it('a line too large for the topic names its line number, skipped or not', async () => {
    const input = [Buffer.from('ok\n' + 'x'.repeat(600) + '\nafter\n')]
    for (const skipInvalid of [false, true]) {
      const plain = await run(input, {skipInvalid}, 700)
      const parsed = await run(input, {skipInvalid, parser: {nullMarker: NEVER}}, 700)
      expect(plain).toEqual(parsed)
      expect(plain.error ?? plain.warnings[0]).toMatch(/^line 2: /)
    }
  })
})

describe('ProduceSession lines keyed at a one-byte --key-delimiter', () => {
  it('take the fast path only when nothing else looks into the line', () => {
    const colon = Buffer.from(':')
    expect(new LineParser({keyDelimiter: colon}).keyedByByte).toEqual({delimiter: 0x3a, headers: undefined})
    expect(new LineParser({keyDelimiter: Buffer.from('::')}).keyedByByte).toBeNull()
    expect(new LineParser({keyDelimiter: colon, nullMarker: NEVER}).keyedByByte).toBeNull()
    expect(new LineParser({keyDelimiter: colon, keyField: 'user'}).keyedByByte).toBeNull()
    expect(new LineParser({}).keyedByByte).toBeNull()
  })

  it('send what the parsing path sends — keys, values, partitions, --report lines — however the input is chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // lines with no, one or several delimiters, keys empty or long, so that some lines have none
        fc.array(fc.stringMatching(/^[a-z:\r]{0,40}$/), {maxLength: 40}),
        fc.array(fc.nat(), {maxLength: 6}),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(-1, 2),
        async (lines, cuts, header, stripCr, partition) => {
          const text = Buffer.from(lines.join('\n'), 'latin1')
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          const chunks = [0, ...points].map((p, i, all) => text.subarray(p, all[i + 1] ?? text.length))
          const parser = {keyDelimiter: Buffer.from(':'), headers: header ? [{key: 'src', value: Buffer.from('x')}] : undefined}
          const options = {stripCr, partition, report: true}
          const keyed = await run(chunks, {...options, parser})
          const parsed = await run(chunks, {...options, parser: {...parser, nullMarker: NEVER}})
          expect(keyed).toEqual(parsed)
          const expected = text.length === 0 ? [] : text.toString('latin1').replace(/\n$/, '').split('\n')
          const cut = (l: string) => (l.includes(':') ? [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] : [null, l])
          // partitions are sent apart, so compare as sorted lists: every line's key and value, once
          const sorted = (xs: (string | null)[][]) => xs.map((x) => JSON.stringify(x)).sort()
          expect(sorted(keyed.sent.map((s) => [s.key, s.value]))).toEqual(sorted(expected.map((l) => cut(stripCr ? l.replace(/\r$/, '') : l))))
        },
      ),
      {numRuns: 150},
    )
  })

  it('a line too large for the topic names its line number, skipped or not', async () => {
    const input = [Buffer.from('k:ok\nk:' + 'x'.repeat(600) + '\nk:after\n')]
    for (const skipInvalid of [false, true]) {
      const parser = {keyDelimiter: Buffer.from(':')}
      const keyed = await run(input, {skipInvalid, parser}, 700)
      const parsed = await run(input, {skipInvalid, parser: {...parser, nullMarker: NEVER}}, 700)
      expect(keyed).toEqual(parsed)
      expect(keyed.error ?? keyed.warnings[0]).toMatch(/^line 2: /)
    }
  })
})
