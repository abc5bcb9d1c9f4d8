// Metadata files: leftovers of interrupted writes are ignored, unreadable checkpoints mean "validate
// from the start" (never "delete segments"), and the clean-shutdown marker is gone while the log is open.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {readOffsetCheckpoint, writeFileDurably} from '../../src/storage/checkpoint.js'
import {abandon, batch, config, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

function build(): Array<[number, string]> {
  const log = open(dir, {config: config({'segment.bytes': 1024})})
  for (let i = 0; i < 60; i++) log.append(batch(2, `b${i}`))
  log.deleteRecordsBefore(5)
  const all = readAll(log)
  log.close()
  return all
}

describe('checkpoints and the clean-shutdown marker', () => {
  it('the marker exists only after a clean close, and a crash after open counts as unclean', () => {
    build()
    expect(fs.existsSync(`${dir}/.clean-shutdown`)).toBe(true)
    const log = open(dir)
    expect(log.recovery.clean).toBe(true)
    expect(fs.existsSync(`${dir}/.clean-shutdown`)).toBe(false)
    abandon(log)
    const again = open(dir)
    expect(again.recovery.clean).toBe(false)
    again.close()
  })

  it('leftover .tmp files are ignored and removed', () => {
    const all = build()
    fs.writeFileSync(`${dir}/recovery-point.checkpoint.tmp`, 'garbage')
    fs.writeFileSync(`${dir}/log-start-offset.checkpoint.tmp`, '0\n99999\n')
    const log = open(dir)
    expect(readAll(log)).toEqual(all)
    expect(log.logStartOffset).toBe(5)
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
    log.close()
  })

  for (const content of ['', 'garbage', '\0\0\0\0\0\0', '0\n12x\n', '1\n5\n']) {
    it(`unreadable checkpoints (${JSON.stringify(content)}): recover from the start, delete nothing`, () => {
      const all = build()
      const segments = segmentFiles(dir)
      fs.unlinkSync(`${dir}/.clean-shutdown`)
      fs.writeFileSync(`${dir}/recovery-point.checkpoint`, content)
      fs.writeFileSync(`${dir}/log-start-offset.checkpoint`, content)
      const log = open(dir)
      expect(log.recovery.clean).toBe(false)
      expect(log.recovery.recoveredFrom).toBe(0)
      expect(log.recovery.messages.join('\n')).toMatch(/recovery-point.checkpoint unreadable/)
      expect(segmentFiles(dir)).toEqual(segments)
      expect(log.logStartOffset).toBe(0) // the first segment's base: nothing is hidden or deleted
      expect(readAll(log, 5)).toEqual(all)
      log.close()
    })
  }

  it('writeFileDurably replaces atomically and leaves no .tmp', () => {
    const path = `${dir}/meta.json`
    writeFileDurably(path, '{"a":1}')
    writeFileDurably(path, Buffer.from('{"a":2}'))
    expect(fs.readFileSync(path, 'utf8')).toBe('{"a":2}')
    expect(fs.readdirSync(dir)).toEqual(['meta.json'])
  })

  it('readOffsetCheckpoint: ok, missing, unreadable', () => {
    writeFileDurably(`${dir}/c`, '0\n42\n')
    expect(readOffsetCheckpoint(`${dir}/c`)).toEqual({status: 'ok', offset: 42})
    expect(readOffsetCheckpoint(`${dir}/none`)).toEqual({status: 'missing'})
    writeFileDurably(`${dir}/c`, '0\n-1\n')
    expect(readOffsetCheckpoint(`${dir}/c`).status).toBe('unreadable')
  })

  it('recovery after a crash starts at the recovery point, not the start', () => {
    const log = open(dir)
    for (let i = 0; i < 20; i++) log.append(batch(5, `a${i}`))
    log.flush()
    expect(log.recoveryPoint).toBe(100)
    for (let i = 0; i < 3; i++) log.append(batch(5, `b${i}`))
    abandon(log)
    const again = open(dir)
    expect(again.recovery.clean).toBe(false)
    expect(again.recovery.recoveredFrom).toBe(100)
    expect(again.logEndOffset).toBe(115)
    expect(again.recoveryPoint).toBe(115) // what recovery validated is made durable
    again.close()
  })
})
