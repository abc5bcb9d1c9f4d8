import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {OutputBuffer} from '../../src/cli/lines/output-buffer.js'
import {EnvelopeFormatter, formatSource, TemplateFormatter, ValueFormatter, compileFormat, type FormatRecord, type RecordFormatter} from '../../src/cli/lines/record-format.js'

const rec: FormatRecord = {
  offset: 42,
  timestamp: Date.parse('2026-11-20T09:00:00.123Z'),
  key: Buffer.from('k1'),
  value: Buffer.from('hello'),
  headers: [{key: 'a', value: Buffer.from('1')}, {key: 'b', value: null}],
}
const src = formatSource('logs', 3)

function fmt(f: RecordFormatter, r: FormatRecord = rec): string {
  const out = new OutputBuffer(4)
  f.write(out, src, r)
  return out.take()!.toString('latin1')
}

describe('--format', () => {
  it('kcat tokens', () => {
    expect(fmt(new TemplateFormatter('%t %p %o %k %s %T %S %K\\n'))).toBe(`logs 3 42 k1 hello ${rec.timestamp} 5 2\n`)
    expect(fmt(new TemplateFormatter('%T{iso}|%h|%%|\\t'))).toBe('2026-11-20T09:00:00.123Z|a=1,b=|%|\t')
    expect(fmt(new TemplateFormatter('%R'))).toBe('\x00\x00\x00\x05')
  })

  it('nulls: empty, or the null marker; sizes -1 as kcat', () => {
    const r = {...rec, key: null, value: null}
    expect(fmt(new TemplateFormatter('[%k][%s][%K][%S]'), r)).toBe('[][][-1][-1]')
    expect(fmt(new TemplateFormatter('[%k][%s]', 'NULL'), r)).toBe('[NULL][NULL]')
  })

  it('rejects unknown tokens', () => {
    expect(() => compileFormat('%x')).toThrow('unknown token %x')
    expect(() => compileFormat('%')).toThrow('unknown token')
    expect(() => compileFormat('%T{local}')).toThrow('%T{local}')
  })

  it('compiles once into literal and token steps', () => {
    expect(compileFormat('a%kb\\n').length).toBe(3)
  })

  it('default: value bytes and the delimiter, binary untouched', () => {
    expect(fmt(new ValueFormatter())).toBe('hello\n')
    expect(fmt(new ValueFormatter(Buffer.of(0)), {...rec, value: Buffer.from([0xff, 0x0a])})).toBe('\xff\n\0')
    expect(fmt(new ValueFormatter(undefined, '~'), {...rec, value: null})).toBe('~\n')
  })

  it('--jsonl', () => {
    const line = fmt(new EnvelopeFormatter())
    expect(line.endsWith('\n')).toBe(true)
    expect(JSON.parse(line)).toMatchObject({topic: 'logs', partition: 3, offset: 42, key: 'k1', value: 'hello'})
  })

  it('range(src, start, end) writes what bytes(src.subarray(start, end)) writes, sources switching and reused (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2), fc.nat(300), fc.nat(300), fc.boolean(), fc.boolean()), {maxLength: 40}),
        (steps) => {
          // small Buffers live in the shared pool (byteOffset > 0); a reused scratch changes its bytes
          const sources = [Buffer.from('pooled source bytes ' + 'x'.repeat(40)), Buffer.alloc(300, 7), Buffer.from(new Uint8Array(200).map((_, i) => i))]
          const viaRange = new OutputBuffer(4)
          const viaBytes = new OutputBuffer(4)
          const taken: [string, string][] = []
          for (const [which, a, b, rewrite, take] of steps) {
            const source = sources[which]
            if (rewrite) source.fill(a & 0xff) // the same object, new contents (as the decompression scratch)
            const start = Math.min(a, b) % (source.length + 1)
            const end = Math.min(Math.max(a, b), source.length)
            viaRange.range(source, start, Math.max(start, end))
            viaBytes.bytes(source.subarray(start, Math.max(start, end)))
            if (take) taken.push([viaRange.take()?.toString('hex') ?? '', viaBytes.take()?.toString('hex') ?? ''])
          }
          taken.push([viaRange.take()?.toString('hex') ?? '', viaBytes.take()?.toString('hex') ?? ''])
          for (const [x, y] of taken) expect(x).toBe(y)
        },
      ),
      {numRuns: 300},
    )
  })

  it('the output buffer grows and hands out each batch once', () => {
    const out = new OutputBuffer(2)
    for (let i = 0; i < 100; i++) new ValueFormatter().write(out, src, rec)
    const a = out.take()!
    expect(a.length).toBe(600)
    expect(out.take()).toBeNull()
  })
})
