// Unclean shutdown with a damaged tail: recovery truncates to the last whole batch, says so, and
// appends continue at the log end with no gap and no reused offset.
import * as fs from 'node:fs'
import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {abandon, batch, batchPositions, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

/** n batches of 1–5 records, then the process "dies"; returns the records written. */
function writeAndCrash(n: number): Array<[number, string]> {
  const log = open(dir)
  for (let i = 0; i < n; i++) log.append(batch(1 + (i % 5), `b${i}`))
  const all = readAll(log)
  abandon(log)
  return all
}

describe('torn tail', () => {
  it('cut at any point inside the last batch: truncated to the last whole batch', () => {
    fc.assert(
      fc.property(fc.integer({min: 2, max: 12}), fc.double({min: 0, max: 1, noNaN: true}), (n, where) => {
        removeDir(dir)
        dir = tempDir()
        const all = writeAndCrash(n)
        const [file] = segmentFiles(dir)
        const positions = batchPositions(file!)
        const lastStart = positions[positions.length - 1]!
        const size = fs.statSync(file!).size
        const cutAt = lastStart + 1 + Math.floor(where * (size - lastStart - 2)) // strictly inside the last batch
        fs.truncateSync(file!, cutAt)

        const log = open(dir)
        const lastBatchBase = all.length - (1 + ((n - 1) % 5))
        expect(log.recovery.clean).toBe(false)
        expect(log.logEndOffset).toBe(lastBatchBase)
        expect(log.recovery.truncatedBytes).toBe(cutAt - lastStart)
        expect(log.recovery.messages.join('\n')).toContain(`truncated ${cutAt - lastStart} bytes`)
        expect(fs.statSync(file!).size).toBe(lastStart)
        expect(readAll(log)).toEqual(all.slice(0, lastBatchBase))
        // produce resumes at the log end: no gap, no reuse
        expect(log.append(batch(2, 'new')).baseOffset).toBe(lastBatchBase)
        log.close()
        const again = open(dir)
        expect(again.recovery.clean).toBe(true)
        expect(readAll(again).map(([o]) => o)).toEqual([...Array(lastBatchBase + 2).keys()])
        again.close()
      }),
      {numRuns: 40},
    )
  })

  it('zero-filled tail: cut off, nothing else lost', () => {
    const all = writeAndCrash(10)
    const [file] = segmentFiles(dir)
    const size = fs.statSync(file!).size
    fs.appendFileSync(file!, Buffer.alloc(100_000))
    const log = open(dir)
    expect(log.logEndOffset).toBe(all.length)
    expect(log.recovery.truncatedBytes).toBe(100_000)
    expect(log.recovery.messages.some((m) => m.includes(file!) && m.includes('truncated 100000 bytes'))).toBe(true)
    expect(fs.statSync(file!).size).toBe(size)
    expect(readAll(log)).toEqual(all)
    log.close()
  })

  it('random garbage tail: cut off', () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 1, maxLength: 5000}), (garbage) => {
        removeDir(dir)
        dir = tempDir()
        const all = writeAndCrash(5)
        const [file] = segmentFiles(dir)
        const size = fs.statSync(file!).size
        fs.appendFileSync(file!, garbage)
        const log = open(dir)
        expect(log.logEndOffset).toBe(all.length)
        expect(fs.statSync(file!).size).toBe(size)
        expect(log.online).toBe(true)
        log.close()
      }),
      {numRuns: 50},
    )
  })

  it('a header claiming a 2 GiB batch allocates nothing big and is cut off', () => {
    const all = writeAndCrash(5)
    const [file] = segmentFiles(dir)
    const size = fs.statSync(file!).size
    const fake = Buffer.alloc(61)
    fake.writeInt32BE(0x7ffffff0, 8) // batchLength ≈ 2 GiB
    fake.writeInt8(2, 16) // magic 2: looks like a real batch header
    fs.appendFileSync(file!, fake)
    const before = process.memoryUsage().arrayBuffers
    const log = open(dir)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
    expect(log.logEndOffset).toBe(all.length)
    expect(log.recovery.messages.join('\n')).toMatch(/batch length 2147483632 runs past end of file/)
    expect(fs.statSync(file!).size).toBe(size)
    log.close()
  })

  it('a flipped byte in the last batch: that batch is truncated', () => {
    const all = writeAndCrash(6)
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const last = positions[positions.length - 1]!
    const bytes = fs.readFileSync(file!)
    bytes[last + 70] ^= 0x40 // inside the CRC range
    fs.writeFileSync(file!, bytes)
    const log = open(dir)
    expect(log.online).toBe(true)
    expect(log.recovery.quarantined).toBeNull()
    expect(log.recovery.messages.join('\n')).toMatch(/CRC mismatch/)
    expect(fs.statSync(file!).size).toBe(last)
    expect(readAll(log)).toEqual(all.slice(0, log.logEndOffset))
    log.close()
  })

  it('torn tail in an earlier segment with empty later segments: later ones go', () => {
    const log = open(dir)
    for (let i = 0; i < 5; i++) log.append(batch(2, `a${i}`))
    log.roll()
    log.append(batch(2, 'b'))
    abandon(log)
    const files = segmentFiles(dir)
    expect(files).toHaveLength(2)
    fs.truncateSync(files[1]!, 30) // the second segment's only batch is torn
    const again = open(dir)
    expect(again.logEndOffset).toBe(10)
    expect(again.append(batch(1)).baseOffset).toBe(10)
    again.close()
  })
})
