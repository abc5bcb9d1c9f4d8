import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {LineSplitter} from '../../src/cli/lines/line-splitter.js'

function split(chunks: Buffer[], opts: ConstructorParameters<typeof LineSplitter>[0] = {}) {
  const lines: string[] = []
  const numbers: number[] = []
  const overflows: number[] = []
  const s = new LineSplitter(opts, (line, n) => {
    lines.push(line.toString('latin1'))
    numbers.push(n)
  }, (n) => overflows.push(n))
  for (const c of chunks) s.push(c)
  s.end()
  return {lines, numbers, overflows}
}

// Cuts text into chunks at the given positions.
function cut(text: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of points) {
    out.push(text.subarray(prev, p))
    prev = p
  }
  out.push(text.subarray(prev))
  return out
}

describe('LineSplitter', () => {
  it('splits like cat: empty lines kept, final line without newline kept, no extra line at the end', () => {
    expect(split([Buffer.from('a\n\nb\nc')]).lines).toEqual(['a', '', 'b', 'c'])
    expect(split([Buffer.from('a\nb\n')]).lines).toEqual(['a', 'b'])
    expect(split([Buffer.from('')]).lines).toEqual([])
    expect(split([Buffer.from('\n')]).lines).toEqual([''])
  })

  it('keeps \\r unless stripCr', () => {
    expect(split([Buffer.from('a\r\nb\r\n')]).lines).toEqual(['a\r', 'b\r'])
    expect(split([Buffer.from('a\r\nb\r\nc')], {stripCr: true}).lines).toEqual(['a', 'b', 'c'])
  })

  it('numbers lines from 1', () => {
    expect(split([Buffer.from('a\nb\nc')]).numbers).toEqual([1, 2, 3])
  })

  it('NUL and multi-byte delimiters, across chunk boundaries', () => {
    expect(split([Buffer.from('a\0b'), Buffer.from('\0c')], {delimiter: Buffer.of(0)}).lines).toEqual(['a', 'b', 'c'])
    expect(split([Buffer.from('a-'), Buffer.from('-b-'), Buffer.from('-'), Buffer.from('c')], {delimiter: '--'}).lines).toEqual(['a', 'b', 'c'])
  })

  it('an over-long line is reported with its number and skipped; later lines keep their numbers', () => {
    const r = split([Buffer.from('ok\n'), Buffer.from('x'.repeat(10)), Buffer.from('yyy\nok2\n')], {maxLineBytes: 5})
    expect(r.overflows).toEqual([2])
    expect(r.lines).toEqual(['ok', 'ok2'])
    expect(r.numbers).toEqual([1, 3])
    // within one chunk
    const r3 = split([Buffer.from('123456\nab\n')], {maxLineBytes: 5})
    expect(r3.overflows).toEqual([1])
    expect(r3.lines).toEqual(['ab'])
  })

  it('the next line after a skipped one is emitted with its right number', () => {
    const lines: [string, number][] = []
    const s = new LineSplitter({maxLineBytes: 3}, (l, n) => lines.push([l.toString(), n]), () => {})
    s.push(Buffer.from('aaaa'))
    s.push(Buffer.from('aaaa\nbb\ncc'))
    s.end()
    expect(lines).toEqual([['bb', 2], ['cc', 3]])
  })

  it('throwing from onOverflow stops the split', () => {
    const s = new LineSplitter({maxLineBytes: 3}, () => {}, (n) => {
      throw new Error(`line ${n} too long`)
    })
    expect(() => s.push(Buffer.from('ab\nabcdef'))).toThrow('line 2 too long')
  })

  it('never holds more than the limit for a line without a delimiter', () => {
    const s = new LineSplitter({maxLineBytes: 100}, () => {}, () => {})
    for (let i = 0; i < 1000; i++) s.push(Buffer.alloc(64, 0x61))
    expect(s.bufferedBytes).toBeLessThanOrEqual(100)
  })

  it('any chunking gives the same lines as splitting the whole input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-c\r]{0,6}$/), {maxLength: 20}),
        fc.constantFrom('\n', '\0', '--', 'ab'),
        fc.array(fc.nat(), {maxLength: 8}),
        fc.boolean(),
        (lines, delim, cuts, trailing) => {
          // lines must not contain the delimiter itself
          const clean = lines.map((l) => l.split(delim).join(''))
          const text = Buffer.from(clean.join(delim) + (trailing && clean.length > 0 ? delim : ''), 'latin1')
          const expected = split([text], {delimiter: delim}).lines
          expect(split(cut(text, cuts), {delimiter: delim}).lines).toEqual(expected)
          // and that is the plain split
          let plain = text.length === 0 ? [] : text.toString('latin1').split(delim)
          if (text.length > 0 && text.toString('latin1').endsWith(delim)) plain = plain.slice(0, -1)
          expect(expected).toEqual(plain)
        },
      ),
      {numRuns: 500},
    )
  })

  it('currentLineStart is the stream offset of the line being handled, however the input is chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-c]{0,6}$/), {maxLength: 15}),
        fc.constantFrom('\n', '--'),
        fc.array(fc.nat(), {maxLength: 8}),
        (lines, delim, cuts) => {
          const text = Buffer.from(lines.map((l) => l.split(delim).join('')).join(delim), 'latin1')
          const seen: [number, string][] = []
          const s: LineSplitter = new LineSplitter({delimiter: delim}, (line) => seen.push([s.currentLineStart, line.toString('latin1')]), () => {})
          for (const c of cut(text, cuts)) s.push(c)
          s.end()
          for (const [start, line] of seen) expect(text.toString('latin1', start, start + line.length)).toBe(line)
          expect(s.currentLineStart).toBe(text.length)
        },
      ),
      {numRuns: 300},
    )
  })

  it('a range handler sees the same lines, numbers and overflows as a line handler, however chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-c\r]{0,8}$/), {maxLength: 20}),
        fc.constantFrom('\n', '\0', '--'),
        fc.array(fc.nat(), {maxLength: 8}),
        fc.boolean(),
        fc.constantFrom(4, 6, 100),
        (lines, delim, cuts, stripCr, maxLineBytes) => {
          const text = Buffer.from(lines.map((l) => l.split(delim).join('')).join(delim), 'latin1')
          const opts = {delimiter: delim, stripCr, maxLineBytes}
          const viaLine: [string, number][] = []
          const viaRange: [string, number][] = []
          const overflowsLine: number[] = []
          const overflowsRange: number[] = []
          const a = new LineSplitter(opts, (line, n) => viaLine.push([line.toString('latin1'), n]), (n) => overflowsLine.push(n))
          const b = new LineSplitter(
            opts,
            () => expect.unreachable('the range handler replaces the line handler'),
            (n) => overflowsRange.push(n),
            (buf, start, end, n) => viaRange.push([buf.toString('latin1', start, end), n]),
          )
          for (const c of cut(text, cuts)) {
            a.push(c)
            b.push(c)
          }
          a.end()
          b.end()
          expect(viaRange).toEqual(viaLine)
          expect(overflowsRange).toEqual(overflowsLine)
          expect(b.lineCount).toBe(a.lineCount)
        },
      ),
      {numRuns: 500},
    )
  })

  it('a throwing handler leaves currentLineStart at the bad line', () => {
    const s: LineSplitter = new LineSplitter({}, (line) => {
      if (line.toString() === 'bad') throw new Error('bad line')
    }, () => {})
    s.push(Buffer.from('ok\nb'))
    expect(() => s.push(Buffer.from('ad\nnext\n'))).toThrow('bad line')
    expect(s.currentLineStart).toBe(3)
  })
})
