// Corruption in the middle of the log with valid data after it is never truncated: the partition opens
// quarantined (offline), reads below and past the damage still work, reads of the damage fail with
// CORRUPT_LOG naming it, and only an explicit truncateTo drops it.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {abandon, batch, batchPositions, config, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

function flipByte(file: string, position: number): void {
  const bytes = fs.readFileSync(file)
  bytes[position] ^= 0x01
  fs.writeFileSync(file, bytes)
}

describe('corruption in the middle', () => {
  it('quarantines: nothing truncated, offline; reads below and past the damage work, of it fail', () => {
    const log = open(dir)
    for (let i = 0; i < 10; i++) log.append(batch(3, `b${i}`))
    const all = readAll(log)
    abandon(log)
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const size = fs.statSync(file!).size
    flipByte(file!, positions[4]! + 65) // inside batch 4's CRC range (offsets 12–14)

    const lines: string[] = []
    const q = open(dir, {log: (l) => lines.push(l)})
    expect(q.online).toBe(false)
    expect(q.recovery.quarantined).toEqual({
      file,
      position: positions[4],
      problem: expect.stringMatching(/CRC mismatch/),
      offset: 12,
      resume: {file, position: positions[5], offset: 15},
    })
    expect(lines.join('\n')).toMatch(/quarantined/)
    expect(fs.statSync(file!).size).toBe(size) // nothing truncated
    expect(q.logEndOffset).toBe(30) // the valid data after the damage is still the log's
    expect(readAll(q, 0, 1 << 20, 12)).toEqual(all.slice(0, 12))
    for (const offset of [12, 14]) {
      expect(() => q.read(offset, 1000)).toThrow(
        expect.objectContaining({code: 'CORRUPT_LOG', offset, nextOffset: 15, file, position: positions[4], message: expect.stringMatching(/quarantined/)}),
      )
    }
    expect(readAll(q, 15)).toEqual(all.slice(15))
    expect(() => q.append(batch(1))).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
    expect(() => q.read(30, 1000)).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
    q.close()
    // still quarantined on the next open: close wrote no marker, nothing changed
    const again = open(dir)
    expect(again.recovery.quarantined).not.toBeNull()
    expect(fs.statSync(file!).size).toBe(size)
    // the operator's way out: truncate to the damage, and the log is back online
    again.truncateTo(12)
    expect(again.online).toBe(true)
    expect(again.logEndOffset).toBe(12)
    expect(again.append(batch(1, 'fresh')).baseOffset).toBe(12)
    again.close()
  })

  it('a bad base offset (outside the CRC) followed by good batches quarantines too', () => {
    const log = open(dir)
    for (let i = 0; i < 5; i++) log.append(batch(2, `b${i}`))
    abandon(log)
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const bytes = fs.readFileSync(file!)
    bytes.writeUInt32BE(1000, positions[2]! + 4)
    fs.writeFileSync(file!, bytes)
    const q = open(dir)
    expect(q.recovery.quarantined?.problem).toMatch(/base offset 1000, expected 4/)
    expect(q.recovery.quarantined).toMatchObject({offset: 4, resume: {offset: 6, position: positions[3]}})
    expect(q.logEndOffset).toBe(10)
    // the batch claiming offset 1000 is never served: its CRC is fine, but recovery knows it is damage
    expect(readAll(q, 0, 1 << 20, 4).map(([o]) => o)).toEqual([0, 1, 2, 3])
    expect(() => q.read(4, 1 << 20)).toThrow(expect.objectContaining({code: 'CORRUPT_LOG', nextOffset: 6}))
    expect(readAll(q, 6).map(([o]) => o)).toEqual([6, 7, 8, 9])
    q.close()
  })

  it('damage in an earlier segment with a valid later segment quarantines', () => {
    const log = open(dir, {config: config({'segment.bytes': 1024})})
    for (let i = 0; i < 40; i++) log.append(batch(3, `b${i}`))
    expect(log.segmentCount).toBeGreaterThan(3)
    const all = readAll(log)
    abandon(log)
    const files = segmentFiles(dir)
    const sizes = files.map((f) => fs.statSync(f).size)
    // the recovery point is past segment 0: remove the checkpoint so it is validated again
    fs.unlinkSync(`${dir}/recovery-point.checkpoint`)
    fs.truncateSync(files[0]!, sizes[0]! - 10) // torn end of segment 0, but segment 1 is intact
    const q = open(dir)
    expect(q.recovery.quarantined?.file).toBe(files[0])
    expect(files.map((f) => fs.statSync(f).size)).toEqual([sizes[0]! - 10, ...sizes.slice(1)])
    // everything below the damage still reads, and everything in the later segments; the torn batch fails
    const {offset, resume} = q.recovery.quarantined!
    expect(resume).toEqual({file: files[1], position: 0, offset: Number(files[1]!.match(/(\d+)\.log$/)![1])})
    expect(readAll(q, 0, 1 << 20, offset)).toEqual(all.slice(0, offset))
    expect(() => q.read(offset, 100)).toThrow(expect.objectContaining({code: 'CORRUPT_LOG', nextOffset: resume!.offset}))
    expect(q.logEndOffset).toBe(120)
    expect(readAll(q, resume!.offset)).toEqual(all.slice(resume!.offset))
    q.close()
  })
})

describe('a later segment damaged at its start but holding valid batches', () => {
  it('is quarantined, not deleted', () => {
    const log = open(dir, {config: config({'segment.bytes': 1024})})
    for (let i = 0; i < 40; i++) log.append(batch(3, `b${i}`))
    abandon(log)
    fs.unlinkSync(`${dir}/recovery-point.checkpoint`)
    const files = segmentFiles(dir)
    const sizes = files.map((f) => fs.statSync(f).size)
    fs.truncateSync(files[0]!, sizes[0]! - 10) // torn end of segment 0 …
    flipByte(files[1]!, 70) // … and segment 1's first batch is damaged, but its later batches are fine
    const q = open(dir)
    expect(q.recovery.quarantined?.file).toBe(files[0])
    expect(files.every((f) => fs.existsSync(f))).toBe(true)
    q.close()
  })
})

// A clean shutdown means nothing is re-validated on open: damage that appears later (a flipped bit on
// disk) is found by the read that reaches it. The log stays online; the reader gets what lies below the
// bad batch, then CORRUPT_LOG naming it and the next offset that reads.
describe('damage found by a read', () => {
  function cleanLog(batches: number, overrides = {}) {
    const log = open(dir, {config: config(overrides)})
    for (let i = 0; i < batches; i++) log.append(batch(3, `b${i}`))
    const all = readAll(log)
    log.close()
    return all
  }

  it('a CRC mismatch: batches below it are served, the bad one names itself, the rest reads from the next offset', () => {
    const all = cleanLog(10)
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    flipByte(file!, positions[4]! + 65)
    const log = open(dir)
    expect(log.recovery.clean).toBe(true)
    // one read of everything stops before the bad batch
    const {bytes} = log.read(0, 1 << 20)
    expect(bytes.length).toBe(positions[4])
    for (const offset of [12, 13, 14]) {
      expect(() => log.read(offset, 1 << 20)).toThrow(
        expect.objectContaining({
          code: 'CORRUPT_LOG',
          offset,
          nextOffset: 15,
          file,
          position: positions[4],
          message: expect.stringMatching(new RegExp(`^offset ${offset} is in a corrupt record batch at byte ${positions[4]} of .*CRC mismatch.*${offset === 14 ? 'offset 14' : `offsets ${offset} to 14`} cannot be read$`)),
        }),
      )
    }
    expect(readAll(log, 15)).toEqual(all.slice(15))
    // the log stays writable: the damage is old bytes, not a failing write path
    expect(log.online).toBe(true)
    expect(log.append(batch(1, 'after')).baseOffset).toBe(30)
    log.close()
  })

  it('a broken frame (batch length): the next offset is found by resynchronising on the next intact batch', () => {
    const all = cleanLog(10)
    const [file] = segmentFiles(dir)
    const positions = batchPositions(file!)
    const bytes = fs.readFileSync(file!)
    bytes.writeInt32BE(7, positions[4]! + 8) // batchLength below the minimum: the frame cannot be walked
    fs.writeFileSync(file!, bytes)
    const log = open(dir)
    expect(readAll(log, 0, 1 << 20, 12)).toEqual(all.slice(0, 12))
    expect(() => log.read(12, 1 << 20)).toThrow(expect.objectContaining({code: 'CORRUPT_LOG', nextOffset: 15, position: positions[4]}))
    // reading past it scans through the damage to the next intact batch
    expect(readAll(log, 15)).toEqual(all.slice(15))
    expect(readAll(log, 20)).toEqual(all.slice(20))
    // a time lookup steps over the damage too
    expect(log.offsetForTimestamp(1_700_000_000_001)?.offset).toBe(1)
    log.close()
  })

  it('the last batch of a closed segment: the next offset is the next segment’s base', () => {
    const all = cleanLog(40, {'segment.bytes': 1024})
    const files = segmentFiles(dir)
    const positions = batchPositions(files[0]!)
    const last = positions[positions.length - 1]!
    flipByte(files[0]!, last + 65)
    const log = open(dir)
    const nextBase = Number(files[1]!.match(/(\d+)\.log$/)![1])
    expect(() => log.read(nextBase - 1, 1 << 20)).toThrow(expect.objectContaining({code: 'CORRUPT_LOG', nextOffset: nextBase, file: files[0]}))
    expect(readAll(log, nextBase)).toEqual(all.slice(nextBase))
    log.close()
  })
})
