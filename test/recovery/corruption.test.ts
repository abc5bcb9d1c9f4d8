// Corruption in the middle of the log with valid data after it is never truncated: the partition opens
// quarantined (offline), reads below the damage still work, and only an explicit truncateTo drops it.
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
  it('quarantines: nothing truncated, offline, reads below still work', () => {
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
    expect(q.recovery.quarantined).toEqual({file, position: positions[4], problem: expect.stringMatching(/CRC mismatch/)})
    expect(lines.join('\n')).toMatch(/quarantined/)
    expect(fs.statSync(file!).size).toBe(size) // nothing truncated
    expect(q.logEndOffset).toBe(12)
    expect(readAll(q, 0)).toEqual(all.slice(0, 12))
    expect(() => q.append(batch(1))).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
    expect(() => q.read(12, 1000)).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
    q.close()
    // still quarantined on the next open: close wrote no marker, nothing changed
    const again = open(dir)
    expect(again.recovery.quarantined).not.toBeNull()
    expect(fs.statSync(file!).size).toBe(size)
    // the operator's way out: truncate to the damage, and the log is back online
    again.truncateTo(12)
    expect(again.online).toBe(true)
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
    expect(q.logEndOffset).toBe(4)
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
    // everything below the damage still reads; nothing at or above it does
    expect(readAll(q, 0)).toEqual(all.slice(0, q.logEndOffset))
    expect(() => q.read(q.logEndOffset, 100)).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
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
