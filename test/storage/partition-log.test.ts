import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {batch, config, open, readAll, removeDir, sizedBatch, tempDir} from './helpers.js'

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
