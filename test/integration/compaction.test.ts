// Compacted topics through the built CLI against a real daemon (issue 11): `samsa topic compact` (and its
// --dry-run), `samsa table` (and --as-of), the cleaner's fields in `topic describe`, the daemon cleaning
// on its own, keyless records refused at produce, compaction of a topic that is not compacted refused.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, run, samsa, sleep, stopDaemonIn, tempDir} from '../support/index.js'

let dir = ''
const t = (args: string[], input?: string) => samsa(dir, args, {input, timeoutMs: 120_000})

beforeAll(async () => {
  dir = tempDir()
  const r = await samsa(dir, ['daemon', 'start', '--workers', '2'])
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`)
})

afterAll(async () => {
  if (dir) await stopDaemonIn(dir)
  await cleanup()
})

async function ok(args: string[], input?: string): Promise<string> {
  const r = await t(args, input)
  if (r.code !== 0) throw new Error(`samsa ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return r.stdout
}

interface Envelope {
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
}
const consumed = async (topic: string): Promise<Envelope[]> => lines(await ok(['consume', topic, '--jsonl'])).map((l) => JSON.parse(l) as Envelope)

interface CleanerInfo {
  cleanBytes: number
  dirtyBytes: number
  dirtyRatio: number
  firstDirtyOffset: number
  lastCleanedAt: number | null
  cleaning: boolean
}
interface Described {
  partitions: {partition: number; logStartOffset: number; logEndOffset: number; sizeInBytes: number; segments: number; cleaner?: CleanerInfo}[]
}
const describeTopic = async (topic: string): Promise<Described> => JSON.parse(await ok(['topic', 'describe', topic, '--json'])) as Described

interface Stats {
  recordsRead: number
  recordsKept: number
  superseded: number
  tombstonesExpired: number
  keyless: number
}
interface Compacted {
  topic: string
  dryRun: boolean
  partitions: {partition: number; passes: number; complete: boolean; sizeBefore: number; sizeAfter: number; stats: Stats}[]
}

// A seeded xorshift: the same records on every run.
function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1
  return (n) => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) % n
  }
}

describe('samsa topic compact and samsa table', () => {
  it('1 M records over 10 k keys: after compaction, table and consume give exactly the latest value of every live key', {timeout: 600_000}, async () => {
    const N = 1_000_000
    const KEYS = 10_000
    const rand = random(11)
    const latest = new Map<string, string | null>()
    const input: string[] = []
    for (let i = 0; i < N; i++) {
      const key = `key-${rand(KEYS)}`
      const value = rand(20) === 0 ? null : `v${i}-${'x'.repeat(rand(24))}`
      input.push(`${key}:${value ?? 'NULL'}`)
      latest.set(key, value)
    }
    const file = join(tempDir(), 'records.txt')
    writeFileSync(file, `${input.join('\n')}\n`)
    const live = [...latest].filter(([, v]) => v !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const deleted = new Set([...latest].filter(([, v]) => v === null).map(([k]) => k))
    expect(deleted.size).toBeGreaterThan(100) // the model has deleted keys to check

    // min.cleanable.dirty.ratio=1: no ratio passes 1, so the daemon cleans this topic only when asked and
    // the dry run and the run after it see the same log (a cleaner that took "meets" for "passes" once
    // cleaned a partition between the two here)
    await ok(['topic', 'create', 'users', '--partitions', '3', '--compact', '--config', 'segment.bytes=1048576', '--config', 'min.cleanable.dirty.ratio=1'])
    await ok(['produce', 'users', '--file', file, '--key-delimiter', ':', '--null-marker', 'NULL'])
    const before = await describeTopic('users')
    expect(before.partitions.reduce((n, p) => n + p.logEndOffset, 0)).toBe(N)

    const dry = JSON.parse(await ok(['topic', 'compact', 'users', '--dry-run', '--json'])) as Compacted
    const real = JSON.parse(await ok(['topic', 'compact', 'users', '--json'])) as Compacted
    expect(dry.dryRun).toBe(true)
    expect(real.dryRun).toBe(false)
    for (const r of [dry, real]) expect(r.partitions.every((p) => p.complete && p.passes >= 1)).toBe(true)
    const counts = (c: Compacted) => c.partitions.map(({partition, stats: s}) => ({partition, read: s.recordsRead, kept: s.recordsKept, superseded: s.superseded, tombstones: s.tombstonesExpired, keyless: s.keyless}))
    expect(counts(dry)).toEqual(counts(real)) // the dry run counted exactly what the run removed
    // delete.retention.ms is a day: every key is left once, its latest record, tombstones included
    expect(real.partitions.reduce((n, p) => n + p.stats.recordsKept, 0)).toBe(latest.size)
    const inputBytes = input.reduce((n, l) => n + l.length + 1, 0)
    expect(real.partitions.reduce((n, p) => n + p.sizeAfter, 0)).toBeLessThan(inputBytes / 20) // ~20 MB in, ~1 record per key left

    const table = lines(await ok(['table', 'users']))
    expect(table).toEqual(live.map(([k, v]) => `${k}\t${v}`))

    const all = await consumed('users')
    expect(all).toHaveLength(latest.size)
    expectIncreasingOffsets(all)
    for (const r of all) expect(r.value).toBe(latest.get(r.key!))
    expect(all.filter((r) => r.value === null).map((r) => r.key).sort()).toEqual([...deleted].sort())

    // describe: the whole log is clean now, just cleaned
    const after = await describeTopic('users')
    for (const p of after.partitions) {
      expect(p.cleaner).toMatchObject({dirtyBytes: 0, dirtyRatio: 0, cleaning: false})
      expect(p.cleaner!.cleanBytes).toBeGreaterThan(0)
      expect(p.cleaner!.lastCleanedAt).toBeGreaterThan(Date.now() - 120_000)
      expect(p.logEndOffset).toBe(before.partitions[p.partition]!.logEndOffset) // offsets never change
    }

    // past delete.retention.ms, the tombstones go too: no deleted key is left, not even as a tombstone
    await ok(['topic', 'alter', 'users', '--config', 'delete.retention.ms=1000'])
    await sleep(1500)
    const expire = JSON.parse(await ok(['topic', 'compact', 'users', '--json'])) as Compacted
    expect(expire.partitions.reduce((n, p) => n + p.stats.tombstonesExpired, 0)).toBe(deleted.size)
    const remaining = await consumed('users')
    expect(remaining.map((r) => [r.key, r.value]).sort()).toEqual(live)
    expectIncreasingOffsets(remaining)
    expect(lines(await ok(['table', 'users']))).toEqual(live.map(([k, v]) => `${k}\t${v}`))
  })

  it('prints the dry run per partition (what would go, and why) and changes nothing', async () => {
    // min.cleanable.dirty.ratio=1 keeps the daemon from cleaning on its own
    await ok(['topic', 'create', 'dry', '--compact', '--config', 'min.cleanable.dirty.ratio=1'])
    await ok(['produce', 'dry', '--key-delimiter', ':'], 'z:0\n')
    await ok(['topic', 'compact', 'dry'])
    await ok(['produce', 'dry', '--key-delimiter', ':'], 'a:1\nb:1\na:2\na:3\nb:2\n')
    const r = await t(['topic', 'compact', 'dry', '--dry-run'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/dry run of topic dry: 3 of 6 records would go; nothing was changed/)
    expect(r.stdout).toMatch(/SUPERSEDED/)
    expect(r.stdout).toMatch(/│\s+0 │\s+6 │\s+3 │\s+3 │\s+0 │\s+0 │/) // partition, records, would go, superseded, tombstones, keyless
    const all = ['z:0@0', 'a:1@1', 'b:1@2', 'a:2@3', 'a:3@4', 'b:2@5']
    expect((await consumed('dry')).map((e) => `${e.key}:${e.value}@${e.offset}`)).toEqual(all)
    const done = await t(['topic', 'compact', 'dry'])
    expect(done.stdout).toMatch(/compacted topic dry: 3 of 6 records removed/)
    expect((await consumed('dry')).map((e) => `${e.key}:${e.value}@${e.offset}`)).toEqual(['z:0@0', 'a:3@4', 'b:2@5'])
  })

  it('draws a progress bar on a terminal, and none when stderr is not one', async () => {
    await ok(['topic', 'create', 'tty', '--compact', '--config', 'segment.bytes=65536', '--config', 'min.cleanable.dirty.ratio=1'])
    const rows = Array.from({length: 20_000}, (_, i) => `k${i % 100}:value-${i}`)
    await ok(['produce', 'tty', '--key-delimiter', ':'], `${rows.join('\n')}\n`)
    // script(1) runs the command on a pseudo-terminal and copies what it draws to its own stdout
    const r = await run('script', ['-qec', '$SAMSA topic compact tty --data-dir "$D"', '/dev/null'], {env: {D: dir}, timeoutMs: 120_000})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/compacting .*100% \| [\d.]+ \w*B of [\d.]+ \w*B read/)
    expect(r.stdout).toMatch(/compacted topic tty: \d+ of \d+ records removed/)
    // on a pipe: the summary and table only, nothing on stderr
    await ok(['produce', 'tty', '--key-delimiter', ':'], `${rows.join('\n')}\n`)
    const piped = await t(['topic', 'compact', 'tty'])
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    expect(piped.stdout).toMatch(/^compacted topic tty: \d+ of \d+ records removed/)
  })

  it('refuses to compact a topic that is not compacted, in one line naming it and its policy', async () => {
    await ok(['topic', 'create', 'plain'])
    const r = await t(['topic', 'compact', 'plain'])
    expect(r.code).toBe(6)
    expect(r.stdout).toBe('')
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/^samsa: topic plain has cleanup\.policy=delete: only a compacted topic .* is compacted/)
    const json = await t(['topic', 'compact', 'plain', '--json'])
    expect(JSON.parse(json.stdout).error.code).toBe('INVALID_CONFIG')
    const missing = await t(['topic', 'compact', 'nope'])
    expect(missing.code).toBe(4)
    expect(lines(missing.stderr)).toHaveLength(1)
  })

  it('refuses a keyless record produced to a compacted topic: exit 6, one line, nothing of the batch appended', async () => {
    await ok(['topic', 'create', 'keyed', '--compact'])
    const r = await t(['produce', 'keyed', '--key-delimiter', ':'], 'a:1\nb:2\nno key here\nc:3\n')
    expect(r.code).toBe(6)
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/keyed-0 refused, nothing appended: .*record 2 has no key: a compacted topic/)
    const d = await describeTopic('keyed')
    expect(d.partitions[0]!.logEndOffset).toBe(0)
    expect(await consumed('keyed')).toEqual([])
    // keyed records still go in
    await ok(['produce', 'keyed', '--key-delimiter', ':'], 'a:1\nb:2\n')
    expect((await consumed('keyed')).map((e) => e.key)).toEqual(['a', 'b'])
  })

  it('table --as-of shows the table as it was at a time; --format jsonl is the lossless envelope', async () => {
    await ok(['topic', 'create', 'history', '--compact', '--config', 'min.cleanable.dirty.ratio=1'])
    const at = (ts: number, key: string | {base64: string}, value: string | null) => JSON.stringify({key, value, timestamp: ts})
    const T = 1_700_000_000_000 // 2023: past delete.retention.ms, so the tombstone goes at compaction
    const input = [
      at(T + 1000, 'a', 'a1'),
      at(T + 2000, 'b', 'b1'),
      at(T + 3000, 'a', 'a2\tend'), // a tab: escaped in tsv
      at(T + 4000, 'b', null), // b deleted
      at(T + 5000, {base64: '/w=='}, 'binary key'), // not UTF-8
      at(T + 5000, 'c', 'c1'),
    ]
    await ok(['produce', 'history', '--jsonl'], `${input.join('\n')}\n`)
    const table = async (...args: string[]) => lines(await ok(['table', 'history', ...args]))
    expect(await table('--as-of', String(T + 999))).toEqual([])
    expect(await table('--as-of', String(T + 2500))).toEqual(['a\ta1', 'b\tb1'])
    expect(await table('--as-of', new Date(T + 3000).toISOString())).toEqual(['a\ta2\\tend', 'b\tb1']) // a record at TIME counts
    expect(await table('--as-of', `@${T + 4000}`)).toEqual(['a\ta2\\tend'])
    expect(await table()).toEqual(['a\ta2\\tend', 'c\tc1', '{"base64":"/w=="}\tbinary key']) // sorted by key bytes
    const jsonl = (await table('--format', 'jsonl')).map((l) => JSON.parse(l) as Envelope & {headers: unknown[]; topic: string})
    expect(jsonl.map((e) => [e.key, e.value, e.offset, e.timestamp])).toEqual([
      ['a', 'a2\tend', 2, T + 3000],
      ['c', 'c1', 5, T + 5000],
      [{base64: '/w=='}, 'binary key', 4, T + 5000],
    ])
    expect(jsonl[0]).toMatchObject({topic: 'history', partition: 0, headers: []})

    // after compaction, a time the cleaner compacted past can no longer be shown whole: a note says so
    await ok(['topic', 'compact', 'history'])
    const past = await t(['table', 'history', '--as-of', String(T + 2500)])
    expect(past.code).toBe(0)
    expect(past.stdout).toBe('') // a1 was superseded, b deleted: nothing of that time is left
    expect(past.stderr).toMatch(/note: history-0 was compacted past --as-of/)
    expect(await table()).toEqual(['a\ta2\\tend', 'c\tc1', '{"base64":"/w=="}\tbinary key'])

    const bad = await t(['table', 'history', '--as-of', 'yesterday-ish'])
    expect(bad.code).toBe(2)
    expect(lines(bad.stderr)).toHaveLength(1)
  })

  it('the daemon cleans a compacted topic on its own once the dirty ratio passes min.cleanable.dirty.ratio', async () => {
    // segments of 1 KiB and batches of about that size: the log rolls every batch or two
    await ok(['topic', 'create', 'auto', '--compact', '--config', 'segment.bytes=1024'])
    const rows = Array.from({length: 3000}, (_, i) => `k${i % 20}:value-${i}-${'y'.repeat(40)}`)
    await ok(['produce', 'auto', '--key-delimiter', ':', '--batch-size', '1k', '--linger-ms', '0'], `${rows.join('\n')}\n`)
    const cleaned = await waitForDescribe('auto', (p) => p.cleaner?.lastCleanedAt !== null && p.cleaner!.dirtyRatio < 0.5, 60_000)
    expect(cleaned.sizeInBytes).toBeLessThan(30 * 1024) // 3000 records of ~60 bytes were written
    expect(cleaned.logEndOffset).toBe(3000)
    const latest = new Map(rows.map((r) => r.split(':') as [string, string]))
    expect(lines(await ok(['table', 'auto']))).toEqual([...latest].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}\t${v}`))
    const describeText = await ok(['topic', 'describe', 'auto'])
    expect(describeText).toMatch(/DIRTY RATIO/)
    expect(describeText).toMatch(/LAST CLEANED/)
    expect(describeText).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z \(.* ago\)/)
  })

  it('cleanup.policy=compact,delete applies both: the daemon cleans and retention deletes', async () => {
    await ok(['topic', 'create', 'both', '--config', 'cleanup.policy=compact,delete', '--config', 'segment.bytes=1024', '--config', 'retention.bytes=4096'])
    const rows = Array.from({length: 2000}, (_, i) => `k${i % 500}:value-${i}-${'z'.repeat(40)}`)
    await ok(['produce', 'both', '--key-delimiter', ':', '--batch-size', '1k', '--linger-ms', '0'], `${rows.join('\n')}\n`)
    const p = await waitForDescribe('both', (d) => d.logStartOffset > 0 && d.cleaner?.lastCleanedAt !== null, 60_000)
    expect(p.logEndOffset).toBe(2000)
    expect((await consumed('both')).length).toBeLessThan(2000)
  })
})

function expectIncreasingOffsets(records: Envelope[]): void {
  const last = new Map<number, number>()
  for (const r of records) {
    expect(r.offset).toBeGreaterThan(last.get(r.partition) ?? -1)
    last.set(r.partition, r.offset)
  }
}

async function waitForDescribe(topic: string, ok: (p: Described['partitions'][number]) => boolean, ms: number): Promise<Described['partitions'][number]> {
  const deadline = Date.now() + ms
  for (;;) {
    const p = (await describeTopic(topic)).partitions[0]!
    if (ok(p)) return p
    if (Date.now() > deadline) throw new Error(`${topic}: still ${JSON.stringify(p)} after ${ms} ms`)
    await sleep(200)
  }
}
