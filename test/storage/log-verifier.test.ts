// `samsa log verify` and `log dump` internals: a healthy data directory has no problems; each kind of
// damage is reported once with its file and byte position; what a daemon repairs by itself is a note, not a
// problem; every report counts what it checked; a path's kind comes from Kafka's layout, not from a suffix;
// nothing is ever modified; Kafka-style segments (compaction gaps, preallocated zero index tails,
// librdkafka header defaults) verify clean.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {parsePartitionDirName} from '../../src/storage/file-names.js'
import {formatProblem, iterateBatches, scopeOf, verifyDataDir, verifyPartitionDir, verifyPath, verifySegmentFile} from '../../src/storage/log-verifier.js'
import {batch, batchPositions, config, open, removeDir, segmentFiles, tempDir} from './helpers.js'

let data: string
let dir: string
beforeEach(() => {
  data = tempDir()
  dir = `${data}/events-0`
})
afterEach(() => removeDir(data))

function build(partitionDir = dir, batches = 40): void {
  const log = open(partitionDir, {config: config({'segment.bytes': 2048, 'index.interval.bytes': 256})})
  for (let i = 0; i < batches; i++) log.append(batch(1 + (i % 4), `b${i}`, 1_000 + i * 5, i % 2 ? Compression.Lz4 : Compression.None))
  log.close()
}

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of fs.readdirSync(root, {recursive: true}) as string[]) {
    const p = `${root}/${name}`
    if (fs.statSync(p).isFile()) out[name] = fs.readFileSync(p).toString('base64')
  }
  return out
}

describe('verify', () => {
  it('a healthy data directory has no problems, and says how much it checked; other entries are skipped', () => {
    build()
    build(`${data}/other.topic-12`, 10)
    fs.mkdirSync(`${data}/run`)
    fs.writeFileSync(`${data}/daemon.log`, 'hello')
    fs.writeFileSync(`${data}/catalog.json`, '{}')
    const segments = segmentFiles(dir).length + segmentFiles(`${data}/other.topic-12`).length
    expect(segments).toBeGreaterThan(2)
    expect(verifyDataDir(data)).toEqual({problems: [], notes: [], checked: {partitions: 2, segments, batches: 50}})
    expect(verifyPath(data)).toMatchObject({scope: 'data-dir', problems: [], checked: {partitions: 2, segments, batches: 50}})
  })

  it('decides what a path is from the layout, never from a suffix: daemon.log does not make a partition', () => {
    build(`${data}/a-1-2-3`, 4) // topic a-1-2, partition 3
    fs.writeFileSync(`${data}/daemon.log`, 'started\n')
    fs.mkdirSync(`${data}/run`)
    expect(parsePartitionDirName('a-1-2-3')).toEqual({topic: 'a-1-2', partition: 3})
    expect(scopeOf(data)).toBe('data-dir')
    expect(scopeOf(`${data}/a-1-2-3`)).toBe('partition')
    expect(scopeOf(segmentFiles(`${data}/a-1-2-3`)[0]!)).toBe('segment')

    const named = `${data}/samsa-2` // a data directory named like a partition: it holds partitions, not segments
    build(`${named}/logs-0`, 2)
    expect(scopeOf(named)).toBe('data-dir')
    const empty = `${data}/empty`
    fs.mkdirSync(empty)
    expect(verifyPath(empty)).toEqual({scope: 'data-dir', problems: [], notes: [], checked: {partitions: 0, segments: 0, batches: 0}})
    const fresh = `${data}/fresh` // a daemon started once, no topic yet
    fs.mkdirSync(`${fresh}/run`, {recursive: true})
    expect(scopeOf(fresh)).toBe('data-dir')

    const other = `${data}/home`
    fs.mkdirSync(`${other}/tmux-0`, {recursive: true}) // named like a partition, holds no segment
    fs.writeFileSync(`${other}/notes.log`, 'x')
    const copy = `${data}/backup`
    fs.mkdirSync(copy)
    fs.copyFileSync(segmentFiles(`${data}/a-1-2-3`)[0]!, `${copy}/00000000000000000000.log`)
    for (const [path, message] of [
      [other, /is not a samsa data directory or partition directory/],
      [`${other}/notes.log`, /is not a segment file/],
      [`${data}/daemon.log`, /is not a segment file/],
      [copy, /holds segment files but is not named <topic>-<partition>/],
    ] as const) {
      expect(() => scopeOf(path)).toThrow(expect.objectContaining({code: 'INVALID_INPUT', message: expect.stringMatching(message)}))
    }
    expect(() => scopeOf(`${data}/missing`)).toThrow(expect.objectContaining({code: 'NOT_FOUND'}))
  })

  it('a missing .index or .timeindex is a note (a daemon rebuilds it), not a problem', () => {
    build(dir, 6)
    const [index] = segmentFiles(dir, '.index')
    const [timeindex] = segmentFiles(dir, '.timeindex')
    fs.rmSync(index!)
    fs.rmSync(timeindex!)
    const report = verifyPartitionDir(dir)
    expect(report.problems).toEqual([])
    expect(report.notes).toEqual([
      {file: index, position: -1, note: 'missing (a daemon would rebuild it)'},
      {file: timeindex, position: -1, note: 'missing (a daemon would rebuild it)'},
    ])
  })

  it('an entry of a data directory named like a partition but not a directory is a note, not silently skipped', () => {
    build()
    fs.symlinkSync(dir, `${data}/linked-0`)
    const report = verifyDataDir(data)
    expect(report.problems).toEqual([])
    expect(report.checked.partitions).toBe(1)
    expect(report.notes).toEqual([expect.objectContaining({file: `${data}/linked-0`, note: expect.stringMatching(/not a directory .*not checked/)})])
  })

  it('reports a flipped byte with file and position, and keeps going', () => {
    build()
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const bytes = fs.readFileSync(file!)
    bytes[positions[1]! + 40] ^= 0xff
    bytes[positions[3]! + 62] ^= 0xff
    fs.writeFileSync(file!, bytes)
    const {problems} = verifyPartitionDir(dir)
    expect(problems.map((p) => [p.file, p.position])).toEqual([
      [file, positions[1]],
      [file, positions[3]],
    ])
    expect(problems[0]!.problem).toMatch(/CRC mismatch/)
    expect(formatProblem(problems[0]!)).toBe(`${file}:${positions[1]}: ${problems[0]!.problem}`)
  })

  it('reports a torn tail, garbage in the middle (and resynchronises), backwards offsets', () => {
    build()
    const files = segmentFiles(dir)
    const last = files[files.length - 1]!
    fs.appendFileSync(last, Buffer.alloc(30, 7))
    const torn = verifySegmentFile(last).problems
    expect(torn).toHaveLength(1)
    expect(torn[0]!.problem).toMatch(/^torn tail: 30 bytes at the end/)

    const first = files[0]!
    const positions = batchPositions(first)
    const bytes = fs.readFileSync(first)
    bytes.fill(0xee, positions[1]! + 8, positions[1]! + 12) // batch 1's length field: cannot walk past it
    bytes.writeUInt32BE(0, positions[3]! + 4) // batch 3 claims base offset 0: backwards
    fs.writeFileSync(first, bytes)
    const problems = verifySegmentFile(first).problems
    expect(problems.map((p) => p.position)).toEqual(expect.arrayContaining([positions[1], positions[3]]))
    expect(problems.find((p) => p.position === positions[1])!.problem).toMatch(/skipped \d+ bytes to the next intact batch/)
    expect(problems.find((p) => p.position === positions[3] && /backwards/.test(p.problem))).toBeTruthy()
  })

  it('reports index entries that point nowhere or go backwards, and wrong time entries', () => {
    build()
    const [index] = segmentFiles(dir, '.index')
    const [timeindex] = segmentFiles(dir, '.timeindex')
    const ib = fs.readFileSync(index!)
    expect(ib.length).toBeGreaterThanOrEqual(24)
    ib.writeUInt32BE(ib.readUInt32BE(4) + 1, 4) // entry 0: one byte off a batch boundary
    ib.writeUInt32BE(0, 16) // entry 2: offset goes backwards
    fs.writeFileSync(index!, ib)
    const tb = fs.readFileSync(timeindex!)
    tb.writeUInt32BE(tb.readUInt32BE(4) - 1, 4) // entry 0: a timestamp no batch has
    fs.writeFileSync(timeindex!, tb)
    const {problems} = verifyPartitionDir(dir)
    expect(problems.map((p) => `${p.file.slice(-10)}@${p.position}`)).toEqual(
      expect.arrayContaining([`0000.index@0`, `0000.index@16`, `.timeindex@0`]),
    )
    expect(problems.find((p) => p.file === index && p.position === 0)!.problem).toMatch(/does not point at a batch boundary/)
    expect(problems.find((p) => p.file === timeindex)!.problem).toMatch(/has maxTimestamp/)
  })

  it('reports unreadable checkpoints; an orphan index (a crash while retention deleted its segment) is a note', () => {
    build()
    fs.writeFileSync(`${dir}/recovery-point.checkpoint`, 'junk')
    fs.writeFileSync(`${dir}/00000000000000099999.index`, Buffer.alloc(8))
    const report = verifyPartitionDir(dir)
    expect(report.problems.map((p) => p.problem)).toEqual([expect.stringMatching(/unreadable checkpoint/)])
    expect(report.notes).toEqual([{file: `${dir}/00000000000000099999.index`, position: -1, note: expect.stringMatching(/orphan/)}])
  })

  it('never modifies anything, even a damaged directory', () => {
    build()
    const [file] = segmentFiles(dir)
    fs.appendFileSync(file!, Buffer.alloc(100))
    fs.writeFileSync(`${dir}/recovery-point.checkpoint.tmp`, 'x')
    const before = snapshot(data)
    verifyDataDir(data)
    expect(snapshot(data)).toEqual(before)
  })

  it('accepts a Kafka-style compacted segment: gaps, last-offset index entries, zero-preallocated indexes', () => {
    fs.mkdirSync(dir)
    const base = 100
    const rec = (i: number) => ({key: Buffer.from(`k${i}`), value: Buffer.alloc(300, i), timestamp: 5_000 + i, headers: []})
    const batches = [
      encodeRecordBatch([rec(0), rec(1), rec(2)], {baseOffset: 103, compression: Compression.Lz4}), // 100–102 compacted away
      encodeRecordBatch([rec(3), rec(4)], {baseOffset: 110, compression: Compression.Lz4}),
      encodeRecordBatch([rec(5)], {baseOffset: 250, compression: Compression.None}),
    ]
    const log = Buffer.concat(batches)
    fs.writeFileSync(`${dir}/00000000000000000100.log`, log)
    const index = Buffer.alloc(8 * 1000) // preallocated, mostly zeros
    index.writeUInt32BE(111 - base, 0) // Kafka: the batch's LAST offset → its position
    index.writeUInt32BE(batches[0]!.length, 4)
    fs.writeFileSync(`${dir}/00000000000000000100.index`, index)
    const time = Buffer.alloc(12 * 1000)
    time.writeUInt32BE(0, 0)
    time.writeUInt32BE(5_004, 4)
    time.writeUInt32BE(111 - base, 8)
    fs.writeFileSync(`${dir}/00000000000000000100.timeindex`, time)
    expect(verifyPartitionDir(dir)).toMatchObject({problems: [], notes: [], checked: {partitions: 1, segments: 1, batches: 3}})
    expect([...iterateBatches(`${dir}/00000000000000000100.log`)].map((b) => [b.position, b.header.baseOffset, b.header.recordsCount])).toEqual([
      [0, 103, 3],
      [batches[0]!.length, 110, 2],
      [batches[0]!.length + batches[1]!.length, 250, 1],
    ])
  })

  it('an offset gap is damage in a samsa log never cleaned, fine once cleaner-offset.checkpoint exists or in a Kafka-style directory', () => {
    build()
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const bytes = fs.readFileSync(file!)
    fs.writeFileSync(file!, Buffer.concat([bytes.subarray(0, positions[2]!), bytes.subarray(positions[3]!)])) // batch 2 cut out
    const gap = (p: {problem: string}) => /^offset gap: base offset \d+, but the previous batch ended at \d+ \(the log was never cleaned/.test(p.problem)
    expect(verifyPartitionDir(dir).problems.filter(gap).map((p) => [p.file, p.position])).toEqual([[file, positions[2]]])
    expect(verifySegmentFile(file!).problems.filter(gap)).toHaveLength(1) // decided by the directory the segment is in
    fs.writeFileSync(`${dir}/cleaner-offset.checkpoint`, '0\n0\n')
    expect(verifyPartitionDir(dir).problems.filter(gap)).toEqual([])
    fs.rmSync(`${dir}/cleaner-offset.checkpoint`)
    for (const name of ['recovery-point.checkpoint', 'log-start-offset.checkpoint']) fs.rmSync(`${dir}/${name}`, {force: true})
    expect(verifyPartitionDir(dir).problems.filter(gap)).toEqual([]) // no samsa checkpoint: Kafka's files, or a copy
  })

  it('iterateBatches yields every whole batch, then throws CORRUPT_LOG at a torn tail', () => {
    build()
    const [file] = segmentFiles(dir)
    const count = batchPositions(file!).length
    fs.appendFileSync(file!, Buffer.from([0, 0, 0]))
    const seen: number[] = []
    expect(() => {
      for (const b of iterateBatches(file!)) seen.push(b.header.baseOffset)
    }).toThrow(expect.objectContaining({code: 'CORRUPT_LOG'}))
    expect(seen).toHaveLength(count)
  })
})
