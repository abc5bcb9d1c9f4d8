// PartitionLog.replaceSegments, what the log cleaner will call: a run of closed segments is replaced by
// `.cleaned` segments holding what is left of their offsets. Reads show the after state at once, with
// every offset unchanged; the files end under their final names with no suffix left; a clean or an
// unclean reopen reads the same. A request that breaks the rules changes nothing. An I/O failure at any
// step takes the partition offline and the next open finds the before or the after state, never a mix.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createFaultyFileIo, type FaultOp} from '../../src/storage/faulty-file-io.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'
import {abandon, batch, cleanedCopy, config, open, readAll, removeDir, swapLeftovers, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const cfg = config({'segment.bytes': 400, 'index.interval.bytes': 100})
/** What a compaction might keep: every other batch (the run's last one is always kept). */
const everyOther = (baseOffset: number): boolean => baseOffset % 6 === 0

/** A log of 30 batches of 3 records (values unique), rolled into several segments. */
function fill(log: PartitionLog): void {
  for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`))
  expect(log.segmentCount).toBeGreaterThanOrEqual(6)
}

/** `before` with the offsets of [from, to) that the cleaner did not keep taken out. */
function without(before: Array<[number, string]>, from: number, to: number, kept: Set<number>): Array<[number, string]> {
  return before.filter(([o]) => o < from || o >= to || kept.has(o))
}

describe('replaceSegments', () => {
  it('a run in the middle by one cleaned segment: reads, files and reopens show the after state, offsets unchanged', () => {
    const log = open(dir, {config: cfg})
    fill(log)
    const before = readAll(log)
    const bases = log.segments().map((s) => s.baseOffset)
    const old = log.closedSegments().slice(1, 4)
    const {segments, kept} = cleanedCopy(log, old, everyOther)
    const after = without(before, bases[1]!, bases[4]!, kept)
    expect(after.length).toBeLessThan(before.length)

    log.replaceSegments(segments, old)
    expect(readAll(log)).toEqual(after)
    expect(log.segments().map((s) => s.baseOffset)).toEqual([bases[0], bases[1], ...bases.slice(4)])
    expect(swapLeftovers(dir)).toEqual([])
    expect(fs.existsSync(`${dir}/${String(bases[2]).padStart(20, '0')}.log`)).toBe(false)
    expect(verifyPartitionDir(dir).problems).toEqual([])
    expect(log.logEndOffset).toBe(90)
    expect(log.online).toBe(true)
    log.close()

    const clean = open(dir, {config: cfg})
    expect(clean.recovery.clean).toBe(true)
    expect(readAll(clean)).toEqual(after)
    expect(clean.append(batch(1, 'next')).baseOffset).toBe(90)
    abandon(clean) // the process dies: the next open is unclean
    const unclean = open(dir, {config: cfg})
    expect(unclean.recovery.clean).toBe(false)
    expect(unclean.recovery.quarantined).toBeNull()
    expect(readAll(unclean)).toEqual([...after, [90, 'next-0']])
    unclean.close()
  })

  it('the first segments by two: the log start stays, lookups by offset and by time still work', () => {
    const log = open(dir, {config: cfg})
    fill(log)
    const before = readAll(log)
    const bases = log.segments().map((s) => s.baseOffset)
    const old = log.closedSegments().slice(0, 3)
    const {segments, kept} = cleanedCopy(log, old, everyOther, 2)
    expect(segments).toHaveLength(2)
    log.replaceSegments(segments, old)
    const after = without(before, 0, bases[3]!, kept)
    expect(readAll(log)).toEqual(after)
    expect(log.logStartOffset).toBe(0)
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, segments[1]!.baseOffset, ...bases.slice(3)])
    // a dropped offset reads as the next kept one, as in a compacted Kafka log
    const dropped = before.find(([o]) => o < bases[3]! && !kept.has(o))![0]
    expect(readAll(log, dropped)[0]![0]).toBe(after.find(([o]) => o > dropped)![0])
    expect(log.offsetForTimestamp(0)?.offset).toBe(0)
    log.close()
    const again = open(dir, {config: cfg})
    expect(readAll(again)).toEqual(after)
    expect(verifyPartitionDir(dir).problems).toEqual([])
    again.close()
  })

  it('refuses what recovery could not undo, changing nothing: a hole in the run, a segment not .cleaned, an uncovered segment', () => {
    const log = open(dir, {config: cfg})
    fill(log)
    const before = readAll(log)
    const files = fs.readdirSync(dir).sort()
    const all = [...log.closedSegments()]
    const refused = expect.objectContaining({code: 'INTERNAL', message: expect.stringMatching(/cannot replace segments/)})

    const hole = cleanedCopy(log, [all[1]!, all[3]!], everyOther)
    expect(() => log.replaceSegments(hole.segments, [all[1]!, all[3]!])).toThrow(refused)
    expect(() => log.replaceSegments([all[1]!], [all[1]!])).toThrow(/is not a \.cleaned segment/)
    // new segments that stop below the last old segment's base: recovery could not tell it was replaced
    const short = log.createCleanedSegment(all[1]!.baseOffset)
    const bytes = fs.readFileSync(all[1]!.logPath)
    short.append(bytes, 0, bytes.length)
    expect(() => log.replaceSegments([short], [all[1]!, all[2]!])).toThrow(/not past the last old segment's base/)

    expect(log.online).toBe(true)
    expect(log.closedSegments()).toEqual(all)
    expect(readAll(log)).toEqual(before)
    for (const s of [...hole.segments, short]) s.deleteFiles()
    // cleanedCopy wrote cleaner-offset.checkpoint, as the cleaner does before any swap: not the refused swap's
    expect(fs.readdirSync(dir).filter((n) => n !== 'cleaner-offset.checkpoint').sort()).toEqual(files)
    log.close()
  })

  it('an offline log refuses it', () => {
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {config: cfg, io})
    fill(log)
    const old = log.closedSegments().slice(1, 3)
    const {segments} = cleanedCopy(log, old, everyOther)
    io.fail({op: 'write', action: 'EIO'})
    expect(() => log.append(batch(1))).toThrow()
    io.clear()
    expect(() => log.replaceSegments(segments, old)).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
    log.close()
  })

  it('an I/O failure at any step: offline, reads before or after; the next open finds exactly before or after', () => {
    const outcomes = new Set<string>()
    for (const op of ['datasync', 'rename', 'fsyncDir', 'unlink'] as FaultOp[]) {
      for (let k = 0; ; k++) {
        removeDir(dir)
        dir = tempDir()
        const io = createFaultyFileIo(nodeFileIo)
        const log = open(dir, {config: cfg, io})
        fill(log)
        const before = readAll(log)
        const bases = log.segments().map((s) => s.baseOffset)
        const old = log.closedSegments().slice(1, 4)
        const {segments, kept} = cleanedCopy(log, old, everyOther, 2)
        const after = without(before, bases[1]!, bases[4]!, kept)
        const label = `${op} #${k}`

        io.fail({op, action: 'EIO', after: k})
        let failed = false
        try {
          log.replaceSegments(segments, old)
        } catch (err) {
          expect(err, label).toMatchObject({code: 'STORAGE_ERROR'})
          failed = true
        }
        io.clear()
        expect(log.online, label).toBe(!failed)
        expect([before, after], label).toContainEqual(readAll(log))
        for (const s of segments) s.close()
        abandon(log)

        const again = open(dir, {config: cfg})
        const seen = readAll(again)
        expect([before, after], label).toContainEqual(seen)
        outcomes.add(seen === before || seen.length === before.length ? 'before' : 'after')
        expect(swapLeftovers(dir), label).toEqual([])
        expect(verifyPartitionDir(dir).problems, label).toEqual([])
        expect(again.append(batch(1, 'next')).baseOffset, label).toBe(90)
        again.close()
        if (!failed) break
      }
    }
    expect([...outcomes].sort()).toEqual(['after', 'before'])
  })
})
