// A produce request carrying several batches rolls to a new segment between batches when the next batch
// would cross segment.bytes (Kafka's LogSegment.shouldRoll, checked per batch): no segment grows past
// segment.bytes except one holding a single larger batch. The request stays all-or-nothing: a write that
// fails after a roll takes back what the request wrote before it.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createFaultyFileIo} from '../../src/storage/faulty-file-io.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {abandon, batchPositions, config, open, readAll, removeDir, segmentFiles, sizedBatch, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const SEGMENT = 1024
const request = (n: number, bytes = 300): Buffer => Buffer.concat(Array.from({length: n}, (_, i) => sizedBatch(bytes, String.fromCharCode(97 + i))))

function expectBounded(files: string[]): void {
  for (const f of files) {
    const size = fs.statSync(f).size
    if (size > SEGMENT) expect(batchPositions(f), `${f} is ${size} bytes`).toHaveLength(1)
  }
}

describe('rolling between the batches of one append', () => {
  it('no segment exceeds segment.bytes; offsets, indexes and reads are as if appended one by one', () => {
    const log = open(dir, {config: config({'segment.bytes': SEGMENT, 'index.interval.bytes': 256})})
    log.appendBatches(request(2))
    const r = log.appendBatches(request(10))
    expect(r).toMatchObject({baseOffset: 2, lastOffset: 11})
    expect(log.logEndOffset).toBe(12)
    const files = segmentFiles(dir)
    expect(files.length).toBeGreaterThanOrEqual(4)
    expectBounded(files)
    // each segment is named by its first batch's offset, and the segments are contiguous
    const bases = log.segments().map((s) => s.baseOffset)
    expect(bases[0]).toBe(0)
    expect(bases).toEqual([...bases].sort((a, b) => a - b))
    const all = readAll(log)
    expect(all.map(([o]) => o)).toEqual(Array.from({length: 12}, (_, i) => i))
    for (let o = 0; o < 12; o++) expect(readAll(log, o, 1)[0]![0]).toBe(o) // every offset finds its batch
    log.close()
    const again = open(dir)
    expect(again.recovery.clean).toBe(true)
    expect(readAll(again)).toEqual(all)
    abandon(again)
    fs.unlinkSync(`${dir}/recovery-point.checkpoint`) // re-validate everything: the files are sound
    const recovered = open(dir)
    expect(recovered.recovery.quarantined).toBeNull()
    expect(recovered.recovery.truncatedBytes).toBe(0)
    expect(readAll(recovered)).toEqual(all)
    recovered.close()
  })

  it('a batch larger than segment.bytes gets a segment of its own', () => {
    const log = open(dir, {config: config({'segment.bytes': SEGMENT})})
    log.appendBatches(Buffer.concat([request(1), sizedBatch(3000, 'big'), request(1)]))
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 1, 2])
    expectBounded(segmentFiles(dir))
    log.close()
  })

  it('a write that fails after a roll takes the whole request back: no offset consumed, no new segment', () => {
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {io, config: config({'segment.bytes': SEGMENT})})
    log.appendBatches(request(2))
    const before = readAll(log)
    const [first] = segmentFiles(dir)
    const size = fs.statSync(first!).size
    io.fail({op: 'write', path: '.log', action: 'ENOSPC', after: 1}) // the request's first write lands, the next fails
    expect(() => log.appendBatches(request(6))).toThrow(expect.objectContaining({code: 'STORAGE_ERROR'}))
    io.clear()
    expect(log.logEndOffset).toBe(2)
    expect(log.online).toBe(false)
    expect(segmentFiles(dir)).toEqual([first])
    expect(fs.statSync(first!).size).toBe(size)
    expect(readAll(log)).toEqual(before)
    log.close()
    const again = open(dir)
    expect(again.online).toBe(true)
    expect(again.logEndOffset).toBe(2)
    expect(readAll(again)).toEqual(before)
    expect(again.appendBatches(request(1)).baseOffset).toBe(2)
    again.close()
  })
})
