// The verifier catches every damage it claims to (src/storage/log-verifier.ts's list): a real daemon
// writes a partition (three segments, LZ4 and uncompressed batches, offset and time index entries); each
// kind of damage is done to its own copy of that partition, and one `samsa log verify` of the directory
// holding them all must exit 7 and print, for every copy, a line naming the damaged file and the problem —
// while the undamaged copy verifies clean (exit 0). A verifier that passed everything would make every
// crash suite's "verify clean" meaningless (test/faults/).
import {appendFileSync, cpSync, readFileSync, readdirSync, renameSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {crc32c} from '../../src/format/crc32c.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'

beforeAll(requireBuild)
afterAll(cleanup)

// RecordBatch v2 header fields used below (format/batch-header.ts)
const LENGTH = 8
const MAGIC = 16
const CRC = 17
const ATTRIBUTES = 21
const LAST_OFFSET_DELTA = 23
const RECORDS_COUNT = 57
const RECORDS = 61

interface Segment {
  log: string
  index: string
  timeindex: string
  base: number
}

class Partition {
  constructor(readonly dir: string) {}
  segments(): Segment[] {
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.log'))
      .sort()
      .map((n) => {
        const stem = join(this.dir, n.slice(0, -4))
        return {log: `${stem}.log`, index: `${stem}.index`, timeindex: `${stem}.timeindex`, base: Number(n.slice(0, 20))}
      })
  }
  seg(i: number): Segment {
    return this.segments().at(i)!
  }
}

function positions(buf: Buffer): number[] {
  const out: number[] = []
  for (let p = 0; p + 12 <= buf.length; p += buf.readInt32BE(p + LENGTH) + 12) out.push(p)
  return out
}

/** Edits a file's bytes in place. */
function edit(file: string, change: (buf: Buffer, batches: number[]) => Buffer | void): void {
  const buf = readFileSync(file)
  writeFileSync(file, change(buf, positions(buf)) ?? buf)
}

/** The CRC-32C of the batch at `at`, made right again after an edit inside it (so only the deeper checks can catch it). */
function fixCrc(buf: Buffer, at: number): void {
  const end = at + buf.readInt32BE(at + LENGTH) + 12
  buf.writeUInt32BE(crc32c(buf, at + ATTRIBUTES, end), at + CRC)
}

const isLz4 = (buf: Buffer, at: number) => (buf.readInt16BE(at + ATTRIBUTES) & 7) === Compression.Lz4

// kind → [damage, the file whose line names it, the problem]
type Damage = [(p: Partition) => void, (p: Partition) => string, RegExp]
const DAMAGE: Record<string, Damage> = {
  'bad-crc': [(p) => edit(p.seg(0).log, (b, at) => void (b[at[3]! + RECORDS + 5]! ^= 0xff)), (p) => p.seg(0).log, /CRC/],
  'wrong-magic': [(p) => edit(p.seg(0).log, (b, at) => void (b[at[3]! + MAGIC] = 1)), (p) => p.seg(0).log, /magic/],
  'bad-length': [(p) => edit(p.seg(0).log, (b, at) => void b.writeInt32BE(20, at[3]! + LENGTH)), (p) => p.seg(0).log, /length|skipped \d+ bytes/],
  'huge-length': [(p) => edit(p.seg(-1).log, (b, at) => void b.writeInt32BE(0x7ffffff0, at[at.length - 1]! + LENGTH)), (p) => p.seg(-1).log, /torn tail/],
  'torn-tail': [(p) => truncateSync(p.seg(-1).log, readFileSync(p.seg(-1).log).length - 7), (p) => p.seg(-1).log, /torn tail/],
  'garbage-tail': [(p) => appendFileSync(p.seg(-1).log, Buffer.alloc(64, 0xab)), (p) => p.seg(-1).log, /torn tail: 64 bytes/],
  'offsets-backwards': [
    (p) => edit(p.seg(0).log, (b, at) => void b.writeBigInt64BE(b.readBigInt64BE(at[2]!), at[4]!)),
    (p) => p.seg(0).log,
    /offsets go backwards/,
  ],
  'offset-gap': [
    (p) => edit(p.seg(0).log, (b, at) => Buffer.concat([b.subarray(0, at[4]!), b.subarray(at[5]!)])), // a batch cut out
    (p) => p.seg(0).log,
    /offset gap/,
  ],
  'below-segment-base': [
    (p) => edit(p.seg(1).log, (b) => void b.writeBigInt64BE(BigInt(p.seg(1).base - 1), 0)),
    (p) => p.seg(1).log,
    /below the segment's base offset/,
  ],
  'segment-overlap': [
    (p) => {
      const s = p.seg(1)
      const lower = join(p.dir, String(s.base - 2).padStart(20, '0'))
      for (const [from, suffix] of [[s.log, '.log'], [s.index, '.index'], [s.timeindex, '.timeindex']] as const) renameSync(from, lower + suffix)
    },
    (p) => p.seg(1).log,
    /overlaps/,
  ],
  'relative-offset-overflow': [
    (p) =>
      edit(p.seg(-1).log, (b, at) => {
        b.writeInt32BE(0x7ffffff0, at[at.length - 1]! + LAST_OFFSET_DELTA)
        fixCrc(b, at[at.length - 1]!)
      }),
    (p) => p.seg(-1).log,
    /32-bit relative offset/,
  ],
  'bad-lz4-frame': [
    (p) =>
      edit(p.seg(0).log, (b, at) => {
        const i = at.findIndex((x) => isLz4(b, x))
        b[at[i]! + RECORDS + 12]! ^= 0x5a
        b[at[i]! + RECORDS + 13]! ^= 0x5a
        fixCrc(b, at[i]!)
      }),
    (p) => p.seg(0).log,
    /LZ4 frame/,
  ],
  'record-count-mismatch': [
    (p) =>
      edit(p.seg(0).log, (b, at) => {
        b.writeInt32BE(b.readInt32BE(at[6]! + RECORDS_COUNT) + 1, at[6]! + RECORDS_COUNT)
        fixCrc(b, at[6]!)
      }),
    (p) => p.seg(0).log,
    /recordsCount 6 but lastOffsetDelta 4/,
  ],
  'lying-varint': [
    (p) =>
      edit(p.seg(0).log, (b, at) => {
        const i = at.findIndex((x) => !isLz4(b, x))
        b[at[i]! + RECORDS] = 0x7e // the first record's length varint: 63 bytes, more than its fields use
        fixCrc(b, at[i]!)
      }),
    (p) => p.seg(0).log,
    /record 0 length 63 but its fields use \d+ bytes/,
  ],
  'index-off-boundary': [(p) => edit(p.seg(0).index, (b) => void b.writeUInt32BE(b.readUInt32BE(12) + 1, 12)), (p) => p.seg(0).index, /does not point at a batch boundary/],
  'index-backwards': [(p) => edit(p.seg(0).index, (b) => void b.writeUInt32BE(0, 16)), (p) => p.seg(0).index, /does not follow/],
  'index-past-end': [
    (p) => appendFileSync(p.seg(0).index, Buffer.from([0, 0, 0x7f, 0, 0, 0x10, 0, 0])),
    (p) => p.seg(0).index,
    /points past the end of the log/,
  ],
  'index-partial-entry': [(p) => appendFileSync(p.seg(0).index, Buffer.from([1, 2, 3])), (p) => p.seg(0).index, /trailing partial entry of 3 bytes/],
  'timeindex-wrong-timestamp': [(p) => edit(p.seg(0).timeindex, (b) => void b.writeBigInt64BE(b.readBigInt64BE(0) - 1n, 0)), (p) => p.seg(0).timeindex, /has maxTimestamp/],
  'timeindex-backwards': [(p) => edit(p.seg(0).timeindex, (b) => void b.writeBigInt64BE(b.readBigInt64BE(0) - 100n, 12)), (p) => p.seg(0).timeindex, /does not follow/],
  'timeindex-beyond': [
    (p) => {
      const e = Buffer.alloc(12)
      e.writeBigInt64BE(BigInt(Date.now() + 3_600_000), 0)
      e.writeUInt32BE(0x100000, 8)
      appendFileSync(p.seg(0).timeindex, e)
    },
    (p) => p.seg(0).timeindex,
    /beyond the last batch|in no batch/,
  ],
  'checkpoint-unreadable': [(p) => writeFileSync(join(p.dir, 'recovery-point.checkpoint'), 'junk'), (p) => join(p.dir, 'recovery-point.checkpoint'), /unreadable checkpoint/],
  'checkpoint-beyond-end': [
    (p) => writeFileSync(join(p.dir, 'log-start-offset.checkpoint'), '0\n99999\n'),
    (p) => join(p.dir, 'log-start-offset.checkpoint'),
    /checkpoint offset 99999 is beyond the log end/,
  ],
}

describe('samsa log verify catches every kind of damage it claims to', () => {
  let written: string // a partition written by a real daemon, stopped cleanly
  beforeAll(async () => {
    const dataDir = tempDir()
    const d = await spawnDaemon(dataDir, {workers: 1})
    const c = await TestClient.connect(d.socket)
    await c.request(ApiKey.CreateTopic, {name: 't', partitions: 1, configs: {'segment.bytes': '4096', 'index.interval.bytes': '256'}, ifNotExists: false})
    const start = Date.now()
    for (let i = 0; i < 60; i++) {
      const recs = Array.from({length: 5}, (_, j) => ({key: Buffer.from(`k${j}`), value: Buffer.from(`value-${i}-${j}-`.padEnd(40, 'x')), timestamp: start + i * 10 + j, headers: []}))
      const batch = encodeRecordBatch(recs, {compression: i % 2 === 0 ? Compression.Lz4 : Compression.None})
      const r = await c.request(ApiKey.Produce, {topic: 't', partition: 0, acks: 1, timeoutMs: 5000}, batch)
      expect(r.body.error).toBeUndefined()
    }
    c.close()
    expect(await stopDaemon(d)).toBe(0)
    written = join(dataDir, 't-0')
    const p = new Partition(written)
    expect(p.segments().length).toBeGreaterThanOrEqual(3)
    expect(readFileSync(p.seg(-1).log).length).toBeGreaterThan(300) // the last segment holds a few batches
    expect(readFileSync(p.seg(0).index).length).toBeGreaterThanOrEqual(24)
    expect(readFileSync(p.seg(0).timeindex).length).toBeGreaterThanOrEqual(24)
  })

  it('an undamaged partition verifies clean, exit 0', async () => {
    const r = await samsa(null, ['log', 'verify', written])
    expect(r.stdout).toBe('')
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/checked 1 partition, \d+ segments, 60 batches: no problems found/)
  })

  it('each damage: exit 7, and a line naming the damaged file and the problem', async () => {
    const root = tempDir()
    cpSync(written, join(root, 'undamaged-0'), {recursive: true})
    const expected: Array<[string, string, RegExp]> = []
    for (const [kind, [damage, file, problem]] of Object.entries(DAMAGE)) {
      const p = new Partition(join(root, `${kind}-0`))
      cpSync(written, p.dir, {recursive: true})
      damage(p)
      expected.push([kind, file(p), problem])
    }
    const r = await samsa(null, ['log', 'verify', root])
    expect(r.code, r.stderr).toBe(7)
    const lines = r.stdout.trimEnd().split('\n')
    const missed: string[] = []
    for (const [kind, file, problem] of expected) {
      const own = lines.filter((l) => l.includes(`/${kind}-0/`))
      if (!own.some((l) => l.startsWith(`${file}:`) && problem.test(l.slice(file.length)))) missed.push(`${kind}: wanted ${file}: ${problem}; got ${JSON.stringify(own)}`)
    }
    expect(missed).toEqual([])
    expect(lines.filter((l) => l.includes('/undamaged-0/'))).toEqual([])
    expect(r.stderr).toMatch(new RegExp(`checked ${expected.length + 1} partitions, .*: \\d+ problems in \\d+ files`))
  })

  it('a damaged segment checked on its own: exit 7, the same line', async () => {
    const p = new Partition(join(tempDir(), 't-0'))
    cpSync(written, p.dir, {recursive: true})
    DAMAGE['bad-crc']![0](p)
    const r = await samsa(null, ['log', 'verify', p.seg(0).log])
    expect(r.code).toBe(7)
    expect(r.stdout).toMatch(new RegExp(`^${p.seg(0).log.replace(/[.]/g, '\\.')}:\\d+: .*CRC`))
  })
})
