// ENOSPC, EIO, short writes and failed fsyncs (injected through the FileIo): a clear STORAGE_ERROR naming
// the file, nothing partial left on disk, no offset consumed, earlier data intact, the partition offline
// until it is reopened — and the reopened log carries on.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {createFaultyFileIo, type FaultRule} from '../../src/storage/faulty-file-io.js'
import {batch, config, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const cases: Array<[string, FaultRule, RegExp, Record<string, number>?]> = [
  ['ENOSPC on write', {op: 'write', path: '.log', action: 'ENOSPC'}, /\.log: write of \d+ bytes at position \d+ failed: ENOSPC/],
  ['EIO on write', {op: 'write', path: '.log', action: 'EIO'}, /\.log: write of \d+ bytes at position \d+ failed: EIO/],
  ['a short write', {op: 'write', path: '.log', action: 'short-write'}, /\.log: short write: \d+ of \d+ bytes/],
  ['a failed fsync (flush.messages=1)', {op: 'datasync', path: '.log', action: 'EIO'}, /\.log: fdatasync failed: EIO/, {'flush.messages': 1}],
]

describe('I/O failures on append', () => {
  for (const [name, rule, message, overrides] of cases) {
    it(`${name}: STORAGE_ERROR, file cut back, offline, reopen recovers`, () => {
      const io = createFaultyFileIo(nodeFileIo)
      const log = open(dir, {io, config: config(overrides ?? {})})
      for (let i = 0; i < 5; i++) log.append(batch(3, `ok${i}`))
      const before = readAll(log)
      const [file] = segmentFiles(dir)
      const size = fs.statSync(file!).size

      io.fail(rule)
      let error: unknown
      try {
        log.append(batch(3, 'doomed'))
      } catch (err) {
        error = err
      }
      expect(error).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(message)})
      io.clear()
      expect(fs.statSync(file!).size).toBe(size) // nothing partial on disk
      expect(log.online).toBe(false)
      expect(log.logEndOffset).toBe(15) // no offset consumed
      expect(() => log.append(batch(1))).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
      expect(() => log.flush()).toThrow(expect.objectContaining({code: 'PARTITION_OFFLINE'}))
      expect(readAll(log)).toEqual(before) // earlier data still readable
      log.close()
      expect(fs.existsSync(`${dir}/.clean-shutdown`)).toBe(false) // offline close writes no marker

      const again = open(dir)
      expect(again.online).toBe(true)
      expect(again.logEndOffset).toBe(15)
      expect(readAll(again)).toEqual(before)
      expect(again.append(batch(1, 'later')).baseOffset).toBe(15)
      again.close()
    })
  }

  it('a failed fsync in flush() fails the flush and takes the log offline; acknowledged data stays', () => {
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {io})
    for (let i = 0; i < 4; i++) log.append(batch(2, `ok${i}`))
    io.fail({op: 'datasync', action: 'EIO'})
    expect(() => log.flush()).toThrow(expect.objectContaining({code: 'STORAGE_ERROR'}))
    expect(log.recoveryPoint).toBe(0) // never advanced past data whose fsync failed
    expect(log.online).toBe(false)
    io.clear()
    log.close()
    const again = open(dir)
    expect(again.logEndOffset).toBe(8)
    again.close()
  })

  it('ENOSPC while rolling: the new segment is not used, the log goes offline', () => {
    const io = createFaultyFileIo(nodeFileIo)
    const log = open(dir, {io, config: config({'segment.bytes': 1024})})
    io.fail({op: 'open', path: /00000000000000000\d*[1-9]\d*\.log$/, action: 'ENOSPC'})
    let threw = 0
    for (let i = 0; i < 40 && threw === 0; i++) {
      try {
        log.append(batch(3, `b${i}`))
      } catch (err) {
        expect(err).toMatchObject({code: 'STORAGE_ERROR'})
        threw++
      }
    }
    expect(threw).toBe(1)
    expect(log.online).toBe(false)
    const leo = log.logEndOffset
    io.clear()
    log.close()
    const again = open(dir)
    expect(again.logEndOffset).toBe(leo)
    again.close()
  })
})
