// The log cleaner on real files: a compacted log keeps the latest record of every key at its offset,
// tombstones until delete.retention.ms, the active segment untouched; batches keep their codec and
// producer fields; the clean/dirty split, dirty ratio and compaction lags decide when and how far it
// cleans; a pass runs in steps between appends and reads, can be abandoned, and stops cleanly on damage
// or a failed write; a dry run writes nothing.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Compression, compressionOf, readBatchHeader} from '../../src/format/batch-header.js'
import {createFaultyFileIo} from '../../src/storage/faulty-file-io.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {OffsetMap} from '../../src/storage/offset-map.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'
import {cleanFully, expectIncreasing, keyed, latestPerKey, type Rec, readRecords, snapshot, T0, table} from './cleaner-helpers.js'
import {abandon, batchesIn, config, open, removeDir, swapLeftovers, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = `${tempDir()}/users-0`
})
afterEach(() => removeDir(dir.slice(0, dir.lastIndexOf('/'))))

const MINUTE = 60_000
/** A pass's time when tombstones must not expire yet: soon after the records were written. */
const NOW = T0 + 10_000
const cfg = config({'cleanup.policy': 'compact', 'segment.bytes': 2048, 'index.interval.bytes': 256, 'delete.retention.ms': MINUTE})

/** 100 batches of 5 records over 20 keys, every 7th record a tombstone; values unique; then a roll. */
function fill(log: PartitionLog, batches = 100, keys = 20): void {
  for (let b = 0; b < batches; b++) {
    const records: Array<[string, string | null]> = []
    for (let i = 0; i < 5; i++) {
      const n = b * 5 + i
      records.push([`k${n % keys}`, n % 7 === 3 ? null : `v${n}`])
    }
    log.append(keyed(records, {timestamp: T0 + b * 10}))
  }
  log.roll()
}

const withoutTombstones = (records: readonly Rec[]): Rec[] => records.filter((r) => r.value !== null)

describe('the log cleaner', () => {
  it('keeps exactly the latest record of every key at its offset; tombstones stay until delete.retention.ms, then go', () => {
    const log = open(dir, {config: cfg})
    fill(log)
    const before = readRecords(log)
    const sizeBefore = log.sizeInBytes

    const pass = log.startCleaning(new OffsetMap(), {now: T0 + 10_000})!
    expect(pass).not.toBeNull()
    const r = pass.run()
    const after = readRecords(log)
    expect(after).toEqual(latestPerKey(before)) // same offsets, values and timestamps; tombstones too
    expect(table(after)).toEqual(table(before))
    expect(r).toMatchObject({complete: true, endOffset: 500, abandoned: null, dryRun: false})
    expect(r.stats).toMatchObject({recordsRead: 500, recordsKept: after.length, superseded: 500 - after.length, tombstonesExpired: 0, keyless: 0})
    expect(log.sizeInBytes).toBeLessThan(sizeBefore / 5)
    expect(log.logEndOffset).toBe(500)
    expect(swapLeftovers(dir)).toEqual([])
    expect(verifyPartitionDir(dir).problems).toEqual([])
    expect(log.cleanerState(T0 + 10_000)).toMatchObject({firstDirtyOffset: 500, dirtyBytes: 0, dirtyRatio: 0, cleanableBecause: null})

    // later than delete.retention.ms past the segments' newest records: the tombstones go too
    const later = T0 + 10 * MINUTE
    const r2 = cleanFully(log, new OffsetMap(), {now: later})
    expect(r2.reduce((n, x) => n + x.stats.tombstonesExpired, 0)).toBe(after.filter((x) => x.value === null).length)
    const final = readRecords(log)
    expect(final).toEqual(withoutTombstones(latestPerKey(before)))
    expect(table(final)).toEqual(table(before))
    log.close()

    // reopened cleanly, and after a crash with every batch re-validated, it reads the same
    const clean = open(dir, {config: cfg})
    expect(clean.recovery.clean).toBe(true)
    expect(readRecords(clean)).toEqual(final)
    expect(clean.append(keyed([['k1', 'next']])).baseOffset).toBe(500)
    abandon(clean)
    fs.unlinkSync(`${dir}/recovery-point.checkpoint`)
    const recovered = open(dir, {config: cfg})
    expect(recovered.recovery).toMatchObject({clean: false, quarantined: null, truncatedBytes: 0})
    expect(readRecords(recovered)).toEqual([...final, {offset: 500, key: 'k1', value: 'next', timestamp: T0}])
    recovered.close()
  })

  it('never touches the active segment: its superseded records stay until it rolls', () => {
    const log = open(dir, {config: cfg})
    fill(log, 40)
    const closedEnd = log.logEndOffset
    for (let i = 0; i < 4; i++) log.append(keyed([['k1', `active-${i}`], ['k2', `active-${i}`]]))
    const before = readRecords(log)
    cleanFully(log, new OffsetMap(), {now: NOW})
    const after = readRecords(log)
    expect(after.filter((x) => x.offset >= closedEnd)).toEqual(before.filter((x) => x.offset >= closedEnd))
    expect(after.filter((x) => x.offset < closedEnd)).toEqual(latestPerKey(before.filter((x) => x.offset < closedEnd)))
    log.close()
  })

  it('drops records without a key, as Kafka does, and counts them', () => {
    const log = open(dir, {config: cfg})
    log.append(keyed([['a', '1'], [null, 'no key'], ['b', '2']]))
    log.append(keyed([[null, 'no key either'], ['a', '3']]))
    log.roll()
    const [r] = cleanFully(log)
    expect(r!.stats).toMatchObject({keyless: 2, superseded: 1, recordsKept: 2})
    expect(readRecords(log).map((x) => [x.offset, x.key, x.value])).toEqual([
      [2, 'b', '2'],
      [4, 'a', '3'],
    ])
    log.close()
  })

  it('rebuilt batches keep their codec (LZ4 stays LZ4, none stays none), offsets, timestamps and producer fields', () => {
    const log = open(dir, {config: config({...cfg, 'segment.bytes': 1 << 20})})
    const producer = {producerId: 42, producerEpoch: 3, baseSequence: 100}
    log.append(keyed([['a', 'a1'], ['b', 'b1'], ['c', 'c1']], {compression: Compression.Lz4, ...producer, timestamp: T0}))
    // the producer's next batch: sequence 103 (the same sequence again would be a retried duplicate)
    log.append(keyed([['a', 'a2'], ['d', 'd1'], ['e', 'e1']], {compression: Compression.None, ...producer, baseSequence: 103, timestamp: T0 + 100}))
    log.append(keyed([['d', 'd2'], ['f', 'f1']], {compression: Compression.Gzip, timestamp: T0 + 200}))
    log.append(keyed([['b', 'b2'], ['e', 'e2']], {compression: Compression.Lz4, timestamp: T0 + 300}))
    log.roll()
    const before = readRecords(log)
    cleanFully(log)
    expect(readRecords(log)).toEqual(latestPerKey(before))
    const batches = batchesIn(`${dir}/00000000000000000000.log`).map((b) => ({h: readBatchHeader(b.bytes), ...b}))
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, compressionOf(b.h.attributes), b.h.recordsCount])).toEqual([
      [0, 2, Compression.Lz4, 1], // c1 only
      [3, 5, Compression.None, 1], // a2 (d1, e1 superseded); lastOffsetDelta kept
      [6, 7, Compression.Gzip, 2], // untouched: copied byte for byte
      [8, 9, Compression.Lz4, 2],
    ])
    expect(batches[0]!.h).toMatchObject({producerId: 42, producerEpoch: 3, baseSequence: 100, baseTimestamp: T0, maxTimestamp: T0 + 2})
    expect(batches[1]!.h).toMatchObject({producerId: 42, producerEpoch: 3, baseSequence: 103, maxTimestamp: T0 + 100})
    expect(verifyPartitionDir(dir).problems).toEqual([])
    log.close()
  })

  it('a log shaped like __consumer_offsets (few keys, many commits, the daemon\'s producerId marker) stays small, marker kept', () => {
    const log = open(dir, {config: config({...cfg, 'segment.bytes': 4096})})
    let now = NOW
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) {
        log.append(keyed([[`group-${i % 4}/orders/${i % 3}`, `{"offset":${round * 50 + i}}`]], {producerId: -2, timestamp: T0 + round * 1000 + i}))
      }
      log.roll()
      now += 1000
      cleanFully(log, new OffsetMap(), {now})
      expect(log.sizeInBytes).toBeLessThan(4096) // 12 keys' latest commits (and a few empty batches), whatever the history
    }
    const records = readRecords(log)
    expect(records).toHaveLength(12)
    expect(records.every((r) => r.value!.startsWith('{"offset":9'))).toBe(true)
    for (const s of log.segments().slice(0, -1)) {
      for (const b of batchesIn(`${dir}/${String(s.baseOffset).padStart(20, '0')}.log`)) expect(readBatchHeader(b.bytes).producerId).toBe(-2)
    }
    log.close()
  })

  it('remembers when it last cleaned, across a reopen (topic describe shows it)', () => {
    let clock = T0 + 5000
    const log = open(dir, {config: cfg, now: () => clock})
    fill(log, 20)
    expect(log.cleanerState().lastCleanedAt).toBeNull()
    clock = Date.now() // the checkpoint file's mtime is what a reopen reads: a real clock
    log.startCleaning(new OffsetMap(), {now: NOW})!.run()
    expect(log.cleanerState().lastCleanedAt).toBe(clock)
    log.close()
    const again = open(dir, {config: cfg})
    expect(Math.abs(again.cleanerState().lastCleanedAt! - clock)).toBeLessThan(5000)
    expect(again.cleanerState().firstDirtyOffset).toBe(100)
    again.close()
  })

  it('a group whose last batch loses every record keeps it as an empty batch, so offsets and segment bounds stay', () => {
    const log = open(dir, {config: config({...cfg, 'segment.bytes': 4096})})
    for (let i = 0; i < 20; i++) log.append(keyed([[`x${i}`, `old-${i}`]]))
    log.append(keyed([['gone', 'soon superseded']]))
    log.roll()
    const firstEnd = log.logEndOffset // 21
    // too big to share a group with the first segment: the 'gone' batch ends the first group
    log.append(keyed([['gone', 'newer'], ['filler', 'f'.repeat(3500)]], {compression: Compression.None}))
    log.roll()
    const bases = log.segments().map((s) => s.baseOffset)
    log.startCleaning(new OffsetMap(), {force: true, now: NOW})!.run()
    expect(log.segments().map((s) => s.baseOffset)).toEqual(bases)
    const first = batchesIn(`${dir}/00000000000000000000.log`)
    const last = first[first.length - 1]!
    expect(readBatchHeader(last.bytes)).toMatchObject({baseOffset: firstEnd - 1, lastOffsetDelta: 0, recordsCount: 0})
    expect(last.bytes.length).toBe(61)
    const records = readRecords(log)
    expect(records.map((x) => x.key)).toEqual([...Array.from({length: 20}, (_, i) => `x${i}`), 'gone', 'filler'])
    expect(records[20]).toMatchObject({offset: firstEnd, value: 'newer'})
    expect(verifyPartitionDir(dir).problems).toEqual([])
    // a later pass merges the two: the empty batch is no longer a group's last, and goes
    log.updateConfig(config({...cfg, 'segment.bytes': 1 << 20}))
    log.startCleaning(new OffsetMap(), {force: true, now: NOW})!.run()
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, bases[2]])
    expect(batchesIn(`${dir}/00000000000000000000.log`).some((b) => readBatchHeader(b.bytes).recordsCount === 0)).toBe(false)
    expect(readRecords(log)).toEqual(records)
    log.close()
  })

  it('merges small cleaned segments in later passes (groups up to segment.bytes)', () => {
    const log = open(dir, {config: cfg})
    fill(log, 200)
    cleanFully(log)
    const afterFirst = log.segmentCount
    for (let b = 0; b < 40; b++) log.append(keyed([[`k${b % 20}`, `late-${b}`]]))
    log.roll()
    cleanFully(log)
    expect(log.segmentCount).toBeLessThan(afterFirst)
    for (const s of log.segments().slice(0, -1)) expect(s.sizeInBytes).toBeLessThanOrEqual(2048)
    log.close()
  })

  it('a map smaller than the key count cleans in several passes, each within its memory, and converges', () => {
    const log = open(dir, {config: config({...cfg, 'segment.bytes': 8192})})
    fill(log, 200, 300) // 1000 records, 300 keys, each key written 3–4 times
    const before = readRecords(log)
    const map = new OffsetMap({memoryBytes: 64 * 24}) // 64 slots: 57 keys a pass
    expect(map.memoryBytes).toBe(64 * 24)
    const results = cleanFully(log, map, {now: NOW})
    expect(results.length).toBeGreaterThan(5)
    expect(results.slice(0, -1).every((r) => !r.complete)).toBe(true)
    expect(results.at(-1)!.complete).toBe(true)
    for (const r of results) expect(r.stats.mapRecords).toBeLessThanOrEqual(57 * 4)
    expect(map.memoryBytes).toBe(64 * 24)
    const after = readRecords(log)
    expect(after).toEqual(latestPerKey(before))
    expect(expectIncreasing(after)).toBe(true)
    log.close()
  })

  it('min.compaction.lag.ms: segments holding records newer than the lag are not cleaned', () => {
    const log = open(dir, {config: config({...cfg, 'min.compaction.lag.ms': MINUTE})})
    fill(log, 50) // timestamps T0 .. T0 + 490
    const old = log.logEndOffset
    for (let b = 0; b < 50; b++) log.append(keyed([[`k${b % 20}`, `recent-${b}`]], {timestamp: T0 + 2 * MINUTE}))
    log.roll()
    const before = readRecords(log)
    const now = T0 + 2 * MINUTE + 1000 // the recent segments are within the lag
    const state = log.cleanerState(now)
    expect(state.firstUncleanableOffset).toBe(old)
    const [r] = cleanFully(log, new OffsetMap(), {now})
    expect(r!.endOffset).toBe(old)
    const after = readRecords(log)
    expect(after.filter((x) => x.offset >= old)).toEqual(before.filter((x) => x.offset >= old)) // untouched
    expect(after.filter((x) => x.offset < old)).toEqual(withoutTombstones(latestPerKey(before.filter((x) => x.offset < old))))
    // once the lag has passed, they are cleaned too (and the first tombstones are past delete.retention.ms)
    cleanFully(log, new OffsetMap(), {now: T0 + 4 * MINUTE})
    expect(readRecords(log)).toEqual(withoutTombstones(latestPerKey(before)))
    log.close()
  })

  it('cleans when the dirty ratio passes min.cleanable.dirty.ratio, or when a dirty segment is older than max.compaction.lag.ms', () => {
    const log = open(dir, {config: config({...cfg, 'min.cleanable.dirty.ratio': 0.9})})
    fill(log, 100)
    cleanFully(log)
    for (let b = 0; b < 20; b++) log.append(keyed([[`k${b % 20}`, `new-${b}`]], {timestamp: T0 + 5000}))
    log.roll()
    const state = log.cleanerState(T0 + 6000)
    const sizes = log.segments().slice(0, -1)
    const dirty = sizes.filter((s) => s.baseOffset >= 500).reduce((n, s) => n + s.sizeInBytes, 0)
    const clean = sizes.filter((s) => s.baseOffset < 500).reduce((n, s) => n + s.sizeInBytes, 0)
    expect(state).toMatchObject({firstDirtyOffset: 500, cleanBytes: clean, dirtyBytes: dirty, cleanableBecause: null, maxCompactionDelayMs: 0})
    expect(state.dirtyRatio).toBeCloseTo(dirty / (clean + dirty))
    expect(state.dirtyRatio).toBeLessThan(0.9)
    expect(log.startCleaning(new OffsetMap(), {now: T0 + 6000})).toBeNull()

    log.updateConfig(config({...cfg, 'min.cleanable.dirty.ratio': 0.9, 'max.compaction.lag.ms': MINUTE}))
    const overdue = log.cleanerState(T0 + 5000 + 2 * MINUTE)
    expect(overdue.cleanableBecause).toBe('max-compaction-lag')
    expect(overdue.maxCompactionDelayMs).toBe(MINUTE)
    const r = log.startCleaning(new OffsetMap(), {now: T0 + 5000 + 2 * MINUTE})!.run()
    expect(r.complete).toBe(true)
    expect(log.cleanerState(T0 + 5000 + 2 * MINUTE).cleanableBecause).toBeNull()
    log.close()
  })

  it('the ratio must pass min.cleanable.dirty.ratio, not just meet it: at 1 a never-cleaned log waits to be asked, as in Kafka', () => {
    const log = open(dir, {config: config({...cfg, 'min.cleanable.dirty.ratio': 1})})
    fill(log, 100)
    log.roll()
    const never = log.cleanerState(T0 + 6000)
    expect(never).toMatchObject({firstDirtyOffset: 0, cleanBytes: 0, cleanableBecause: null})
    expect(never.dirtyRatio).toBe(1)
    expect(log.startCleaning(new OffsetMap(), {now: T0 + 6000})).toBeNull()
    log.updateConfig(config({...cfg, 'min.cleanable.dirty.ratio': 0.99}))
    expect(log.cleanerState(T0 + 6000).cleanableBecause).toBe('dirty-ratio')
    log.close()
  })

  it('a compacted topic rolls its active segment by max.compaction.lag.ms when that is shorter than segment.ms', () => {
    let now = T0
    const log = open(dir, {config: config({...cfg, 'segment.ms': 60 * MINUTE, 'max.compaction.lag.ms': MINUTE}), now: () => now})
    log.append(keyed([['a', '1']]))
    now += MINUTE
    log.append(keyed([['a', '2']]))
    expect(log.segmentCount).toBe(2) // the first record became cleanable within max.compaction.lag.ms
    log.close()
  })

  it('runs in steps between appends and reads, with the same outcome as in one go', () => {
    const twin = `${dir}-twin`
    const a = open(dir, {config: cfg})
    const b = open(twin, {config: cfg})
    fill(a, 150)
    fill(b, 150)
    const end = a.logEndOffset
    a.startCleaning(new OffsetMap())!.run()

    const pass = b.startCleaning(new OffsetMap())!
    let steps = 0
    const progress: Array<{done: number; total: number}> = []
    while (pass.step(2048)) {
      progress.push(pass.progress)
      steps++
      b.append(keyed([[`k${steps % 20}`, `during-${steps}`]])) // the worker serves produces between steps
      expect(b.read(0, 4096).bytes.length).toBeGreaterThan(0)
    }
    expect(steps).toBeGreaterThan(20)
    expect(pass.result).toMatchObject({complete: true, abandoned: null})
    expect(progress.every((p, i) => i === 0 || (p.done >= progress[i - 1]!.done && p.done <= p.total))).toBe(true)
    expect(pass.progress.done).toBe(pass.progress.total)
    const inB = readRecords(b)
    expect(inB.filter((x) => x.offset < end)).toEqual(readRecords(a))
    expect(inB.filter((x) => x.offset >= end).map((x) => x.value)).toEqual(Array.from({length: steps}, (_, i) => `during-${i + 1}`))
    a.close()
    b.close()
    removeDir(twin)
  })

  it('abandoned between steps, it deletes its .cleaned files and leaves the log as it was', () => {
    const log = open(dir, {config: cfg})
    fill(log, 150)
    const before = readRecords(log)
    const files = snapshot(dir)
    const pass = log.startCleaning(new OffsetMap())!
    while (pass.step(1024) && !fs.readdirSync(dir).some((n) => n.endsWith('.cleaned')));
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.log.cleaned'))).toBe(true)
    pass.abandon()
    expect(pass.step()).toBe(false)
    expect(pass.result!.abandoned).toBe('abandoned by the caller')
    expect(swapLeftovers(dir)).toEqual([])
    expect(readRecords(log)).toEqual(before)
    expect(snapshot(dir)).toEqual(files)
    log.close()
  })

  it('gives up when retention or truncation changes its segments between steps', () => {
    const log = open(dir, {config: config({...cfg, 'cleanup.policy': 'compact,delete', 'retention.ms': -1, 'retention.bytes': 8192})})
    fill(log, 150)
    const pass = log.startCleaning(new OffsetMap())!
    pass.step(1024)
    expect(log.applyRetention().deletedSegments).toBeGreaterThan(0)
    expect(pass.step()).toBe(false)
    expect(pass.result!.abandoned).toMatch(/changed under the cleaner/)
    expect(swapLeftovers(dir)).toEqual([])
    const again = log.startCleaning(new OffsetMap())!.run() // the next pass starts from the new log start
    expect(again.abandoned).toBeNull()
    expect(verifyPartitionDir(dir).problems).toEqual([])
    log.close()
  })

  it('cleanup.policy=compact,delete: retention runs after cleaning', () => {
    const log = open(dir, {config: config({...cfg, 'cleanup.policy': 'compact,delete', 'retention.ms': 10 * MINUTE})})
    fill(log, 50)
    for (let b = 0; b < 50; b++) log.append(keyed([[`fresh${b}`, `v${b}`]], {timestamp: T0 + 60 * MINUTE}))
    log.roll()
    const r = log.startCleaning(new OffsetMap(), {now: T0 + 61 * MINUTE})!.run()
    expect(r.retention!.deletedSegments).toBeGreaterThan(0)
    expect(readRecords(log).every((x) => x.key!.startsWith('fresh'))).toBe(true)
    expect(log.logStartOffset).toBeGreaterThan(0)
    log.close()
  })

  it('a dry run counts what would go, and why, without writing anything', () => {
    const log = open(dir, {config: cfg})
    fill(log, 120)
    const files = snapshot(dir)
    const dry = log.startCleaning(new OffsetMap(), {dryRun: true, now: T0 + 10 * MINUTE})!.run()
    expect(snapshot(dir)).toEqual(files)
    expect(dry.dryRun).toBe(true)
    expect(dry.stats.superseded).toBeGreaterThan(0)
    expect(dry.stats.tombstonesExpired).toBeGreaterThan(0)
    expect(dry.stats.bytesWritten).toBe(0)
    expect(log.cleanerState().firstDirtyOffset).toBe(0) // no checkpoint moved
    const real = log.startCleaning(new OffsetMap(), {now: T0 + 10 * MINUTE})!.run()
    const counts = (s: typeof dry.stats) => [s.recordsRead, s.recordsKept, s.superseded, s.tombstonesExpired, s.keyless]
    expect(counts(dry.stats)).toEqual(counts(real.stats))
    log.close()
  })

  it('refuses a log that is not compacted, and a closed one', () => {
    const log = open(dir, {config: config({'segment.bytes': 2048})})
    fill(log, 10)
    expect(() => log.startCleaning(new OffsetMap())).toThrow(
      expect.objectContaining({code: 'INVALID_CONFIG', message: expect.stringContaining('cleanup.policy is delete: only a compacted log')}),
    )
    log.close()
    const compacted = open(dir, {config: cfg})
    compacted.close()
    expect(() => compacted.startCleaning(new OffsetMap())).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
  })

  it('truncating below the checkpoint lowers it: offsets written again are dirty, and get cleaned', () => {
    const log = open(dir, {config: cfg})
    fill(log, 60)
    cleanFully(log)
    expect(log.cleanerState().firstDirtyOffset).toBe(300)
    log.truncateTo(200) // inside a gap the cleaning left: the log ends at 200, not past it
    expect(log.logEndOffset).toBe(200)
    expect(log.cleanerState().firstDirtyOffset).toBe(200)
    expect(log.append(keyed([['k1', 'again']])).baseOffset).toBe(200)
    log.close()
    const again = open(dir, {config: cfg})
    expect(again.cleanerState().firstDirtyOffset).toBe(200)
    expect(readRecords(again).at(-1)).toMatchObject({offset: 200, value: 'again'})
    again.close()
  })

  it('damage found while cleaning stops the pass with CORRUPT_LOG naming file and byte; the log stays online and whole', () => {
    const log = open(dir, {config: cfg})
    fill(log, 60)
    const victim = log.segments()[2]!
    const file = `${dir}/${String(victim.baseOffset).padStart(20, '0')}.log`
    const [, second] = batchesIn(file)
    const position = fs.readFileSync(file).indexOf(second!.bytes)
    const fd = fs.openSync(file, 'r+')
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, position + 70) // inside the records: the CRC no longer matches
    fs.closeSync(fd)
    expect(() => log.startCleaning(new OffsetMap())!.run()).toThrow(
      expect.objectContaining({code: 'CORRUPT_LOG', message: expect.stringContaining(`${file}: CRC mismatch`)}),
    )
    expect(log.online).toBe(true)
    expect(swapLeftovers(dir)).toEqual([])
    expect(log.read(0, 1 << 20).bytes.length).toBeGreaterThan(0)
    log.close()
  })

  it('a failed write of a .cleaned file (ENOSPC) ends the pass with STORAGE_ERROR; .cleaned files gone, log online and unchanged', () => {
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {config: cfg, io})
    fill(log, 60)
    const before = readRecords(log)
    io.fail({op: 'write', action: 'ENOSPC', path: '.log.cleaned'})
    expect(() => log.startCleaning(new OffsetMap(), {now: NOW})!.run()).toThrow(
      expect.objectContaining({code: 'STORAGE_ERROR', message: expect.stringMatching(/ENOSPC/)}),
    )
    io.clear()
    expect(log.online).toBe(true)
    expect(swapLeftovers(dir)).toEqual([])
    expect(readRecords(log)).toEqual(before)
    expect(log.append(keyed([['k1', 'after']])).baseOffset).toBe(300)

    // failing in a later group: the groups swapped before it stay cleaned, the rest as it was
    io.fail({op: 'write', action: 'ENOSPC', path: '.log.cleaned', after: 1})
    expect(() => log.startCleaning(new OffsetMap(), {now: NOW})!.run()).toThrow(expect.objectContaining({code: 'STORAGE_ERROR'}))
    io.clear()
    expect(log.online).toBe(true)
    expect(swapLeftovers(dir)).toEqual([])
    const partly = readRecords(log)
    expect(partly.length).toBeLessThan(before.length + 1)
    expect(table(partly)).toEqual(table([...before, {offset: 300, key: 'k1', value: 'after', timestamp: T0}]))
    log.roll()
    cleanFully(log, new OffsetMap(), {now: NOW}) // and the next attempt succeeds
    expect(readRecords(log)).toEqual(latestPerKey([...before, {offset: 300, key: 'k1', value: 'after', timestamp: T0}]))
    expect(verifyPartitionDir(dir).problems).toEqual([])
    log.close()
  })
})
