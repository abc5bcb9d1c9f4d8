import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {MinHeap, TimeMerger} from '../../src/cli/lines/merge-by-time.js'

type R = {timestamp: number; offset: number}

describe('MinHeap', () => {
  it('pops in order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (xs) => {
        const h = new MinHeap<number>((a, b) => a < b)
        for (const x of xs) h.push(x)
        const out: number[] = []
        while (h.size > 0) out.push(h.pop()!)
        expect(out).toEqual([...xs].sort((a, b) => a - b))
      }),
    )
  })
})

describe('TimeMerger', () => {
  it('merges sorted partitions fed in arbitrary fetch chunks into one timestamp order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({max: 50}), {maxLength: 15}), {minLength: 1, maxLength: 5}),
        fc.array(fc.nat({max: 5}), {minLength: 1, maxLength: 10}),
        (parts, chunkSizes) => {
          const runs: R[][] = parts.map((ts) => [...ts].sort((a, b) => a - b).map((t, i) => ({timestamp: t, offset: i})))
          const m = new TimeMerger<R>(runs.length)
          const pos = runs.map(() => 0)
          const out: [number, R][] = []
          let step = 0
          while (!m.finished) {
            for (const s of m.hungry()) {
              const n = Math.max(1, chunkSizes[step++ % chunkSizes.length])
              const chunk = runs[s].slice(pos[s], pos[s] + n)
              pos[s] += chunk.length
              m.add(s, chunk)
              if (pos[s] >= runs[s].length) m.setState(s, 'done')
            }
            m.drain((s, r) => out.push([s, r]))
          }
          const expected = runs
            .flatMap((run, s) => run.map((r) => [s, r] as [number, R]))
            .sort((a, b) => a[1].timestamp - b[1].timestamp || a[0] - b[0] || a[1].offset - b[1].offset)
          expect(out).toEqual(expected)
        },
      ),
      {numRuns: 300},
    )
  })

  it('waits for an active empty source, not for an idle one', () => {
    const m = new TimeMerger<R>(2)
    m.add(0, [{timestamp: 5, offset: 0}])
    const out: number[] = []
    expect(m.drain((_, r) => out.push(r.timestamp))).toBe(0) // source 1 may still have something earlier
    m.setState(1, 'idle')
    expect(m.drain((_, r) => out.push(r.timestamp))).toBe(1)
    m.setState(1, 'active')
    m.add(1, [{timestamp: 1, offset: 0}])
    m.drain((_, r) => out.push(r.timestamp))
    expect(out).toEqual([5]) // source 0 is active and empty again: hold
    m.setState(0, 'done')
    m.drain((_, r) => out.push(r.timestamp))
    expect(out).toEqual([5, 1])
  })
})
