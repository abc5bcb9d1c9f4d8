// Crashes in the middle of multi-step operations (retention deletion, roll) and odd leftovers: the log
// reopens in the before or the after state, never in between, and nothing is destroyed silently.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {writeOffsetCheckpoint} from '../../src/storage/checkpoint.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {createFaultyFileIo} from '../../src/storage/faulty-file-io.js'
import {abandon, batch, config, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const cfg = config({'segment.bytes': 1024, 'retention.bytes': 2500, 'retention.ms': -1})

function build(): {all: Array<[number, string]>; bases: number[]} {
  const log = open(dir, {config: cfg})
  for (let i = 0; i < 40; i++) log.append(batch(3, `b${i}`))
  const all = readAll(log)
  const bases = log.segments().map((s) => s.baseOffset)
  log.close()
  return {all, bases}
}

describe('interrupted retention', () => {
  it('crash after the log-start checkpoint, before any unlink: reopens in the after state', () => {
    const {all, bases} = build()
    writeOffsetCheckpoint(`${dir}/log-start-offset.checkpoint`, bases[3]!)
    fs.unlinkSync(`${dir}/.clean-shutdown`)
    const log = open(dir, {config: cfg})
    expect(log.logStartOffset).toBe(bases[3])
    expect(log.segments().map((s) => s.baseOffset)).toEqual(bases.slice(3))
    expect(log.recovery.messages.filter((m) => m.includes('finishing an interrupted deletion'))).toHaveLength(3)
    expect(readAll(log)).toEqual(all.slice(bases[3]))
    log.close()
  })

  it('crash half way through unlinking a segment: orphan indexes go, same after state', () => {
    const {bases} = build()
    writeOffsetCheckpoint(`${dir}/log-start-offset.checkpoint`, bases[1]!)
    fs.unlinkSync(segmentFiles(dir)[0]!) // the .log went, its .index and .timeindex did not
    const log = open(dir, {config: cfg})
    expect(log.logStartOffset).toBe(bases[1])
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('00000000000000000000'))).toEqual([])
    log.close()
  })

  it('the checkpoint write fails: STORAGE_ERROR, nothing deleted (the before state)', () => {
    build()
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {config: cfg, io})
    const before = segmentFiles(dir)
    io.fail({op: 'rename', path: 'log-start-offset.checkpoint', action: 'EIO'})
    expect(() => log.applyRetention()).toThrow(expect.objectContaining({code: 'STORAGE_ERROR'}))
    expect(segmentFiles(dir)).toEqual(before)
    expect(log.online).toBe(false)
    io.clear()
    log.close()
    const again = open(dir, {config: cfg})
    expect(again.logStartOffset).toBe(0)
    expect(again.applyRetention().deletedSegments).toBeGreaterThan(0)
    again.close()
  })
})

describe('odd checkpoints and leftovers', () => {
  it('a recovery point that is not a batch boundary or beyond the log: validate the segment, keep data', () => {
    for (const rp of [7, 100_000]) {
      removeDir(dir)
      dir = tempDir()
      const log = open(dir)
      for (let i = 0; i < 10; i++) log.append(batch(5, `b${i}`))
      const all = readAll(log)
      abandon(log)
      writeOffsetCheckpoint(`${dir}/recovery-point.checkpoint`, rp)
      const again = open(dir)
      expect(again.recovery.messages.join('\n')).toMatch(/is not a batch boundary/)
      expect(readAll(again)).toEqual(all)
      again.close()
    }
  })

  it('a log start beyond the recovered end: no offset reuse, no file deleted', () => {
    const log = open(dir)
    for (let i = 0; i < 10; i++) log.append(batch(2, `b${i}`))
    abandon(log)
    const files = segmentFiles(dir)
    writeOffsetCheckpoint(`${dir}/log-start-offset.checkpoint`, 500)
    const again = open(dir)
    expect(again.logStartOffset).toBe(500)
    expect(again.logEndOffset).toBe(500)
    expect(again.append(batch(1)).baseOffset).toBe(500)
    for (const f of files) expect(fs.existsSync(f)).toBe(true)
    again.close()
    const third = open(dir)
    expect(third.logEndOffset).toBe(501)
    third.close()
  })

  it('.cleaned and .deleted leftovers are removed, with a .swap above the .cleaned one (an unfinished swap, rolled back)', () => {
    const {all, bases} = build()
    fs.writeFileSync(`${dir}/00000000000000000000.log.cleaned`, 'x')
    fs.writeFileSync(`${dir}/00000000000000000003.log.deleted`, 'x')
    fs.writeFileSync(`${dir}/00000000000000000006.log.swap`, 'x')
    const log = open(dir, {config: cfg})
    expect(fs.existsSync(`${dir}/00000000000000000000.log.cleaned`)).toBe(false)
    expect(fs.existsSync(`${dir}/00000000000000000003.log.deleted`)).toBe(false)
    expect(fs.existsSync(`${dir}/00000000000000000006.log.swap`)).toBe(false)
    expect(log.recovery.messages.join('\n')).toMatch(/00000000000000000006\.log\.swap: left by a segment swap that never completed/)
    expect(log.segments().map((s) => s.baseOffset)).toEqual(bases)
    expect(readAll(log)).toEqual(all)
    log.close()
  })
})
