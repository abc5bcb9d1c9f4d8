// `samsa log dump` and `samsa log verify`, driven as a user would: the built CLI on files on disk.
// Segments come from three writers: our own storage engine, kafkajs's RecordBatch encoder (another Kafka
// implementation, with Kafka-style compaction gaps, leader epochs and a preallocated index), and a records
// section compressed by the `lz4` command-line tool (the frame options kafkajs-lz4 writes). `log verify`
// on a whole data directory is also run on one written by a real detached daemon (daemon.log, run/,
// catalog.json beside the partitions), and on every kind of path a user may hand it.
import {spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {ATTRIBUTES_POS, BATCH_HEADER_SIZE, BATCH_LENGTH_POS, Compression, writeBaseOffset, writeBatchCrc} from '../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {resolveLogConfig} from '../../src/storage/log-config.js'
import {PartitionLog} from '../../src/storage/partition-log.js'
import {cleanup, samsa as samsaIn, samsaSync, stopDaemonIn, tempDir} from '../support/index.js'

const root = tempDir('samsa-logtools-')
afterAll(cleanup)

const samsa = (...args: string[]): {code: number; stdout: string; stderr: string} => samsaSync(args, {env: {SAMSA_DATA_DIR: join(root, 'unused')}})

const SEGMENT = '00000000000000000000.log'
const rec = (value: string, key: string | null = null, headers: {key: string; value: Buffer | null}[] = []) => ({
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(value),
  timestamp: 1_700_000_000_000,
  headers,
})

function ourPartition(name: string): string {
  const dir = join(root, name, 'logs-0')
  const log = PartitionLog.open({dir, config: resolveLogConfig({})})
  log.append(encodeRecordBatch([rec('GET /index.html 200', 'user1', [{key: 'trace', value: Buffer.from('abc')}]), rec('tombstone next')]))
  log.append(encodeRecordBatch([{key: Buffer.from('user1'), value: null, timestamp: 1_700_000_000_005, headers: []}]))
  log.append(encodeRecordBatch([{key: null, value: Buffer.from([0xff, 0x00, 0xfe]), timestamp: 1_700_000_000_009, headers: []}], {compression: Compression.None}))
  log.close()
  return dir
}

// Batches as a Kafka broker stores them: kafkajs's encoder, base offsets assigned with gaps (as after
// compaction), partitionLeaderEpoch 5, and an .index preallocated with zeros past its one real entry.
async function kafkaPartition(): Promise<string> {
  const require = createRequire(import.meta.url)
  const encode = require('kafkajs/src/protocol/recordBatch/v0').RecordBatch
  const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0')
  const dir = join(root, 'kafka', 'orders-0')
  mkdirSync(dir, {recursive: true})
  const batches: Buffer[] = []
  let base = 0
  for (const [i, compression] of [0, 1, 0].entries()) {
    const batch = (
      await encode({
        compression,
        firstTimestamp: 1_700_000_000_000 + i,
        maxTimestamp: 1_700_000_000_000 + i,
        partitionLeaderEpoch: 5,
        lastOffsetDelta: 1,
        records: [
          KRecord({offsetDelta: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`order ${i}a`)}),
          KRecord({offsetDelta: 1, key: Buffer.from(`k${i}`), value: Buffer.from(`order ${i}b`), headers: {src: 'kafkajs'}}),
        ],
      })
    ).buffer as Buffer
    writeBaseOffset(batch, 0, base)
    batches.push(batch)
    base += 5 // a compaction gap of three offsets after each batch
  }
  writeFileSync(join(dir, SEGMENT), Buffer.concat(batches))
  const index = Buffer.alloc(8 * 4) // Kafka preallocates; trailing zero entries mean "unused"
  index.writeUInt32BE(11, 0) // relative offset of the last batch's last record…
  index.writeUInt32BE(batches[0].length + batches[1].length, 4) // …at that batch's position
  writeFileSync(join(dir, '00000000000000000000.index'), index)
  return dir
}

// A records section compressed by the lz4 CLI with its defaults (4 MiB blocks, content checksum).
function lz4CliSegment(): string {
  const plain = encodeRecordBatch([rec('from the lz4 tool', 'k'), rec('second')], {compression: Compression.None})
  const r = spawnSync('lz4', ['-c', '-B7'], {input: plain.subarray(BATCH_HEADER_SIZE)})
  expect(r.status).toBe(0)
  const batch = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), r.stdout])
  batch.writeInt32BE(batch.length - 12, BATCH_LENGTH_POS)
  batch.writeInt16BE(Compression.Lz4, ATTRIBUTES_POS)
  writeBatchCrc(batch, 0, batch.length)
  const dir = join(root, 'lz4cli', 't-0')
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, SEGMENT), batch)
  writeFileSync(join(dir, '00000000000000000000.index'), '') // under index.interval.bytes: no entries
  return dir
}

describe('samsa log dump', () => {
  it('prints each batch and, with --records, each record; binary values as base64', () => {
    const dir = ourPartition('dump')
    const r = samsa('log', 'dump', join(dir, SEGMENT), '--records')
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe(`Dumping ${join(dir, SEGMENT)}`)
    expect(lines[1]).toMatch(/^baseOffset: 0 lastOffset: 1 count: 2 position: 0 .* codec: lz4 .* crcValid: true/)
    expect(lines[2]).toContain('| offset: 0 timestamp: 1700000000000 keySize: 5 valueSize: 19 headers: [trace=abc] key: user1 value: GET /index.html 200')
    expect(r.stdout).toContain('| offset: 2 timestamp: 1700000000005 keySize: 5 valueSize: -1 headers: [] key: user1 value: null')
    expect(r.stdout).toMatch(/codec: none .*\n\| offset: 3 .* value: base64:\/wD\+/)
    expect(r.stderr).toBe('samsa: 3 batches, 4 records\n')
  })

  it('--json writes one parseable object per batch, records lossless', () => {
    const dir = ourPartition('dumpjson')
    const r = samsa('log', 'dump', join(dir, SEGMENT), '--records', '--json')
    expect(r.code).toBe(0)
    const batches = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.codec, b.crcValid])).toEqual([
      [0, 1, 'lz4', true],
      [2, 2, 'lz4', true],
      [3, 3, 'none', true],
    ])
    expect(batches[0].records[0]).toEqual({offset: 0, timestamp: 1700000000000, key: 'user1', value: 'GET /index.html 200', headers: [{key: 'trace', value: 'abc'}]})
    expect(batches[1].records[0].value).toBeNull()
    expect(Buffer.from(batches[2].records[0].value.base64, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0xfe]))
  })

  it('reads segments written by another Kafka implementation and by the lz4 tool', async () => {
    const kafka = await kafkaPartition()
    const r = samsa('log', 'dump', join(kafka, SEGMENT), '--records')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/baseOffset: 5 lastOffset: 6 count: 2 .* codec: gzip .* partitionLeaderEpoch: 5/)
    expect(r.stdout).toContain('| offset: 6 timestamp: 1700000000001 keySize: 2 valueSize: 8 headers: [src=kafkajs] key: k1 value: order 1b')
    const cli = samsa('log', 'dump', join(lz4CliSegment(), SEGMENT), '--records')
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain('value: from the lz4 tool')
  })

  it('a missing file is one line and exit 4', () => {
    const r = samsa('log', 'dump', join(root, 'nope.log'))
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(`samsa: no such file: ${join(root, 'nope.log')}\n`)
  })
})

describe('samsa log verify', () => {
  it('exits 0 on clean data from us, from kafkajs (gaps, preallocated index) and from the lz4 tool', async () => {
    const dirs = [ourPartition('clean'), await kafkaPartition(), lz4CliSegment()]
    for (const dir of dirs) {
      const r = samsa('log', 'verify', dir)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(new RegExp(`^samsa: ${dir}: checked 1 partition, 1 segment, \\d+ batch(es)?: no problems found`, 'm'))
      expect(r.code).toBe(0)
    }
    const all = samsa('log', 'verify', join(root, 'clean')) // a whole data directory
    expect(all.stderr).toBe(`samsa: ${join(root, 'clean')}: checked 1 partition, 1 segment, 3 batches: no problems found\n`)
    expect(all.code).toBe(0)
  })

  it('names file, byte position and problem for a flipped byte, a torn tail and a bad index entry; exit 7', () => {
    const dir = ourPartition('damaged')
    const logPath = join(dir, SEGMENT)
    const bytes = readFileSync(logPath)
    const second = bytes.readInt32BE(BATCH_LENGTH_POS) + 12 // position of the second batch
    bytes[second + 70] ^= 0x40 // inside the second batch's CRC range
    writeFileSync(logPath, Buffer.concat([bytes, Buffer.from([0, 0, 0, 0, 0, 0, 0, 9, 0x7f, 0xff, 0xff, 0xff])])) // a header claiming 2 GiB
    const index = Buffer.alloc(8)
    index.writeUInt32BE(1, 0)
    index.writeUInt32BE(17, 4) // not a batch boundary
    writeFileSync(join(dir, '00000000000000000000.index'), index)

    const r = samsa('log', 'verify', dir)
    expect(r.code).toBe(7)
    const lines = r.stdout.trim().split('\n')
    expect(lines.some((l) => l.startsWith(`${logPath}:${second}: CRC mismatch`))).toBe(true)
    expect(lines.some((l) => l.startsWith(`${logPath}:${bytes.length}: torn tail`))).toBe(true)
    expect(lines.some((l) => l.startsWith(join(dir, '00000000000000000000.index')) && /17/.test(l))).toBe(true)
    expect(r.stderr).toMatch(new RegExp(`^samsa: ${dir}: checked 1 partition, 1 segment, 3 batches: \\d+ problems in 2 files\n$`))

    const json = samsa('log', 'verify', logPath, '--json')
    expect(json.code).toBe(7)
    const result = JSON.parse(json.stdout)
    expect(result).toMatchObject({path: logPath, scope: 'segment', ok: false})
    expect(result.problems).toContainEqual(expect.objectContaining({file: logPath, position: second}))
  })

  it('never modifies what it checks', () => {
    const dir = ourPartition('readonly')
    const logPath = join(dir, SEGMENT)
    writeFileSync(logPath, Buffer.concat([readFileSync(logPath), Buffer.alloc(100)]))
    const before = readFileSync(logPath)
    expect(samsa('log', 'verify', dir).code).toBe(7)
    expect(readFileSync(logPath).equals(before)).toBe(true)
  })

  it('a missing path is one line and exit 4', () => {
    const r = samsa('log', 'verify', join(root, 'missing'))
    expect(r.code).toBe(4)
    expect(r.stderr).toBe(`samsa: no such file or directory: ${join(root, 'missing')}\n`)
  })
})

// What a path is comes from Kafka's layout, never from a file suffix: a data directory holds the daemon's
// files (catalog.json, daemon.log, run/) and `<topic>-<n>` partition directories; a partition directory is
// named `<topic>-<n>` and holds 20-digit segment files; a segment is `<20 digits>.log`.
describe('samsa log verify: every kind of path', () => {
  const flip = (file: string, at: number): void => {
    const bytes = readFileSync(file)
    bytes[at] ^= 0x01
    writeFileSync(file, bytes)
  }

  it('a data directory of a real detached daemon (daemon.log beside the partitions): clean, then a flipped byte is found', async () => {
    const dir = tempDir()
    try {
      expect((await samsaIn(dir, ['daemon', 'start'])).code).toBe(0)
      // a topic name with dashes and digits: partition 3 of `a-1-2` is the directory `a-1-2-3`
      expect((await samsaIn(dir, ['topic', 'create', 'a-1-2', '--partitions', '4'])).code).toBe(0)
      const input = join(dir, 'input.txt')
      writeFileSync(input, Array.from({length: 300}, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n') + '\n')
      for (const p of ['3', '0']) {
        const r = await samsaIn(dir, ['produce', 'a-1-2', '--file', input, '--partition', p, '--batch-size', '2k'])
        expect(r.code, r.stderr).toBe(0)
      }
    } finally {
      await stopDaemonIn(dir)
    }
    expect(existsSync(join(dir, 'daemon.log'))).toBe(true)
    expect(existsSync(join(dir, 'catalog.json'))).toBe(true)

    const clean = await samsaIn(null, ['log', 'verify', dir])
    expect(clean.stdout).toBe('')
    const m = new RegExp(`^samsa: ${dir}: checked 4 partitions, 4 segments, (\\d+) batches: no problems found\\n$`).exec(clean.stderr)
    expect(m, clean.stderr).not.toBeNull()
    const batches = Number(m![1])
    expect(batches).toBeGreaterThan(2) // 300 lines twice, in 2 KiB batches
    expect(clean.code).toBe(0)

    const segment = join(dir, 'a-1-2-3', SEGMENT)
    flip(segment, 70) // inside the first batch's CRC range (attributes to end)
    for (const path of [dir, join(dir, 'a-1-2-3'), segment]) {
      const r = await samsaIn(null, ['log', 'verify', path])
      expect(r.stdout).toMatch(new RegExp(`^${segment}:0: CRC mismatch`))
      expect(r.stderr).toMatch(/: 1 problem in 1 file\n$/)
      expect(r.code).toBe(7)
    }
    const json = await samsaIn(null, ['log', 'verify', dir, '--json'])
    expect(json.code).toBe(7)
    expect(JSON.parse(json.stdout)).toMatchObject({
      path: dir,
      scope: 'data-dir',
      ok: false,
      problems: [{file: segment, position: 0}],
      notes: [],
      checked: {partitions: 4, segments: 4, batches},
    })
    // the default path is the data directory (--data-dir)
    expect((await samsaIn(dir, ['log', 'verify'])).code).toBe(7)
  })

  it('a data directory with no partitions (fresh, or empty) says it checked 0 partitions, exit 0', async () => {
    const fresh = tempDir()
    expect((await samsaIn(fresh, ['daemon', 'start'])).code).toBe(0)
    await stopDaemonIn(fresh)
    expect(existsSync(join(fresh, 'daemon.log'))).toBe(true)
    const empty = mkdtempSync(join(root, 'empty-'))
    for (const dir of [fresh, empty]) {
      const r = samsa('log', 'verify', dir)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`samsa: ${dir}: checked 0 partitions: the data directory holds no partition directories\n`)
      expect(r.code).toBe(0)
      expect(JSON.parse(samsa('log', 'verify', dir, '--json').stdout)).toMatchObject({
        scope: 'data-dir',
        ok: true,
        checked: {partitions: 0, segments: 0, batches: 0},
      })
    }
  })

  it('a data directory whose own name looks like a partition (samsa-2) is still checked as a data directory', () => {
    const data = join(root, 'samsa-2')
    mkdirSync(data)
    const src = ourPartition('named')
    mkdirSync(join(data, 'logs-0'))
    copyFileSync(join(src, SEGMENT), join(data, 'logs-0', SEGMENT))
    writeFileSync(join(data, 'daemon.log'), 'samsa daemon started\n')
    flip(join(data, 'logs-0', SEGMENT), 70)
    const r = samsa('log', 'verify', data, '--json')
    expect(JSON.parse(r.stdout)).toMatchObject({scope: 'data-dir', ok: false, checked: {partitions: 1, segments: 1, batches: 3}})
    expect(r.code).toBe(7)
  })

  it('a segment without its .index and .timeindex (copied, or from another Kafka): notes, not problems; exit 0', () => {
    const dir = join(root, 'copied', 'logs-0')
    mkdirSync(dir, {recursive: true})
    copyFileSync(join(ourPartition('copy-src'), SEGMENT), join(dir, SEGMENT))
    const base = join(dir, '00000000000000000000')
    for (const path of [join(dir, SEGMENT), dir]) {
      const r = samsa('log', 'verify', path)
      expect(r.stdout).toBe('') // stdout is for problems only
      expect(r.stderr.split('\n')).toEqual(
        expect.arrayContaining([
          `samsa: note: ${base}.index: missing (a daemon would rebuild it)`,
          `samsa: note: ${base}.timeindex: missing (a daemon would rebuild it)`,
          expect.stringMatching(/: checked (1 partition, )?1 segment, 3 batches: no problems found \(2 notes\)$/),
        ]),
      )
      expect(r.code).toBe(0)
    }
    const json = JSON.parse(samsa('log', 'verify', join(dir, SEGMENT), '--json').stdout)
    expect(json).toMatchObject({scope: 'segment', ok: true, problems: [], checked: {partitions: 0, segments: 1, batches: 3}})
    expect(json.notes).toEqual([
      {file: `${base}.index`, position: -1, note: 'missing (a daemon would rebuild it)'},
      {file: `${base}.timeindex`, position: -1, note: 'missing (a daemon would rebuild it)'},
    ])
    // a note never hides a problem: the same segment damaged still exits 7
    flip(join(dir, SEGMENT), 70)
    expect(samsa('log', 'verify', join(dir, SEGMENT)).code).toBe(7)
  })

  it('a path that is none of these is one line naming it, exit 6 (it exists, so not 4)', () => {
    const home = mkdtempSync(join(root, 'home-'))
    writeFileSync(join(home, '.bashrc'), 'export PS1=$\n')
    mkdirSync(join(home, 'Documents'))
    mkdirSync(join(home, 'tmux-0')) // named like a partition, but holds no segment
    const backup = join(root, 'backup')
    mkdirSync(backup)
    copyFileSync(join(ourPartition('backup-src'), SEGMENT), join(backup, SEGMENT)) // segments, but not <topic>-<n>
    const daemonLog = join(root, 'daemon.log')
    writeFileSync(daemonLog, 'not a segment\n')
    const cases: Array<[string, RegExp]> = [
      [home, /is not a samsa data directory or partition directory/],
      [backup, /holds segment files but is not named <topic>-<partition>/],
      [daemonLog, /is not a segment file/],
      [join(ourPartition('index-only'), '00000000000000000000.index'), /is not a segment file/],
    ]
    for (const [path, why] of cases) {
      const r = samsa('log', 'verify', path)
      expect(r.stdout).toBe('')
      expect(r.stderr.split('\n')).toHaveLength(2) // one line, then the final newline
      expect(r.stderr.startsWith(`samsa: ${path} `)).toBe(true)
      expect(r.stderr).toMatch(why)
      expect(r.code).toBe(6)
    }
    const json = samsa('log', 'verify', home, '--json')
    expect(JSON.parse(json.stdout).error.code).toBe('INVALID_INPUT')
  })
})
