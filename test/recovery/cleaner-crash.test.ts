// A crash at every step of a cleaning pass — creating and writing the `.cleaned` files, each fdatasync,
// each rename of the suffix protocol, each directory fsync, each unlink, the cleaner checkpoint's
// tmp → fsync → rename: the process dies at the k-th file operation (a FaultyFileIo 'any' rule fails it
// and every operation after it, so nothing later reaches the disk), and the directory is reopened with
// plain I/O. It must come back as the before or the after state — offsets unchanged, the latest value of
// every key intact, no deleted key back, no suffix file left, nothing `log verify` objects to — and the
// next pass must finish the job.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {createFaultyFileIo} from '../../src/storage/faulty-file-io.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {OffsetMap} from '../../src/storage/offset-map.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'
import {cleanFully, keyed, latestPerKey, type Rec, readRecords, T0, table} from '../storage/cleaner-helpers.js'
import {abandon, config, open, removeDir, swapLeftovers, tempDir} from '../storage/helpers.js'

let root: string
let dir: string
beforeEach(() => {
  root = tempDir()
})
afterEach(() => removeDir(root))

const NOW = T0 + 10 * 60_000 // tombstones are past delete.retention.ms: they go in the after state

/** 60 batches of 4 records over 12 keys, some tombstones, values unique; rolled every `rollEvery` batches. */
function fill(log: PartitionLog, rollEvery: number): void {
  for (let b = 0; b < 60; b++) {
    const records: Array<[string, string | null]> = []
    for (let i = 0; i < 4; i++) {
      const n = b * 4 + i
      records.push([`k${(n * 7) % 12}`, n % 9 === 4 ? null : `v${n}`])
    }
    log.append(keyed(records, {timestamp: T0 + b}))
    if (rollEvery > 0 && b % rollEvery === rollEvery - 1) log.roll()
  }
  log.roll()
}

const sameRecord = (a: Rec, b: Rec): boolean => a.offset === b.offset && a.key === b.key && a.value === b.value && a.timestamp === b.timestamp

/** Crashes the pass at operation k; returns what a reopen reads, or null when the pass finished first. */
function crashAt(k: number, cfg: ReturnType<typeof config>, rollEvery: number): {before: Rec[]; seen: Rec[]; reopened: PartitionLog} | null {
  dir = `${root}/t${k}/users-0`
  const io = createFaultyFileIo(nodeFileIo)
  const log = open(dir, {config: cfg, io})
  fill(log, rollEvery)
  const before = readRecords(log)
  io.fail({op: 'any', action: 'EIO', after: k})
  let crashed = false
  try {
    log.startCleaning(new OffsetMap(), {now: NOW})!.run()
  } catch (err) {
    crashed = true
    expect(err, `op #${k}`).toMatchObject({code: 'STORAGE_ERROR'})
  }
  abandon(log) // the process dies here: no close, no marker
  if (!crashed) return null
  const reopened = open(dir, {config: cfg})
  return {before, seen: readRecords(reopened), reopened}
}

function expectSound(label: string, before: Rec[], seen: Rec[], reopened: PartitionLog): void {
  expect(reopened.recovery.quarantined, label).toBeNull()
  expect(reopened.recovery.truncatedBytes, label).toBe(0)
  expect(swapLeftovers(dir), label).toEqual([])
  expect(verifyPartitionDir(dir).problems, label).toEqual([])
  // nothing invented or moved: every record read is one written, at its offset, in offset order
  for (const r of seen) expect(before.some((b) => sameRecord(b, r)), `${label}: offset ${r.offset}`).toBe(true)
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.offset, label).toBeGreaterThan(seen[i - 1]!.offset)
  // the latest value of every key is there, and no deleted key came back
  expect(table(seen), label).toEqual(table(before))
  expect(reopened.logEndOffset, label).toBe(240)
}

describe('a crash at every step of a cleaning pass', () => {
  it('one group (five segments into one): the log reopens as exactly the before or the after state', () => {
    const cfg = config({'cleanup.policy': 'compact', 'segment.bytes': 1 << 20, 'index.interval.bytes': 256, 'delete.retention.ms': 60_000})
    const outcomes = new Set<string>()
    let k = 0
    for (; ; k++) {
      const crash = crashAt(k, cfg, 12)
      if (crash === null) break
      const {before, seen, reopened} = crash
      const after = latestPerKey(before).filter((r) => r.value !== null)
      const label = `crash at file operation #${k}`
      expect([before, after], label).toContainEqual(seen)
      outcomes.add(seen.length === before.length ? 'before' : 'after')
      expectSound(label, before, seen, reopened)
      // and the next pass finishes the job
      cleanFully(reopened, new OffsetMap(), {now: NOW})
      expect(readRecords(reopened), label).toEqual(after)
      abandon(reopened)
      // a second crash, with every batch re-validated this time: the cleaned log's gaps are not damage
      fs.unlinkSync(`${dir}/recovery-point.checkpoint`)
      const again = open(dir, {config: cfg})
      expect(again.recovery, label).toMatchObject({recoveredFrom: 0, quarantined: null, truncatedBytes: 0})
      expect(readRecords(again), label).toEqual(after)
      again.close()
    }
    expect(k).toBeGreaterThan(20) // the pass did that many file operations: each was a crash point
    expect([...outcomes].sort()).toEqual(['after', 'before'])
  })

  it('several groups, swapped oldest first: at every crash point offsets, latest values and deletions hold', () => {
    const cfg = config({'cleanup.policy': 'compact', 'segment.bytes': 2048, 'index.interval.bytes': 128, 'delete.retention.ms': 60_000})
    let k = 0
    let partial = 0
    for (; ; k++) {
      const crash = crashAt(k, cfg, 0)
      if (crash === null) break
      const {before, seen, reopened} = crash
      const label = `crash at file operation #${k}`
      expectSound(label, before, seen, reopened)
      if (seen.length < before.length && seen.length > latestPerKey(before).filter((r) => r.value !== null).length) partial++
      cleanFully(reopened, new OffsetMap(), {now: NOW})
      expect(readRecords(reopened), label).toEqual(latestPerKey(before).filter((r) => r.value !== null))
      reopened.close()
    }
    expect(k).toBeGreaterThan(60)
    expect(partial).toBeGreaterThan(0) // some crashes fell between two groups' swaps
  })
})
