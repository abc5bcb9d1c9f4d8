// samsa produce / consume through the built CLI against a real daemon in a temp data directory.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, shell, tempDir} from '../support/index.js'

const APP = readFileSync(join(__dirname, '..', '..', 'data', 'app.jsonl'), 'utf8')
let dir: string

// retention.ms=-1: several tests produce records stamped in the past (2020, 2023, 2026-01-01); with the
// default retention.ms (7 days) the daemon's first retention check (30 s after it starts) deletes them,
// and a slow run then reads nothing.
async function topic(name: string, partitions = 1): Promise<void> {
  const r = await samsa(dir, ['topic', 'create', name, '--partitions', String(partitions), '--config', 'retention.ms=-1'])
  expect(r.code, r.stderr).toBe(0)
}

describe('samsa produce / consume', () => {
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(cleanup)

  it('data/app.jsonl through produce --key-field user, then consume, gives the same lines; per-key order kept', async () => {
    await topic('app', 4)
    const p = await samsa(dir, ['produce', 'app', '--key-field', 'user', '--file', 'data/app.jsonl'])
    expect(p.code, p.stderr).toBe(0)
    expect(p.stdout.length).toBe(0)
    const c = await samsa(dir, ['consume', 'app'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.stderr).toBe('')
    expect(lines(c.stdout).sort()).toEqual(lines(APP).sort())
    // within a key (one partition), lines keep their input order
    const byUser = (text: string) => {
      const m = new Map<string, string[]>()
      for (const l of lines(text)) {
        const u = JSON.parse(l).user as string
        m.set(u, [...(m.get(u) ?? []), l])
      }
      return m
    }
    expect(byUser(c.stdout)).toEqual(byUser(APP))
  })

  it('keyed records land on Kafka murmur2 partitions', async () => {
    await topic('m3', 3)
    await topic('m6', 6)
    const keys = 'key1:v\nhello:v\nfoobar:v\nabc:v\nkafka:v\n21:v\n'
    expect((await samsa(dir, ['produce', 'm3', '--key-delimiter', ':'], {input: keys})).code).toBe(0)
    expect((await samsa(dir, ['produce', 'm6', '--key-delimiter', ':'], {input: keys})).code).toBe(0)
    const m3 = await samsa(dir, ['consume', 'm3', '--format', '%k %p\\n'])
    const m6 = await samsa(dir, ['consume', 'm6', '--format', '%k %p\\n'])
    expect(lines(m3.stdout).sort()).toEqual(['21 0', 'abc 0', 'foobar 0', 'hello 0', 'kafka 1', 'key1 2'])
    expect(lines(m6.stdout)).toEqual(expect.arrayContaining(['hello 3', 'abc 3', 'foobar 0', '21 0']))
  })

  it('--jsonl copies a topic exactly: binary keys and values, nulls, headers, timestamps, partitions', async () => {
    await topic('bin-a', 3)
    await topic('bin-b', 3)
    const envelopes = [
      {key: {base64: '/wABAg=='}, value: {base64: 'gICA/w=='}, headers: [{key: 'h', value: {base64: '/w=='}}, {key: 'h', value: null}], timestamp: 1700000000000, partition: 0},
      {key: null, value: null, headers: [], timestamp: 1700000000001, partition: 1},
      {key: 'k', value: 'line with\nnewline and "quotes" and ünïcødé', headers: [{key: 'a', value: 'b'}], timestamp: 1700000000002, partition: 2},
      {key: '', value: '', headers: [], timestamp: 1700000000003, partition: 2},
    ]
    const input = envelopes.map((e) => JSON.stringify(e)).join('\n') + '\n'
    const p = await samsa(dir, ['produce', 'bin-a', '--jsonl'], {input})
    expect(p.code, p.stderr).toBe(0)
    const copy = await shell(dir, '$SAMSA consume bin-a --jsonl --data-dir "$D" | $SAMSA produce bin-b --jsonl --data-dir "$D"')
    expect(copy.code, copy.stderr).toBe(0)
    const a = await samsa(dir, ['consume', 'bin-a', '--jsonl'])
    const b = await samsa(dir, ['consume', 'bin-b', '--jsonl'])
    const strip = (text: string) => lines(text).map((l) => ({...JSON.parse(l), topic: undefined}))
    expect(strip(b.stdout)).toEqual(strip(a.stdout))
    expect(strip(a.stdout).map((e) => ({key: e.key, value: e.value, headers: e.headers, timestamp: e.timestamp, partition: e.partition}))).toEqual(
      expect.arrayContaining(envelopes.map((e) => ({...e}))),
    )
    // default output writes the value bytes as they are
    const raw = await samsa(dir, ['consume', 'bin-a', '--partition', '0'])
    expect(raw.bytes).toEqual(Buffer.from([0x80, 0x80, 0x80, 0xff, 0x0a]))
  })

  it('NUL-delimited input round-trips with --delimiter \\0', async () => {
    await topic('nul')
    const input = Buffer.from('a\nb\0c d\0\0last')
    expect((await samsa(dir, ['produce', 'nul', '--delimiter', '\\0'], {input})).code).toBe(0)
    const c = await samsa(dir, ['consume', 'nul', '--delimiter', '\\0'])
    expect(c.bytes).toEqual(Buffer.from('a\nb\0c d\0\0last\0'))
  })

  it('--report prints one line per acknowledged record; --header, --key, --null-marker, %h', async () => {
    await topic('rep', 2)
    const r = await samsa(dir, ['produce', 'rep', '--key', 'k1', '--header', 'src=test', '--header', 'n=1', '--null-marker', 'NULL', '--report'], {input: 'a\nNULL\n'})
    expect(r.code, r.stderr).toBe(0)
    expect(lines(r.stdout).map((l) => JSON.parse(l))).toEqual([
      {topic: 'rep', partition: 1, offset: 0, key: 'k1'},
      {topic: 'rep', partition: 1, offset: 1, key: 'k1'},
    ])
    const c = await samsa(dir, ['consume', 'rep', '--format', '%o %k %h [%s] %S\\n', '--null-marker', '~'])
    expect(lines(c.stdout)).toEqual(['0 k1 src=test,n=1 [a] 1', '1 k1 src=test,n=1 [~] -1'])
  })

  it('consume | head -1 exits 0 quietly', async () => {
    const r = await shell(dir, '$SAMSA consume app --data-dir "$D" | head -1; echo "status=${PIPESTATUS[0]}" >&2')
    expect(lines(r.stdout).length).toBe(1)
    expect(r.stderr).toBe('status=0\n')
  })

  it('produce --report | head -1: reports stop, producing goes on, every record is stored', async () => {
    await topic('rep-head')
    const r = await shell(dir, 'seq 1 50000 | $SAMSA produce rep-head --report --data-dir "$D" | head -1; echo "status=${PIPESTATUS[1]}" >&2')
    expect(r.stderr).toBe('status=0\n')
    expect(JSON.parse(r.stdout)).toEqual({topic: 'rep-head', partition: 0, offset: 0, key: null})
    expect(lines((await samsa(dir, ['consume', 'rep-head'])).stdout)).toHaveLength(50000)
  })

  it('--from -N, N, --until, --count, --partition', async () => {
    await topic('pos', 2)
    const input = Array.from({length: 20}, (_, i) => `${i % 2 === 0 ? 'key1' : 'key2'}:v${i}`).join('\n')
    expect((await samsa(dir, ['produce', 'pos', '--key-delimiter', ':'], {input})).code).toBe(0)
    const fmt = ['--format', '%p:%o\\n']
    const last2 = await samsa(dir, ['consume', 'pos', '--from', '-2', ...fmt])
    expect(lines(last2.stdout).sort()).toEqual(['0:8', '0:9', '1:8', '1:9'])
    const range = await samsa(dir, ['consume', 'pos', '--from', '3', '--until', '5', '--partition', '1', ...fmt])
    expect(lines(range.stdout)).toEqual(['1:3', '1:4'])
    const count = await samsa(dir, ['consume', 'pos', '--count', '3', '--partition', '0', ...fmt])
    expect(lines(count.stdout)).toEqual(['0:0', '0:1', '0:2'])
    const allButLast = await samsa(dir, ['consume', 'pos', '--until', '-8', ...fmt])
    expect(lines(allButLast.stdout).sort()).toEqual(['0:0', '0:1', '1:0', '1:1'])
    const end = await samsa(dir, ['consume', 'pos', '--from', 'end'])
    expect(end.code).toBe(0)
    expect(end.stdout).toBe('')
  })

  it('@TIME, --until @TIME and --merge-by-time across partitions and topics', async () => {
    await topic('t1', 3)
    await topic('t2', 2)
    const base = Date.parse('2026-01-01T00:00:00Z')
    const mk = (i: number) => JSON.stringify({ts: new Date(base + i * 1000).toISOString(), user: `u${i % 5}`, i})
    // interleave: t1 gets even seconds, t2 odd seconds, shuffled within a topic's partitions by key
    const t1 = Array.from({length: 30}, (_, i) => mk(i * 2)).join('\n')
    const t2 = Array.from({length: 30}, (_, i) => mk(i * 2 + 1)).join('\n')
    expect((await samsa(dir, ['produce', 't1', '--key-field', 'user', '--timestamp-field', 'ts'], {input: t1})).code).toBe(0)
    expect((await samsa(dir, ['produce', 't2', '--key-field', 'user', '--timestamp-field', 'ts'], {input: t2})).code).toBe(0)
    const merged = await samsa(dir, ['consume', 't1', 't2', '--merge-by-time', '--format', '%T\\n'])
    expect(merged.code, merged.stderr).toBe(0)
    const ts = lines(merged.stdout).map(Number)
    expect(ts).toEqual(Array.from({length: 60}, (_, i) => base + i * 1000))
    const from = await samsa(dir, ['consume', 't1', 't2', '--merge-by-time', '--from', `@${new Date(base + 50_000).toISOString()}`, '--format', '%T{iso}\\n'])
    expect(from.code, from.stderr).toBe(0)
    expect(lines(from.stdout)).toEqual(Array.from({length: 10}, (_, i) => new Date(base + (50 + i) * 1000).toISOString()))
    const window = await samsa(dir, ['consume', 't1', '--from', `@${base + 10_000}`, '--until', `@${base + 20_000}`, '--format', '%T\\n'])
    expect(window.code, window.stderr).toBe(0)
    expect(lines(window.stdout).map(Number).sort()).toEqual([10, 12, 14, 16, 18].map((s) => base + s * 1000))
    const mergedCount = await samsa(dir, ['consume', 't1', 't2', '--merge-by-time', '--count', '3', '--format', '%t %T\\n'])
    expect(lines(mergedCount.stdout)).toEqual([`t1 ${base}`, `t2 ${base + 1000}`, `t1 ${base + 2000}`])
  })

  it('produce --file: lines across its 1 MiB read chunks, and lines longer than a chunk, arrive byte for byte', async () => {
    // the file is read into one chunk of reused memory (file-chunks.ts): a line held across a chunk's
    // end must not be overwritten by the next read, also when it spans two or three chunks
    const r = await samsa(dir, ['topic', 'create', 'big', '--config', 'max.message.bytes=4000000', '--config', 'retention.ms=-1'])
    expect(r.code, r.stderr).toBe(0)
    const out: string[] = []
    let seed = 11
    const letter = (): string => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26))
    for (let i = 0; i < 400; i++) {
      // mostly short lines, some of 0.3–1.9 MB, two of ~2.6 MB (each longer than a read chunk)
      const size = i === 150 || i === 151 ? 2_600_000 + i : i % 37 === 5 ? 300_000 + i * 4000 : 50 + (i % 90)
      out.push(`${i}:${letter().repeat(size)}${letter()}`)
    }
    const file = join(dir, 'big.txt')
    writeFileSync(file, `${out.join('\n')}\n`)
    const p = await samsa(dir, ['produce', 'big', '--file', file])
    expect(p.code, p.stderr).toBe(0)
    const c = await samsa(dir, ['consume', 'big'])
    expect(c.code, c.stderr).toBe(0)
    const got = c.stdout.split('\n').slice(0, -1)
    expect(got.length).toBe(out.length)
    for (let i = 0; i < out.length; i++) if (got[i] !== out[i]) expect(`line ${i}: ${got[i]!.slice(0, 40)}… (${got[i]!.length} bytes)`).toBe(`line ${i}: ${out[i]!.slice(0, 40)}… (${out[i]!.length} bytes)`)
  })

  it('-DURATION is relative to now', async () => {
    await topic('recent')
    const old = JSON.stringify({ts: '2020-01-01T00:00:00Z', v: 'old'})
    const now = JSON.stringify({ts: new Date().toISOString(), v: 'new'})
    expect((await samsa(dir, ['produce', 'recent', '--timestamp-field', 'ts'], {input: `${old}\n${now}\n`})).code).toBe(0)
    const r = await samsa(dir, ['consume', 'recent', '--from', '-1h'])
    expect(lines(r.stdout)).toEqual([now])
  })

  describe('bad input: one line, the right exit code', () => {
    it.each([
      ['unknown topic (produce)', ['produce', 'nope'], 'x\n', 4, /^samsa: topic "?nope"? does not exist$/],
      ['unknown topic (consume)', ['consume', 'nope'], '', 4, /^samsa: topic "?nope"? does not exist$/],
      ['bad --from', ['consume', 'app', '--from', 'yesterday'], '', 2, /^samsa: bad --from 'yesterday'/],
      ['bad --until', ['consume', 'app', '--until', '@2026-13-01'], '', 2, /^samsa: bad --until/],
      ['missing key field', ['produce', 'app', '--key-field', 'user'], '{"user":"a"}\n{"x":1}\n', 6, /^samsa: line 2: no field "user" for the key$/],
      ['not JSON with --key-field', ['produce', 'app', '--key-field', 'user'], 'plain\n', 6, /^samsa: line 1: not valid JSON$/],
      ['invalid --jsonl line', ['produce', 'app', '--jsonl'], '{"value":"ok"}\n{"key":"k"}\n', 6, /^samsa: line 2: invalid --jsonl record/],
      ['bad --timestamp-field', ['produce', 'app', '--timestamp-field', 'ts'], '{"ts":"soon"}\n', 6, /^samsa: line 1: field "ts"/],
      ['record larger than max.message.bytes', ['produce', 'app'], `ok\n${'x'.repeat(1_100_000)}\n`, 6, /^samsa: line 2: .*max\.message\.bytes/],
      ['partition out of range', ['produce', 'app', '--partition', '9'], 'x\n', 4, /^samsa: partition 9 does not exist/],
      ['bad --format', ['consume', 'app', '--format', '%q'], '', 2, /^samsa: bad --format/],
      ['bad --header', ['produce', 'app', '--header', 'nokv'], 'x\n', 2, /^samsa: bad --header/],
    ])('%s', async (_name, args, input, code, message) => {
      const r = await samsa(dir, args as string[], {input: input as string})
      expect(r.code, r.stderr).toBe(code)
      expect(lines(r.stderr)).toHaveLength(1)
      expect(r.stderr.trim()).toMatch(message as RegExp)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    })

    it('lines before a bad line are still sent; --skip-invalid reports and goes on', async () => {
      await topic('skip')
      const bad = await samsa(dir, ['produce', 'skip', '--key-field', 'u'], {input: '{"u":"a"}\n{"x":1}\n{"u":"c"}\n'})
      expect(bad.code).toBe(6)
      expect(lines((await samsa(dir, ['consume', 'skip'])).stdout)).toEqual(['{"u":"a"}'])
      const skip = await samsa(dir, ['produce', 'skip', '--key-field', 'u', '--skip-invalid'], {input: '{"u":"a"}\n{"x":1}\nnope\n{"u":"c"}\n'})
      expect(skip.code, skip.stderr).toBe(0)
      expect(lines(skip.stderr)).toEqual([
        'samsa: line 2: no field "u" for the key (skipped)',
        'samsa: line 3: not valid JSON (skipped)',
        'samsa: skipped 2 invalid lines of 4 lines read',
      ])
      expect(lines((await samsa(dir, ['consume', 'skip'])).stdout)).toEqual(['{"u":"a"}', '{"u":"a"}', '{"u":"c"}'])
    })
  })
})

// keep the fixture writer around for ad-hoc debugging of envelopes
export function writeFixture(path: string, text: string): void {
  writeFileSync(path, text)
}
