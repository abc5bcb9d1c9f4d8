import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {abandon, batch, config, open, readAll, removeDir, sizedBatch, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

describe('PartitionLog append and read', () => {
  it('assigns contiguous offsets and reads them back', () => {
    const log = open(dir)
    expect(log.append(batch(3)).baseOffset).toBe(0)
    const r = log.append(batch(2, 'w'))
    expect(r).toEqual({baseOffset: 3, lastOffset: 4, logAppendTime: -1, logStartOffset: 0})
    expect(log.logEndOffset).toBe(5)
    expect(readAll(log).map(([o, v]) => `${o}:${v}`)).toEqual(['0:v-0', '1:v-1', '2:v-2', '3:w-0', '4:w-1'])
    log.close()
  })

  it('a new partition opens clean, with no recovery message', () => {
    const log = open(dir)
    expect(log.recovery).toMatchObject({clean: true, messages: [], quarantined: null})
    expect(log.logEndOffset).toBe(0)
    log.close()
  })

  it('reopens after a clean close with the same log end and reads', () => {
    const log = open(dir)
    for (let i = 0; i < 50; i++) log.append(batch(4, `b${i}`))
    const before = readAll(log)
    log.close()
    const again = open(dir)
    expect(again.recovery.clean).toBe(true)
    expect(again.logEndOffset).toBe(200)
    expect(readAll(again)).toEqual(before)
    again.append(batch(1, 'after'))
    expect(again.logEndOffset).toBe(201)
    again.close()
  })

  it('rolls segments at segment.bytes and reads across them', () => {
    const log = open(dir, {config: config({'segment.bytes': 4096, 'index.interval.bytes': 512})})
    for (let i = 0; i < 100; i++) log.append(sizedBatch(300, String.fromCharCode(97 + (i % 26))))
    expect(log.segmentCount).toBeGreaterThan(5)
    const all = readAll(log)
    expect(all.map(([o]) => o)).toEqual([...Array(100).keys()])
    log.close()
    const again = open(dir, {config: config({'segment.bytes': 4096, 'index.interval.bytes': 512})})
    expect(readAll(again)).toEqual(all)
    again.close()
  })
})

describe('read', () => {
  it('returns the batch containing the offset, first batch whole even beyond maxBytes', () => {
    const log = open(dir)
    log.append(batch(10, 'a')) // 0–9
    log.append(sizedBatch(5000, 'b')) // 10
    log.append(batch(3, 'c')) // 11–13
    const mid = log.read(4, 1)
    expect(mid.bytes.readInt32BE(4)).toBe(0) // base offset of the batch holding 4
    expect(mid.bytes.length).toBe(mid.bytes.readInt32BE(8) + 12) // exactly one whole batch
    const big = log.read(10, 100)
    expect(big.bytes.length).toBeGreaterThan(4000) // larger than maxBytes, still whole
    expect(big.bytes.readInt32BE(4)).toBe(10)
    const all = log.read(0, 1 << 20)
    expect(all.highWatermark).toBe(14)
    let n = 0
    for (let p = 0; p < all.bytes.length; p += all.bytes.readInt32BE(p + 8) + 12) n++
    expect(n).toBe(3)
    // maxBytes between batches: only whole batches
    const two = log.read(0, mid.bytes.length + 100)
    expect(two.bytes.length).toBe(mid.bytes.length)
    log.close()
  })

  it('offset = log end → empty; beyond, or below the log start → OFFSET_OUT_OF_RANGE', () => {
    const log = open(dir)
    log.append(batch(5))
    expect(log.read(5, 100).bytes.length).toBe(0)
    expect(() => log.read(6, 100)).toThrow(expect.objectContaining({code: 'OFFSET_OUT_OF_RANGE'}))
    log.deleteRecordsBefore(3)
    expect(() => log.read(2, 100)).toThrow(expect.objectContaining({code: 'OFFSET_OUT_OF_RANGE'}))
    expect(log.read(3, 100).bytes.readInt32BE(4)).toBe(0) // the batch holding 3 starts at 0
    log.close()
  })

  it('every offset reads its own batch across rolls (random sizes)', () => {
    const log = open(dir, {config: config({'segment.bytes': 8192, 'index.interval.bytes': 700})})
    const bases: number[] = []
    for (let i = 0; i < 200; i++) {
      const r = log.append(batch(1 + ((i * 7) % 9), `r${i}`))
      for (let o = r.baseOffset; o <= r.lastOffset; o++) bases[o] = r.baseOffset
    }
    for (let o = 0; o < log.logEndOffset; o++) expect(log.read(o, 1).bytes.readInt32BE(4)).toBe(bases[o])
    log.close()
  })
})

describe('offsetForTimestamp', () => {
  it('finds the first record with timestamp ≥ t, across segments', () => {
    const log = open(dir, {config: config({'segment.bytes': 2048, 'index.interval.bytes': 200})})
    for (let i = 0; i < 100; i++) log.append(batch(4, `t${i}`, 10_000 + i * 100)) // record ts 10000+100i+j
    expect(log.segmentCount).toBeGreaterThan(3)
    expect(log.offsetForTimestamp(0)).toEqual({offset: 0, timestamp: 10_000})
    expect(log.offsetForTimestamp(10_502)).toEqual({offset: 22, timestamp: 10_502})
    expect(log.offsetForTimestamp(10_504)).toEqual({offset: 24, timestamp: 10_600})
    expect(log.offsetForTimestamp(19_903)).toEqual({offset: 399, timestamp: 19_903})
    expect(log.offsetForTimestamp(19_904)).toBeNull()
    log.close()
    const again = open(dir, {config: config({'segment.bytes': 2048, 'index.interval.bytes': 200})})
    expect(again.offsetForTimestamp(10_502)).toEqual({offset: 22, timestamp: 10_502})
    again.close()
  })

  it('LogAppendTime stamps the broker time and reports it', () => {
    let now = 1_234_000
    const log = open(dir, {config: config({'message.timestamp.type': 'LogAppendTime'}), now: () => now})
    expect(log.append(batch(2, 'a', 5)).logAppendTime).toBe(1_234_000)
    now += 1000
    log.append(batch(2, 'b', 5))
    expect(log.offsetForTimestamp(1_234_500)).toEqual({offset: 2, timestamp: 1_235_000})
    log.close()
  })
})

describe('retention and deletion', () => {
  it('retention.ms deletes whole expired closed segments, oldest first', () => {
    let now = 1_000_000
    const cfg = config({'segment.bytes': 1024, 'retention.ms': 10_000})
    const log = open(dir, {config: cfg, now: () => now})
    for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`, now + i * 1000)) // timestamps 1.000.000 … 1.029.000
    const segs = log.segments()
    expect(segs.length).toBeGreaterThan(3)
    now = 1_020_000 // segments whose newest record is older than 1.010.000 expire
    const r = log.applyRetention()
    expect(r.deletedSegments).toBeGreaterThan(0)
    expect(log.logStartOffset).toBe(log.segments()[0]!.baseOffset)
    expect(log.segments().length).toBe(segs.length - r.deletedSegments)
    expect(r.deletedBytes).toBe(segs.slice(0, r.deletedSegments).reduce((n, s) => n + s.sizeInBytes, 0))
    // the oldest remaining segment still holds a record newer than the cutoff
    expect(readAll(log)[0]![0]).toBe(log.logStartOffset)
    log.close()
    const again = open(dir, {config: cfg, now: () => now})
    expect(again.logStartOffset).toBe(log.logStartOffset)
    // everything expired, the active segment too: rolled and emptied, offsets keep going
    now = 10_000_000
    again.applyRetention()
    expect(again.sizeInBytes).toBe(0)
    expect(again.logStartOffset).toBe(90)
    expect(again.append(batch(1)).baseOffset).toBe(90)
    again.close()
  })

  it('retention.bytes keeps at least retention.bytes, deleting closed segments only', () => {
    const log = open(dir, {config: config({'segment.bytes': 1024, 'retention.bytes': 3000, 'retention.ms': -1})})
    for (let i = 0; i < 60; i++) log.append(batch(3, `b${i}`))
    const before = log.sizeInBytes
    const r = log.applyRetention()
    expect(r.deletedSegments).toBeGreaterThan(0)
    expect(log.sizeInBytes).toBe(before - r.deletedBytes)
    expect(log.sizeInBytes).toBeGreaterThanOrEqual(3000)
    expect(log.sizeInBytes - log.segments()[0]!.sizeInBytes).toBeLessThan(3000)
    log.close()
  })

  it('cleanup.policy=compact never deletes by retention', () => {
    const log = open(dir, {config: config({'segment.bytes': 1024, 'retention.bytes': 0, 'cleanup.policy': 'compact'})})
    for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`))
    expect(log.applyRetention().deletedSegments).toBe(0)
    log.close()
  })

  it('deleteRecordsBefore moves the log start inside a segment, durably', () => {
    const cfg = config({'segment.bytes': 1024})
    const log = open(dir, {config: cfg})
    for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`))
    const segs = log.segments()
    const inside = segs[2]!.baseOffset + 1
    expect(log.deleteRecordsBefore(inside)).toBe(inside)
    expect(log.segments()[0]!.baseOffset).toBe(segs[2]!.baseOffset) // segments 0 and 1 are gone
    expect(readAll(log, inside)[0]![0]).toBe(inside)
    expect(() => log.deleteRecordsBefore(1000)).toThrow(expect.objectContaining({code: 'OFFSET_OUT_OF_RANGE'}))
    abandon(log) // even without a clean close
    const again = open(dir, {config: cfg})
    expect(again.logStartOffset).toBe(inside)
    expect(() => again.read(inside - 1, 100)).toThrow(expect.objectContaining({code: 'OFFSET_OUT_OF_RANGE'}))
    again.close()
  })
})

describe('truncateTo', () => {
  it('removes whole batches from the one holding the offset, across segments; appends reuse them', () => {
    const cfg = config({'segment.bytes': 1024})
    const log = open(dir, {config: cfg})
    for (let i = 0; i < 40; i++) log.append(batch(3, `b${i}`)) // batches start at multiples of 3
    const segments = log.segmentCount
    log.truncateTo(31) // inside the batch 30–32
    expect(log.logEndOffset).toBe(30)
    expect(log.segmentCount).toBeLessThan(segments)
    expect(readAll(log).map(([o]) => o)).toEqual([...Array(30).keys()])
    expect(log.append(batch(1, 'new')).baseOffset).toBe(30)
    log.close()
    const again = open(dir, {config: cfg})
    expect(again.logEndOffset).toBe(31)
    expect(readAll(again)[30]).toEqual([30, 'new-0'])
    again.truncateTo(0)
    expect(again.logEndOffset).toBe(0)
    expect(again.sizeInBytes).toBe(0)
    again.close()
  })
})

describe('durability bookkeeping', () => {
  it('flush advances the recovery point and checkpoints it; flush.messages flushes by itself', () => {
    const log = open(dir, {config: config({'flush.messages': 10})})
    log.append(batch(4))
    expect(log.recoveryPoint).toBe(0)
    log.append(batch(6))
    expect(log.recoveryPoint).toBe(10)
    expect(fs.readFileSync(`${dir}/recovery-point.checkpoint`, 'utf8')).toBe('0\n10\n')
    log.append(batch(1))
    log.flush()
    expect(log.recoveryPoint).toBe(11)
    log.close()
  })

  it('rolls by segment.ms using the injected clock', () => {
    let now = 0
    const log = open(dir, {config: config({'segment.ms': 1000}), now: () => now})
    log.append(batch(1))
    now = 500
    log.append(batch(1))
    expect(log.segmentCount).toBe(1)
    now = 1000
    log.append(batch(1))
    expect(log.segmentCount).toBe(2)
    expect(log.segments()[1]!.baseOffset).toBe(2)
    log.close()
  })

  it('appendBatches writes several batches at once with consecutive offsets', () => {
    const log = open(dir)
    const r = log.appendBatches(Buffer.concat([batch(2, 'a'), batch(3, 'b'), batch(1, 'c')]))
    expect(r).toMatchObject({baseOffset: 0, lastOffset: 5})
    expect(readAll(log).map(([o, v]) => `${o}:${v}`)).toEqual(['0:a-0', '1:a-1', '2:b-0', '3:b-1', '4:b-2', '5:c-0'])
    expect(() => log.append(Buffer.alloc(70))).toThrow(expect.objectContaining({code: 'CORRUPT_MESSAGE'}))
    expect(log.logEndOffset).toBe(6)
    log.close()
  })

  it('destroy removes every file and the directory', () => {
    const log = open(dir, {config: config({'segment.bytes': 1024})})
    for (let i = 0; i < 20; i++) log.append(batch(3))
    log.destroy()
    expect(fs.existsSync(dir)).toBe(false)
  })
})

describe('open errors', () => {
  it('a path that is not a directory: STORAGE_ERROR naming it', () => {
    const file = `${dir}/not-a-dir`
    fs.writeFileSync(file, 'x')
    expect(() => open(`${file}/p-0`)).toThrow(expect.objectContaining({code: 'STORAGE_ERROR', message: expect.stringContaining(file)}))
  })
})

describe('read into a scratch buffer', () => {
  it('returns a view of the scratch when it is large enough, a fresh buffer otherwise', () => {
    const log = open(dir)
    for (let i = 0; i < 5; i++) log.append(batch(3, `s${i}`))
    const scratch = Buffer.alloc(1 << 16)
    const r = log.read(0, 1 << 16, scratch)
    expect(r.bytes.buffer).toBe(scratch.buffer)
    expect(r.bytes.equals(log.read(0, 1 << 16).bytes)).toBe(true)
    const small = Buffer.alloc(10)
    expect(log.read(0, 1 << 16, small).bytes.buffer).not.toBe(small.buffer)
    log.close()
  })
})
