// Indexes are a cache of the log: deleted, truncated, zero-filled or out-of-order index files are
// rebuilt on open, and every lookup answers exactly as before.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {abandon, config, open, readAll, removeDir, segmentFiles, sizedBatch, tempDir} from '../storage/helpers.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const cfg = config({'segment.bytes': 64 * 1024, 'index.interval.bytes': 1024})

/** Several segments of ~300-byte batches with increasing timestamps; closed cleanly. */
function build(): void {
  const log = open(dir, {config: cfg})
  for (let i = 0; i < 900; i++) log.append(sizedBatch(300, 'x', 1_000_000 + i * 10))
  log.close()
}

/** What a reader sees: the first batch's base offset for every offset, and timestamp lookups. */
function answers(log: PartitionLog): string[] {
  const out: string[] = []
  for (let o = 0; o < log.logEndOffset; o += 7) out.push(`${o}:${log.read(o, 1).bytes.readInt32BE(4)}`)
  for (let t = 999_990; t < 1_009_010; t += 333) out.push(`t${t}:${JSON.stringify(log.offsetForTimestamp(t))}`)
  return out
}

type Damage = (file: string) => void
const damages: Record<string, Damage> = {
  deleted: (f) => fs.unlinkSync(f),
  'truncated mid-entry': (f) => fs.truncateSync(f, Math.max(0, fs.statSync(f).size - 5)),
  'zero-filled': (f) => fs.writeFileSync(f, Buffer.alloc(fs.statSync(f).size)),
  'zero tail': (f) => fs.appendFileSync(f, Buffer.alloc(96)),
  'non-monotonic': (f) => {
    const b = fs.readFileSync(f)
    const width = f.endsWith('.timeindex') ? 12 : 8
    const first = Buffer.from(b.subarray(0, width))
    b.copy(b, 0, width, 2 * width)
    first.copy(b, width)
    fs.writeFileSync(f, b)
  },
}

describe('index damage', () => {
  for (const [name, damage] of Object.entries(damages)) {
    for (const suffix of ['.index', '.timeindex']) {
      it(`${suffix} ${name}: rebuilt, lookups unchanged`, () => {
        build()
        const fresh = open(dir, {config: cfg})
        const expected = answers(fresh)
        const records = readAll(fresh)
        fresh.close()
        const files = segmentFiles(dir, suffix)
        expect(files.length).toBeGreaterThan(3)
        const original = files.map((f) => fs.readFileSync(f))
        // damage the first (closed) segment's and the active segment's index
        damage(files[0]!)
        damage(files[files.length - 1]!)
        const log = open(dir, {config: cfg})
        expect(answers(log)).toEqual(expected)
        expect(readAll(log)).toEqual(records)
        log.close()
        // the rewritten files equal what appending wrote in the first place
        expect(segmentFiles(dir, suffix).map((f) => fs.readFileSync(f))).toEqual(original)
      })
    }
  }

  it('indexes lost in a crash are rebuilt by recovery', () => {
    const log = open(dir, {config: cfg})
    for (let i = 0; i < 300; i++) log.append(sizedBatch(300, 'y', 5_000 + i))
    const expected = answers(log)
    abandon(log) // the active segment's index entries were only in memory
    for (const f of segmentFiles(dir, '.index')) fs.unlinkSync(f)
    const again = open(dir, {config: cfg})
    expect(again.recovery.clean).toBe(false)
    expect(answers(again)).toEqual(expected)
    again.close()
  })
})
