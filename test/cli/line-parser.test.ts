import {describe, expect, it} from 'vitest'
import {LineParser, parseHeaderFlag} from '../../src/cli/lines/line-parser.js'

const B = (s: string) => Buffer.from(s)
const parse = (p: LineParser, s: string, n = 1) => {
  const r = p.parse(B(s), n)
  return {key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp, partition: r.partition, headers: r.headers}
}

describe('LineParser', () => {
  it('plain lines: the value, no key', () => {
    expect(parse(new LineParser(), 'hello')).toMatchObject({key: null, value: 'hello', timestamp: -1, partition: -1})
  })

  it('--key K', () => {
    expect(parse(new LineParser({key: B('k')}), 'v')).toMatchObject({key: 'k', value: 'v'})
  })

  it('--key-delimiter: key before the first delimiter; none → null key, whole line value', () => {
    const p = new LineParser({keyDelimiter: B(':')})
    expect(parse(p, 'a:b:c')).toMatchObject({key: 'a', value: 'b:c'})
    expect(parse(p, 'abc')).toMatchObject({key: null, value: 'abc'})
    expect(parse(p, ':v')).toMatchObject({key: '', value: 'v'})
    expect(parse(new LineParser({keyDelimiter: B('::')}), 'a::b')).toMatchObject({key: 'a', value: 'b'})
  })

  it('--null-marker turns an exact value (and a delimited key) into null', () => {
    const p = new LineParser({keyDelimiter: B('\t'), nullMarker: B('NULL')})
    expect(parse(p, 'k\tNULL')).toMatchObject({key: 'k', value: null})
    expect(parse(p, 'NULL\tv')).toMatchObject({key: null, value: 'v'})
    expect(parse(p, 'k\tNULLx')).toMatchObject({value: 'NULLx'})
  })

  it('--key-field with dotted paths, and how non-strings become keys', () => {
    const p = new LineParser({keyField: 'user.id'})
    expect(parse(p, '{"user":{"id":"u1"},"x":1}')).toMatchObject({key: 'u1', value: '{"user":{"id":"u1"},"x":1}'})
    expect(parse(p, '{"user":{"id":7}}')).toMatchObject({key: '7'})
    expect(parse(p, '{"user":{"id":null}}')).toMatchObject({key: null})
    expect(parse(p, '{"user.id":"lit","user":{"id":"deep"}}')).toMatchObject({key: 'lit'})
    expect(parse(p, '{"user":{"id":{"a":1}}}')).toMatchObject({key: '{"a":1}'})
  })

  it('--key-field errors name the line', () => {
    const p = new LineParser({keyField: 'user'})
    expect(() => p.parse(B('{"x":1}'), 12)).toThrow('line 12: no field "user" for the key')
    expect(() => p.parse(B('not json'), 3)).toThrow('line 3: not valid JSON')
    expect(() => p.parse(B('[1]'), 4)).toThrow('line 4: not a JSON object')
    expect(() => p.parse(B('{"__proto__":{"user":"x"}}'), 5)).toThrow('line 5')
  })

  it('--timestamp-field: ISO or epoch ms, else an error with the line number', () => {
    const p = new LineParser({timestampField: 'ts'})
    expect(parse(p, '{"ts":"2026-11-20T09:00:00.336Z"}').timestamp).toBe(Date.parse('2026-11-20T09:00:00.336Z'))
    expect(parse(p, '{"ts":1700000000000}').timestamp).toBe(1700000000000)
    expect(parse(p, '{"ts":"1700000000000"}').timestamp).toBe(1700000000000)
    expect(() => p.parse(B('{"ts":"soon"}'), 9)).toThrow(/^line 9: field "ts" is "soon"/)
    expect(() => p.parse(B('{"ts":1.5}'), 9)).toThrow('line 9')
  })

  it('--header k=v', () => {
    expect(parseHeaderFlag('a=b=c')).toEqual({key: 'a', value: B('b=c')})
    expect(parseHeaderFlag('a=')).toEqual({key: 'a', value: B('')})
    expect(() => parseHeaderFlag('=x')).toThrow('bad --header')
    expect(() => parseHeaderFlag('ax')).toThrow('bad --header')
    const h = [parseHeaderFlag('src=cli')]
    expect(parse(new LineParser({headers: h}), 'v').headers).toEqual(h)
  })

  it('--jsonl envelope with fixed headers appended', () => {
    const p = new LineParser({jsonl: true, headers: [parseHeaderFlag('copy=1')]})
    const r = parse(p, '{"key":{"base64":"/w=="},"value":"v","partition":2,"timestamp":5,"headers":[{"key":"a","value":null}]}')
    expect(r.value).toBe('v')
    expect(r.partition).toBe(2)
    expect(r.timestamp).toBe(5)
    expect(r.headers).toEqual([{key: 'a', value: null}, {key: 'copy', value: B('1')}])
    expect(p.parse(B('{"key":{"base64":"/w=="},"value":"v"}'), 1).key).toEqual(Buffer.from([0xff]))
    expect(() => p.parse(B('{"key":"k"}'), 8)).toThrow('line 8: invalid --jsonl record: no "value"')
  })
})
