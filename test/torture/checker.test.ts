// The queue checker on hand-made ledgers: a clean history passes, and each anomaly class is found — a
// checker that passed everything would make every kill -9 suite meaningless.
import {describe, expect, it} from 'vitest'
import {check, parseLedger, tpKey, totalAnomalies, type FinalState, type LedgerEvent} from './checker.js'
import {hashOfValues, valueOf} from './records.mjs'

const T = 'torture'
const id = (seq: number): string => `p0.0:${seq}`
const hashOf = (seqs: number[]): number => hashOfValues(seqs.map((s) => valueOf(id(s))))

// p0.0 sends 0…5 and has 0…3 acknowledged at offsets 0…3 of torture-0 (4 and 5 stay indeterminate); member
// c0 reads 0…1, commits 2, reads 2…3, commits 4; the group's offset is read as 4; a clean end.
function history(): LedgerEvent[] {
  return [
    {e: 'send', w: 'p0.0', t: T, from: 0, to: 5},
    {e: 'ack', w: 'p0.0', t: T, p: 0, o: 0, seqs: [0, 1], h: hashOf([0, 1])},
    {e: 'ack', w: 'p0.0', t: T, p: 0, o: 2, seqs: [2, 3], h: hashOf([2, 3])},
    {e: 'offsets', c: 'c0', list: [[T, 0, -1]]},
    {e: 'span', c: 'c0', s: 0, m: 'm1', starts: [[T, 0, 0]]},
    {e: 'read', c: 'c0', s: 0, t: T, p: 0, from: 0, to: 1, h: hashOf([0, 1])},
    {e: 'commit', c: 'c0', k: 0, m: 'm1', offsets: [[T, 0, 2]]},
    {e: 'commit-ok', c: 'c0', k: 0, results: [[T, 0, 2, null]]},
    {e: 'read', c: 'c0', s: 0, t: T, p: 0, from: 2, to: 3, h: hashOf([2, 3])},
    {e: 'commit', c: 'c0', k: 1, m: 'm1', offsets: [[T, 0, 4]]},
    {e: 'commit-ok', c: 'c0', k: 1, results: [[T, 0, 4, null]]},
    {e: 'offsets', c: 'c0', list: [[T, 0, 4]]},
    {e: 'end'},
  ]
}

function finalLog(seqs: number[] = [0, 1, 2, 3], committed = 4): FinalState {
  return {
    partitions: new Map([[tpKey(T, 0), {logStartOffset: 0, values: seqs.map((s) => valueOf(id(s)))}]]),
    committed: [[T, 0, committed]],
  }
}

// the ledger with `event` put in place of the one at index i (or inserted before it)
function replaced(i: number, ...events: LedgerEvent[]): LedgerEvent[] {
  const h = history()
  h.splice(i, 1, ...events)
  return h
}
function inserted(i: number, ...events: LedgerEvent[]): LedgerEvent[] {
  const h = history()
  h.splice(i, 0, ...events)
  return h
}

describe('queue checker', () => {
  it('passes a clean history, counting what it checked', () => {
    const r = check(history(), finalLog())
    expect(r.examples).toEqual([])
    expect(totalAnomalies(r)).toBe(0)
    expect(r).toMatchObject({complete: true, acks: 2, ackedRecords: 4, readRecords: 4, spans: 1, commitsAcked: 2, indeterminateAbsent: 2})
  })

  it('allows an indeterminate send once, and a restart from the commit that repeats what came after it', () => {
    const events = inserted(
      12,
      // the member restarts (the daemon died after its commit of 2 was lost): it starts again at the floor, 4
      {e: 'commit', c: 'c0', k: 2, m: 'm1', offsets: [[T, 0, 5]]},
      {e: 'commit-lost', c: 'c0', k: 2, code: 'DAEMON_UNAVAILABLE'},
      {e: 'commit', c: 'c0', k: 3, m: 'm1', offsets: [[T, 0, 5]]},
      {e: 'commit-refused', c: 'c0', k: 3, code: 'UNKNOWN_MEMBER_ID'},
      {e: 'member-restart', c: 'c0', reason: 'rebalance failed (listOffsets): the connection to the samsa daemon was lost'},
      {e: 'span', c: 'c0', s: 1, m: 'm2', starts: [[T, 0, 4]]},
      {e: 'read', c: 'c0', s: 1, t: T, p: 0, from: 4, to: 4, h: hashOf([4])},
    )
    const r = check(events, finalLog([0, 1, 2, 3, 4]))
    expect(r.examples).toEqual([])
    expect(r).toMatchObject({indeterminatePresent: 1, indeterminateAbsent: 1, commitsLost: 1, commitsRefused: 1, memberRestarts: 1})
  })

  it('(1) finds an acknowledged record that is in no partition', () => {
    const r = check(history(), finalLog([0, 1, 2]))
    expect(r.anomalies.lost).toBe(1)
    expect(r.examples.join('\n')).toContain('p0.0:3, acknowledged at torture-0@3, is in no partition')
  })

  it('(2) finds a record stored twice, an indeterminate one stored twice, and one acknowledged at two offsets', () => {
    expect(check(history(), finalLog([0, 1, 2, 3, 1])).anomalies.duplicate).toBe(1)
    expect(check(history(), finalLog([0, 1, 2, 3, 5, 5])).anomalies.duplicate).toBe(1)
    const twice = inserted(3, {e: 'ack', w: 'p0.0', t: T, p: 0, o: 4, seqs: [3], h: hashOf([3])})
    expect(check(twice, finalLog([0, 1, 2, 3, 3])).anomalies.duplicate).toBeGreaterThanOrEqual(1)
  })

  it('(3) finds a record moved, two records acknowledged at one offset, a damaged value and a wrong read', () => {
    expect(check(history(), finalLog([0, 2, 1, 3])).anomalies.moved).toBeGreaterThanOrEqual(2)
    const same = inserted(3, {e: 'send', w: 'p1.0', t: T, from: 0, to: 0}, {e: 'ack', w: 'p1.0', t: T, p: 0, o: 3, seqs: [0], h: 1})
    expect(check(same, finalLog()).anomalies.moved).toBeGreaterThanOrEqual(1)
    const damaged = finalLog()
    damaged.partitions.get(tpKey(T, 0))!.values[2] = `${id(2)} xyz`
    expect(check(history(), damaged).anomalies.moved).toBeGreaterThanOrEqual(1)
    const misread = replaced(8, {e: 'read', c: 'c0', s: 0, t: T, p: 0, from: 2, to: 3, h: hashOf([3, 2])})
    const r = check(misread, finalLog())
    expect(r.anomalies.moved).toBe(1)
    expect(r.examples[0]).toContain('was served torture-0 2…3 with values other than the final log')
  })

  it('(4) finds a read that jumps ahead, a consumer starting past the group\'s reach, and a commit past it', () => {
    const jump = replaced(8, {e: 'read', c: 'c0', s: 0, t: T, p: 0, from: 3, to: 3, h: hashOf([3])})
    expect(check(jump, finalLog()).anomalies.skip).toBeGreaterThanOrEqual(1)
    const late = replaced(4, {e: 'span', c: 'c0', s: 0, m: 'm1', starts: [[T, 0, 1]]})
    expect(check(late, finalLog()).anomalies.skip).toBeGreaterThanOrEqual(1)
    const ahead = replaced(7, {e: 'commit-ok', c: 'c0', k: 0, results: [[T, 0, 3, null]]})
    expect(check(ahead, finalLog()).anomalies.skip).toBe(1)
  })

  it('(5) finds a read that goes back within one consumer, and a consumer starting below the committed offset', () => {
    const back = replaced(8, {e: 'read', c: 'c0', s: 0, t: T, p: 0, from: 1, to: 3, h: hashOf([1, 2, 3])})
    expect(check(back, finalLog()).anomalies.backwards).toBe(1)
    const below = inserted(12, {e: 'span', c: 'c0', s: 1, m: 'm2', starts: [[T, 0, 3]]}, {e: 'read', c: 'c0', s: 1, t: T, p: 0, from: 3, to: 3, h: hashOf([3])})
    const r = check(below, finalLog())
    expect(r.anomalies.backwards).toBe(1)
    expect(r.examples[0]).toContain('starts torture-0 at 3, below the committed 4')
  })

  it('(6) finds a committed offset that regresses: a lower commit acknowledged, read during the run, or at the end', () => {
    const lower = inserted(12, {e: 'commit', c: 'c1', k: 0, m: 'm9', offsets: [[T, 0, 3]]}, {e: 'commit-ok', c: 'c1', k: 0, results: [[T, 0, 3, null]]})
    expect(check(lower, finalLog()).anomalies.regressed).toBe(1)
    expect(check(replaced(11, {e: 'offsets', c: 'c0', list: [[T, 0, 2]]}), finalLog()).anomalies.regressed).toBe(1)
    expect(check(history(), finalLog(undefined, 2)).anomalies.regressed).toBe(1)
    const gone = finalLog()
    gone.committed = []
    expect(check(history(), gone).anomalies.regressed).toBe(1)
  })

  it('reads a ledger whose last line was cut off', () => {
    const text = history().map((e) => JSON.stringify(e) + '\n').join('') + '{"e":"ack","w":"p0'
    const events = parseLedger(text)
    expect(events).toHaveLength(history().length)
    expect(check(events, finalLog()).complete).toBe(true)
  })
})
