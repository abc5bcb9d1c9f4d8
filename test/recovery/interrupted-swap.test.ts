// A segment swap (the log cleaner's replaceSegments) interrupted by a crash at each step, the leftover
// files arranged by hand: the log reopens in exactly the before or the after state, offsets unchanged,
// with no `.cleaned`, `.swap` or `.deleted` file left and nothing on disk that `log verify` objects to.
// A `.swap` that does not check out is never installed: the open fails and no old segment is deleted.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {abandon, batch, cleanedCopy, config, open, readAll, removeDir, swapLeftovers, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => removeDir(dir))

const cfg = config({'segment.bytes': 400, 'index.interval.bytes': 100})
const KINDS = ['log', 'index', 'timeindex'] as const

type Records = Array<[number, string]>

interface Crash {
  before: Records
  after: Records
  /** Base offsets of the replaced segments and of their replacements. */
  old: number[]
  fresh: number[]
  basesBefore: number[]
  basesAfter: number[]
}

const name = (base: number, kind: (typeof KINDS)[number], suffix = ''): string => `${dir}/${String(base).padStart(20, '0')}.${kind}${suffix}`

/** Renames a segment's files (those that exist) from one suffix to another, as the protocol does. */
function rename(base: number, from: string, to: string, kinds: readonly (typeof KINDS)[number][] = KINDS): void {
  for (const kind of kinds) if (fs.existsSync(name(base, kind, from))) fs.renameSync(name(base, kind, from), name(base, kind, to))
}

/**
 * A log of 30 batches in several segments; segments 1–3 copied, every other batch kept, into `parts`
 * complete `.cleaned` segments (what the cleaner leaves just before replaceSegments); then the process
 * dies. Returns what the log holds before and after the swap.
 */
function crashBeforeSwap(parts: number): Crash {
  const log = open(dir, {config: cfg})
  for (let i = 0; i < 30; i++) log.append(batch(3, `b${i}`))
  const before = readAll(log)
  const basesBefore = log.segments().map((s) => s.baseOffset)
  const old = log.closedSegments().slice(1, 4)
  const {segments, kept} = cleanedCopy(log, old, (o) => o % 6 === 0, parts)
  for (const s of segments) {
    s.onBecomeInactive() // replaceSegments' first step: the new segments complete and durable
    s.close()
  }
  abandon(log)
  const [from, to] = [basesBefore[1]!, basesBefore[4]!]
  const fresh = segments.map((s) => s.baseOffset)
  return {
    before,
    after: before.filter(([o]) => o < from || o >= to || kept.has(o)),
    old: old.map((s) => s.baseOffset),
    fresh,
    basesBefore,
    basesAfter: [basesBefore[0]!, ...fresh, ...basesBefore.slice(4)],
  }
}

/** Reopens (unclean) and checks the log is exactly `records` in `bases`, clean on disk and writable. */
function expectReopened(records: Records, bases: number[], message: RegExp): void {
  const log = open(dir, {config: cfg})
  expect(log.recovery.clean).toBe(false)
  expect(log.recovery.quarantined).toBeNull()
  expect(log.recovery.messages.join('\n')).toMatch(message)
  expect(readAll(log)).toEqual(records)
  expect(log.segments().map((s) => s.baseOffset)).toEqual(bases)
  expect(swapLeftovers(dir)).toEqual([])
  expect(verifyPartitionDir(dir).problems).toEqual([])
  expect(log.append(batch(1, 'next')).baseOffset).toBe(90)
  log.close()
  const again = open(dir, {config: cfg})
  expect(again.recovery.clean).toBe(true)
  expect(readAll(again)).toEqual([...records, [90, 'next-0']])
  again.close()
}

const ROLLED_BACK = /left by a segment swap that never completed \(rolled back\)/
const FINISHED = /finishing an interrupted segment swap/

describe('a crash during a segment swap', () => {
  it('only .cleaned segments (before the first rename): rolled back to the before state', () => {
    const c = crashBeforeSwap(2)
    expectReopened(c.before, c.basesBefore, ROLLED_BACK)
  })

  it('.swap renames half done (the newest segment .swap, the oldest still .cleaned): the before state', () => {
    const c = crashBeforeSwap(2)
    rename(c.fresh[1]!, '.cleaned', '.swap')
    expectReopened(c.before, c.basesBefore, ROLLED_BACK)
  })

  it('the oldest new segment half renamed (.log.swap, indexes still .cleaned): the before state', () => {
    const c = crashBeforeSwap(2)
    rename(c.fresh[1]!, '.cleaned', '.swap')
    rename(c.fresh[0]!, '.cleaned', '.swap', ['log'])
    expectReopened(c.before, c.basesBefore, ROLLED_BACK)
  })

  it('every new segment .swap, the old segments still in place: finished, the after state', () => {
    const c = crashBeforeSwap(2)
    for (const base of c.fresh) rename(base, '.cleaned', '.swap')
    expectReopened(c.after, c.basesAfter, FINISHED)
  })

  it('every new segment .swap, the old ones partly renamed .deleted: the after state', () => {
    const c = crashBeforeSwap(1)
    rename(c.fresh[0]!, '.cleaned', '.swap')
    rename(c.old[0]!, '', '.deleted') // shares its base with the new segment
    rename(c.old[1]!, '', '.deleted', ['log'])
    expectReopened(c.after, c.basesAfter, FINISHED)
  })

  it('every new segment .swap, every old one .deleted: the after state', () => {
    const c = crashBeforeSwap(2)
    for (const base of c.fresh) rename(base, '.cleaned', '.swap')
    for (const base of c.old) rename(base, '', '.deleted')
    expectReopened(c.after, c.basesAfter, FINISHED)
  })

  it('final renames half done (the oldest new segment final, the newest still .swap): the after state', () => {
    const c = crashBeforeSwap(2)
    for (const base of c.fresh) rename(base, '.cleaned', '.swap')
    for (const base of c.old) rename(base, '', '.deleted')
    rename(c.fresh[0]!, '.swap', '')
    expectReopened(c.after, c.basesAfter, FINISHED)
  })

  it('a new segment final but its indexes still .swap: they take their final names too', () => {
    const c = crashBeforeSwap(1)
    rename(c.fresh[0]!, '.cleaned', '.swap')
    for (const base of c.old) rename(base, '', '.deleted')
    rename(c.fresh[0]!, '.swap', '', ['log'])
    const index = fs.readFileSync(name(c.fresh[0]!, 'index', '.swap'))
    expect(index.length).toBeGreaterThan(0)
    expectReopened(c.after, c.basesAfter, FINISHED)
    expect(fs.readFileSync(name(c.fresh[0]!, 'index'))).toEqual(index)
  })

  it('only .deleted files left (every rename done, the unlinks not): the after state', () => {
    const c = crashBeforeSwap(2)
    for (const base of c.old) rename(base, '', '.deleted')
    for (const base of c.fresh) rename(base, '.cleaned', '')
    expectReopened(c.after, c.basesAfter, /replaced by a finished segment swap/)
  })

  it('a .swap whose batch fails its CRC is not installed: the open fails, no old segment is deleted', () => {
    const c = crashBeforeSwap(1)
    rename(c.fresh[0]!, '.cleaned', '.swap')
    const swap = name(c.fresh[0]!, 'log', '.swap')
    const bytes = fs.readFileSync(swap)
    bytes[bytes.length - 1] ^= 0xff // inside the last batch's records: its CRC no longer matches
    fs.writeFileSync(swap, bytes)
    const files = fs.readdirSync(dir).filter((n) => !n.endsWith('.tmp')).sort()
    expect(() => open(dir, {config: cfg})).toThrow(
      expect.objectContaining({code: 'CORRUPT_LOG', message: expect.stringMatching(/\.log\.swap: .* cannot finish the interrupted segment swap; no old segment was deleted/)}),
    )
    for (const base of c.old) expect(fs.existsSync(name(base, 'log'))).toBe(true)
    expect(fs.readdirSync(dir).sort()).toEqual(files.filter((n) => n !== '.clean-shutdown'))
    // the operator moves the damaged swap away: the log opens in the before state
    for (const kind of KINDS) fs.rmSync(name(c.fresh[0]!, kind, '.swap'))
    expectReopened(c.before, c.basesBefore, /unclean shutdown/)
  })
})
