// Offset and time index lookups against a sorted-array reference model on random data (fast-check),
// plus the file round trip: what is written is what is loaded.
import * as fs from 'node:fs'
import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {OffsetIndex} from '../../src/storage/offset-index.js'
import {TimeIndex} from '../../src/storage/time-index.js'
import {removeDir, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

/** Strictly increasing (offset, position) pairs from random positive steps. */
const offsetEntries = fc.array(fc.tuple(fc.integer({min: 1, max: 1000}), fc.integer({min: 1, max: 100_000})), {maxLength: 300})
const base = 1_000_000

describe('OffsetIndex', () => {
  it('lookup = the last entry with offset ≤ target, else (baseOffset, 0)', () => {
    fc.assert(
      fc.property(offsetEntries, fc.array(fc.integer({min: base - 10, max: base + 400_000}), {minLength: 1, maxLength: 50}), (steps, targets) => {
        const index = new OffsetIndex(`${dir}/x.index`, base, nodeFileIo)
        const model: Array<[number, number]> = []
        let offset = base
        let position = 0
        for (const [dOffset, dPosition] of steps) {
          offset += dOffset
          position += dPosition
          index.append(offset, position)
          model.push([offset, position])
        }
        for (const t of targets) {
          const hit = model.filter(([o]) => o <= t).pop()
          expect(index.lookup(t)).toEqual(hit ? {offset: hit[0], position: hit[1]} : {offset: base, position: 0})
        }
      }),
    )
  })

  it('truncateTo drops entries at or above the offset; file round trip', () => {
    fc.assert(
      fc.property(offsetEntries, fc.integer({min: 0, max: 400_000}), (steps, cut) => {
        const path = `${dir}/y.index`
        fs.rmSync(path, {force: true})
        const index = new OffsetIndex(path, base, nodeFileIo)
        let offset = base
        let position = 0
        const model: Array<[number, number]> = []
        for (const [dOffset, dPosition] of steps) {
          offset += dOffset
          position += dPosition
          index.append(offset, position)
          model.push([offset, position])
        }
        index.writePending()
        index.truncateTo(base + cut)
        index.writePending()
        index.close()
        const kept = model.filter(([o]) => o < base + cut)
        const loaded = new OffsetIndex(path, base, nodeFileIo)
        expect(loaded.loadFrom(fs.readFileSync(path))).toBeNull()
        expect(Array.from({length: loaded.entries}, (_, i) => loaded.entry(i))).toEqual(kept.map(([o, p]) => ({offset: o, position: p})))
      }),
      {numRuns: 50},
    )
  })

  it('refuses an entry that does not move forward', () => {
    const index = new OffsetIndex(`${dir}/z.index`, 0, nodeFileIo)
    index.append(10, 100)
    expect(() => index.append(10, 200)).toThrow()
    expect(() => index.append(11, 100)).toThrow()
  })

  it('loading keeps the valid prefix and reports the damage', () => {
    const bytes = Buffer.alloc(8 * 4)
    for (const [i, [o, p]] of [[5, 100], [9, 300], [7, 400], [12, 500]].entries()) {
      bytes.writeUInt32BE(o!, i * 8)
      bytes.writeUInt32BE(p!, i * 8 + 4)
    }
    const index = new OffsetIndex(`${dir}/w.index`, 0, nodeFileIo)
    expect(index.loadFrom(bytes)).toMatch(/entry 2 \(byte 16\)/)
    expect(index.entries).toBe(2)
    expect(index.loadFrom(Buffer.concat([bytes.subarray(0, 16), Buffer.alloc(3)]))).toMatch(/trailing partial entry of 3 bytes/)
  })
})

describe('TimeIndex', () => {
  it('maybeAppend keeps only growing timestamps; lookup = the last entry with timestamp ≤ t', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({min: -50, max: 1000}), fc.integer({min: 0, max: 50})), {maxLength: 300}),
        fc.array(fc.integer({min: 1_600_000_000_000 - 100, max: 1_600_000_300_000}), {minLength: 1, maxLength: 40}),
        (steps, targets) => {
          const index = new TimeIndex(`${dir}/x.timeindex`, base, nodeFileIo)
          const model: Array<[number, number]> = []
          let ts = 1_600_000_000_000
          let offset = base
          for (const [dTs, dOffset] of steps) {
            ts += dTs
            offset += dOffset
            const appended = index.maybeAppend(ts, offset)
            const grows = model.length === 0 || ts > model[model.length - 1]![0]
            expect(appended).toBe(grows)
            if (grows) model.push([ts, offset])
          }
          for (const t of targets) {
            const hit = model.filter(([x]) => x <= t).pop()
            expect(index.lookup(t)).toEqual(hit ? {timestamp: hit[0], offset: hit[1]} : {timestamp: -1, offset: base})
          }
          index.writePending()
          index.close()
          const loaded = new TimeIndex(`${dir}/x.timeindex`, base, nodeFileIo)
          expect(loaded.loadFrom(fs.readFileSync(`${dir}/x.timeindex`))).toBeNull()
          expect(loaded.entries).toBe(model.length)
          fs.rmSync(`${dir}/x.timeindex`)
        },
      ),
      {numRuns: 60},
    )
  })
})
