// LogSegments against a plain-array reference model on random operation sequences (fast-check): adding
// at the end, removing at either end, and replacing a run in the middle (the log cleaner's swap). After
// every operation the list must equal the model — same segments in the same order, same active segment,
// same floor lookups — and a replacement that breaks a rule must throw and change nothing.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {LogSegment} from '../../src/storage/log-segment.js'
import {LogSegments} from '../../src/storage/log-segments.js'

/** A segment object only (its constructor touches no file). */
function segment(baseOffset: number, size = 0): LogSegment {
  const s = new LogSegment({dir: '/nonexistent-samsa-dir', baseOffset, io: nodeFileIo, indexIntervalBytes: 4096, log: () => {}})
  s.size = size
  return s
}

/** The model's rule for a replacement, written independently of LogSegments. */
function validReplacement(model: LogSegment[], fresh: LogSegment[], old: LogSegment[]): boolean {
  if (fresh.length === 0 || old.length === 0) return false
  const start = model.indexOf(old[0]!)
  if (start < 0 || start + old.length > model.length - 1) return false // must leave the active segment alone
  if (!old.every((s, i) => model[start + i] === s)) return false
  if (fresh[0]!.baseOffset !== old[0]!.baseOffset) return false
  if (!fresh.every((s, i) => i === 0 || s.baseOffset > fresh[i - 1]!.baseOffset)) return false
  return fresh[fresh.length - 1]!.baseOffset < model[start + old.length]!.baseOffset
}

function modelFloor(model: LogSegment[], offset: number): number {
  let found = 0
  for (let i = 0; i < model.length; i++) if (model[i]!.baseOffset <= offset) found = i
  return found
}

const op = fc.record({
  kind: fc.constantFrom('push', 'push', 'push', 'push', 'removeOldest', 'removeNewest', 'removeAfter', 'replace', 'replace', 'replace', 'replace'),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
  /** For replace: 0–5 a valid request, 6–11 one rule broken on purpose; for push, 11 a base that does not follow. */
  mode: fc.nat(11),
  size: fc.nat(10_000),
})

describe('LogSegments against an array model', () => {
  it('push, removals at both ends and replacements in the middle keep it equal to the model', () => {
    const tried = {valid: 0, invalid: 0}
    fc.assert(
      fc.property(fc.array(op, {minLength: 1, maxLength: 80}), fc.array(fc.integer({min: -5, max: 5000}), {minLength: 1, maxLength: 8}), (ops, probes) => {
        const first = segment(0, 100)
        const segs = new LogSegments([first])
        const model: LogSegment[] = [first]
        for (const o of ops) {
          const last = model[model.length - 1]!.baseOffset
          switch (o.kind) {
            case 'push': {
              const s = segment(last + (o.mode === 11 ? 0 : 1 + (o.a % 50)), o.size)
              if (o.mode === 11) {
                expect(() => segs.push(s)).toThrow()
              } else {
                segs.push(s)
                model.push(s)
              }
              break
            }
            case 'removeOldest': {
              const count = o.a % model.length // keeps at least one
              expect(segs.removeOldest(count)).toEqual(model.splice(0, count))
              break
            }
            case 'removeNewest':
              if (model.length > 1) expect(segs.removeNewest()).toBe(model.pop())
              break
            case 'removeAfter': {
              const i = o.a % model.length
              expect(segs.removeAfter(i)).toEqual(model.splice(i + 1))
              break
            }
            case 'replace': {
              const {fresh, old} = replacementRequest(model, o)
              const before = [...model]
              if (validReplacement(model, fresh, old)) {
                tried.valid++
                expect(segs.replacementProblem(fresh, old)).toBeNull()
                const removed = segs.replace(fresh, old)
                expect(removed).toEqual(old)
                removed.forEach((s, i) => expect(s).toBe(old[i]))
                model.splice(model.indexOf(old[0]!), old.length, ...fresh)
              } else {
                tried.invalid++
                expect(segs.replacementProblem(fresh, old)).not.toBeNull()
                expect(() => segs.replace(fresh, old)).toThrow(/cannot replace segments/)
                expect([...segs]).toEqual(before)
              }
              break
            }
          }
          // the list is the model, segment for segment
          expect(segs.length).toBe(model.length)
          model.forEach((s, i) => expect(segs.at(i)).toBe(s))
          expect(segs.active).toBe(model[model.length - 1])
          expect(segs.closed).toEqual(model.slice(0, -1))
          expect(segs.sizeInBytes).toBe(model.reduce((n, s) => n + s.size, 0))
          for (let i = 1; i < model.length; i++) expect(model[i]!.baseOffset).toBeGreaterThan(model[i - 1]!.baseOffset)
          for (const p of probes) expect(segs.floorIndex(p)).toBe(modelFloor(model, p))
        }
      }),
      {numRuns: 300},
    )
    // the generator reaches both sides of the rule (a model test that never replaces proves nothing)
    expect(tried.valid).toBeGreaterThan(100)
    expect(tried.invalid).toBeGreaterThan(100)
  })
})

/**
 * A replacement request for the model's current list: a run of closed segments and new segments for it,
 * valid for modes 0–5; modes 6–11 break one rule each (the active segment in the run, a run with a hole,
 * a first base that moved, new segments out of order, one reaching the segment after the run, nothing new).
 */
function replacementRequest(model: LogSegment[], o: {a: number; b: number; c: number; mode: number; size: number}): {fresh: LogSegment[]; old: LogSegment[]} {
  const closed = model.length - 1
  if (closed === 0) return {fresh: [segment(model[0]!.baseOffset)], old: [model[0]!]} // only the active one: invalid
  const start = o.a % closed
  const count = 1 + (o.b % (closed - start))
  let old = model.slice(start, start + count)
  const from = old[0]!.baseOffset
  const next = model[start + count]!.baseOffset
  // strictly increasing bases in [from, next), as many as fit
  const bases = [from]
  for (let i = 1, b = from; i < 1 + (o.c % 4); i++) {
    b += 1 + ((o.c * (i + 7)) % Math.max(1, Math.floor((next - from) / 4)))
    if (b >= next) break
    bases.push(b)
  }
  let fresh = bases.map((b) => segment(b, o.size))
  switch (o.mode) {
    case 6: // the active segment in the run
      old = model.slice(start)
      break
    case 7: // a hole in the run
      if (old.length >= 2) old = [old[0]!, ...old.slice(2)]
      else old = [old[0]!, model[start + 2] ?? segment(next + 1)]
      break
    case 8: // the first new segment not where the run begins
      fresh = [segment(from + 1), ...fresh.slice(1)]
      break
    case 9: // out of order
      fresh = [...fresh, segment(from)]
      break
    case 10: // reaching the segment after the run
      fresh = [...fresh, segment(next)]
      break
    case 11: // nothing to put in
      fresh = []
      break
  }
  return {fresh, old}
}
