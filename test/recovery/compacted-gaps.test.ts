// A compacted log has gaps in its offsets (the cleaner drops records, offsets never move). Recovery
// must take them for what they are — Kafka checks only that offsets increase — and never quarantine or
// truncate a cleaned segment because of them; a closed segment's index rebuilt from the log must cover
// every batch past a gap. Damage detection is not weakened: offsets that go backwards, bad CRCs and torn
// tails are still found in a compacted log, and a log that was never compacted still demands contiguous
// offsets.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {writeBaseOffset} from '../../src/format/batch-header.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'
import {abandon, batch, batchesIn, cleanedCopy, config, open, readAll, removeDir, segmentFiles, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const compacted = config({'cleanup.policy': 'compact', 'segment.bytes': 400, 'index.interval.bytes': 100})

/**
 * 30 batches of 3 records (timestamps 1000 apart per batch) in several segments, rolled, then every closed
 * segment replaced by one cleaned copy keeping every other batch (and the last): gaps between batches,
 * the last gap just before the last batch, the active segment empty. Returns what a reader sees.
 */
function cleanedLog(cfg = compacted): {log: PartitionLog; records: Array<[number, string]>} {
  const log = open(dir, {config: cfg})
  for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`, 1_700_000_000_000 + i * 1000))
  log.roll()
  const old = [...log.closedSegments()]
  const {segments} = cleanedCopy(log, old, (o) => o % 6 === 0 && o < 80)
  log.replaceSegments(segments, old)
  const records = readAll(log)
  expect(records.length).toBeLessThan(90)
  expect(records.at(-1)![0]).toBe(89)
  return {log, records}
}

function loseRecoveryPoint(): void {
  fs.writeFileSync(`${dir}/recovery-point.checkpoint`, 'garbage') // unreadable: validate every batch
}

describe('recovery of a compacted log', () => {
  it('after a crash with the recovery point lost, validates every cleaned batch and keeps them all, gaps and all', () => {
    const {log, records} = cleanedLog()
    abandon(log)
    loseRecoveryPoint()
    const again = open(dir, {config: compacted})
    expect(again.recovery).toMatchObject({clean: false, quarantined: null, truncatedBytes: 0, recoveredFrom: 0})
    expect(readAll(again)).toEqual(records)
    expect(again.append(batch(1, 'next')).baseOffset).toBe(90)
    expect(again.online).toBe(true)
    again.close()
    expect(verifyPartitionDir(dir).problems).toEqual([])
  })

  it('a closed segment whose indexes are rebuilt indexes every batch past a gap: time lookups find them', () => {
    const {log, records} = cleanedLog()
    log.close()
    for (const f of fs.readdirSync(dir)) if (/^0{20}\.(index|timeindex)$/.test(f)) fs.unlinkSync(`${dir}/${f}`)
    const again = open(dir, {config: compacted})
    // batch 29 (offsets 87–89, timestamps from ...029000) lies past the last gap
    expect(again.offsetForTimestamp(1_700_000_029_000)).toEqual({offset: 87, timestamp: 1_700_000_029_000})
    expect(again.offsetForTimestamp(1_700_000_013_500)?.offset).toBe(records.find(([o]) => o >= 42)![0])
    expect(readAll(again)).toEqual(records)
    again.close()
    expect(verifyPartitionDir(dir).problems).toEqual([])
  })

  it('a log once compacted and switched to cleanup.policy=delete still opens with its gaps', () => {
    const {log, records} = cleanedLog()
    fs.writeFileSync(`${dir}/cleaner-offset.checkpoint`, '0\n0\n') // what the cleaner leaves behind
    abandon(log)
    loseRecoveryPoint()
    const again = open(dir, {config: config({'segment.bytes': 400, 'index.interval.bytes': 100})})
    expect(again.recovery).toMatchObject({quarantined: null, truncatedBytes: 0})
    expect(readAll(again)).toEqual(records)
    again.close()
  })

  it('still finds offsets that go backwards in a compacted log (a base offset rewritten below its neighbour)', () => {
    const {log} = cleanedLog()
    abandon(log)
    const file = segmentFiles(dir)[0]!
    const batches = batchesIn(file)
    const bytes = fs.readFileSync(file)
    const victim = batches[3]!
    const at = bytes.indexOf(victim.bytes)
    writeBaseOffset(bytes, at, batches[1]!.baseOffset) // outside the CRC: only the offset order tells
    fs.writeFileSync(file, bytes)
    loseRecoveryPoint()
    const again = open(dir, {config: compacted})
    expect(again.recovery.quarantined).toMatchObject({file, position: at, problem: expect.stringMatching(/offsets must increase/)})
    expect(again.online).toBe(false)
    again.close()
  })

  it('a log that was never compacted still demands contiguous offsets: a gap there is damage', () => {
    const plain = config({'segment.bytes': 400, 'index.interval.bytes': 100})
    const log = open(dir, {config: plain})
    for (let i = 0; i < 10; i++) log.append(batch(3, `b${i}`))
    abandon(log)
    const file = segmentFiles(dir)[0]!
    const bytes = fs.readFileSync(file)
    const [, second] = batchesIn(file)
    const at = bytes.indexOf(second!.bytes)
    writeBaseOffset(bytes, at, second!.baseOffset + 5)
    fs.writeFileSync(file, bytes)
    loseRecoveryPoint()
    const again = open(dir, {config: plain})
    expect(again.recovery.quarantined).toMatchObject({file, position: at, problem: 'base offset 8, expected 3'})
    again.close()
  })
})
