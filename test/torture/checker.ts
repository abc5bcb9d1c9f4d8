// The queue checker: the ack ledger (loadgen.mjs) against a final read of every partition and the group's
// committed offsets at the end. Events are taken in ledger order, which is real-time order: one process
// wrote them all, each before its effect. Anomaly classes:
//   1 lost        an acknowledged record is in no partition at all
//   2 duplicate   a record is in the log more than once (acknowledged or indeterminate alike), or was
//                 acknowledged at two different offsets
//   3 moved       an offset holds another value than the one acknowledged there (the record moved, or two
//                 acknowledgements named one offset), a value is damaged or was never sent by anyone, or a
//                 member was served values that differ from the final log
//   4 skip        a member's position jumped ahead: within one consumer (a 'span': a member session, from
//                 the consumer opened at an assignment to the next), a read does not start where the last
//                 one ended; a consumer starts a partition past the group's reach (the end of the range
//                 0…reach that some member has delivered); a commit names an offset past that reach
//   5 backwards   within one span a read starts below where the last ended; or a span starts a partition
//                 below the group's commit floor (the highest commit acknowledged so far). A restart from
//                 the commit may repeat what was delivered after the floor, never what is below it
//   6 regressed   the group's committed offset went below its floor: an acknowledged commit lower than an
//                 earlier one, or a committed offset read (OffsetFetch during the run, or at the end) lower
// Indeterminate sends (appended, no acknowledgement) may be present once or absent: only class 2 applies.
import {hashOfValues, idOf, valueOf} from './records.mjs'

export type LedgerEvent =
  | {e: 'send'; w: string; t: string; from: number; to: number}
  | {e: 'ack'; w: string; t: string; p: number; o: number; seqs: number[]; h: number}
  | {e: 'span'; c: string; s: number; m: string; starts: [string, number, number][]}
  | {e: 'read'; c: string; s: number; t: string; p: number; from: number; to: number; h: number}
  | {e: 'commit'; c: string; k: number; m: string; offsets: [string, number, number][]}
  | {e: 'commit-ok'; c: string; k: number; results: [string, number, number, string | null][]}
  | {e: 'commit-lost'; c: string; k: number; code: string}
  | {e: 'commit-refused'; c: string; k: number; code: string}
  | {e: 'offsets'; c: string; list: [string, number, number][]}
  | {e: 'member-restart'; c: string; reason: string}
  | {e: 'member-leave'; c: string}
  | {e: 'end'}

/** One partition as read at the end: values[i] is the value at offset logStartOffset + i. */
export interface FinalPartition {
  logStartOffset: number
  values: (string | null)[]
}

export interface FinalState {
  partitions: Map<string, FinalPartition> // by tpKey()
  committed: [string, number, number][] // the group's committed offsets: [topic, partition, offset]
}

export const CLASSES = ['lost', 'duplicate', 'moved', 'skip', 'backwards', 'regressed'] as const
export type AnomalyClass = (typeof CLASSES)[number]

export interface CheckReport {
  anomalies: Record<AnomalyClass, number>
  examples: string[] // the first few anomalies of each class, in words
  complete: boolean // the ledger ends with 'end' (the load generator stopped cleanly)
  acks: number // acknowledged requests
  ackedRecords: number
  indeterminatePresent: number
  indeterminateAbsent: number
  readRecords: number // records delivered to members, each compared with the final log
  redelivered: number // of those, delivered again after a restart from the commit (allowed)
  spans: number
  commitsAcked: number
  commitsLost: number // sent, no answer (the daemon died): indeterminate
  commitsRefused: number // refused as a whole (a member the restarted daemon no longer knows)
  committedChecked: number // committed offsets compared with the floor (acknowledged, read, final)
  memberRestarts: number // members that failed for a lost connection and were started again
  memberLeaves: number // members that left the group and joined again (churn)
}

const EXAMPLES_PER_CLASS = 5

export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** The ledger's events; a last line without its newline (a writer killed mid-line) is not one. */
export function parseLedger(text: string): LedgerEvent[] {
  const lines = text.split('\n')
  lines.pop()
  return lines.filter((l) => l.length > 0).map((l) => JSON.parse(l) as LedgerEvent)
}

export function check(events: LedgerEvent[], final: FinalState): CheckReport {
  const report: CheckReport = {
    anomalies: {lost: 0, duplicate: 0, moved: 0, skip: 0, backwards: 0, regressed: 0},
    examples: [],
    complete: events.at(-1)?.e === 'end',
    acks: 0,
    ackedRecords: 0,
    indeterminatePresent: 0,
    indeterminateAbsent: 0,
    readRecords: 0,
    redelivered: 0,
    spans: 0,
    commitsAcked: 0,
    commitsLost: 0,
    commitsRefused: 0,
    committedChecked: 0,
    memberRestarts: 0,
    memberLeaves: 0,
  }
  const shown = new Map<AnomalyClass, number>()
  const anomaly = (cls: AnomalyClass, text: string): void => {
    report.anomalies[cls]++
    const n = shown.get(cls) ?? 0
    if (n < EXAMPLES_PER_CLASS) report.examples.push(`(${CLASSES.indexOf(cls) + 1}) ${cls}: ${text}`)
    shown.set(cls, n + 1)
  }
  const valueAt = (tp: string, offset: number): string | null | undefined => {
    const part = final.partitions.get(tp)
    return part === undefined ? undefined : part.values[offset - part.logStartOffset]
  }
  const finalRange = (tp: string, from: number, to: number): (string | null | undefined)[] =>
    Array.from({length: to - from + 1}, (_, i) => valueAt(tp, from + i))

  // Where every id is in the final log, and the final log's own faults: damaged values, duplicates.
  const sent = new Set<string>()
  for (const ev of events) if (ev.e === 'send') for (let s = ev.from; s <= ev.to; s++) sent.add(`${ev.w}:${s}`)
  const found = new Map<string, string>() // id → "tp@offset", its first place
  for (const [tp, part] of final.partitions) {
    part.values.forEach((value, i) => {
      const at = `${tp}@${part.logStartOffset + i}`
      const id = value === null ? null : idOf(value)
      if (id === null || value !== valueOf(id)) return anomaly('moved', `${at} holds a value no producer wrote: ${JSON.stringify(value?.slice(0, 60))}`)
      if (!sent.has(id)) return anomaly('moved', `${at} holds ${id}, which was never sent`)
      const first = found.get(id)
      if (first !== undefined) return anomaly('duplicate', `${id} is at ${first} and again at ${at}`)
      found.set(id, at)
    })
  }

  const ackedAt = new Map<string, string>() // id → "tp@offset" its acknowledgement named
  const ackedId = new Map<string, string>() // "tp@offset" → id acknowledged there
  const spanNext = new Map<string, Map<string, number>>() // "c/s" → tp → next offset expected
  const reach = new Map<string, number>() // tp → the group's delivered range 0…reach is whole
  const floor = new Map<string, number>() // tp → highest commit acknowledged
  const committed = (tp: string, offset: number, what: string): void => {
    report.committedChecked++
    const f = floor.get(tp) ?? -1
    if (offset < f) anomaly('regressed', `${tp}: ${what} ${offset}, after a commit of ${f} was acknowledged`)
  }

  for (const ev of events) {
    switch (ev.e) {
      case 'ack': {
        const tp = tpKey(ev.t, ev.p)
        report.acks++
        report.ackedRecords += ev.seqs.length
        const values = finalRange(tp, ev.o, ev.o + ev.seqs.length - 1)
        const intact = hashOfValues(values.map((v) => v ?? '')) === ev.h
        ev.seqs.forEach((seq, i) => {
          const id = `${ev.w}:${seq}`
          const at = `${tp}@${ev.o + i}`
          const before = ackedAt.get(id)
          if (before !== undefined && before !== at) anomaly('duplicate', `${id} acknowledged at ${before} and again at ${at}`)
          const other = ackedId.get(at)
          if (other !== undefined && other !== id) anomaly('moved', `${at} acknowledged for ${other} and again for ${id}`)
          ackedAt.set(id, at)
          ackedId.set(at, id)
          if (intact) return
          const place = found.get(id)
          if (place === undefined) anomaly('lost', `${id}, acknowledged at ${at}, is in no partition`)
          else if (place !== at) anomaly('moved', `${id}, acknowledged at ${at}, is at ${place}`)
        })
        break
      }
      case 'span': {
        report.spans++
        const next = new Map<string, number>()
        for (const [t, p, position] of ev.starts) {
          const tp = tpKey(t, p)
          next.set(tp, position)
          const f = floor.get(tp) ?? 0
          const r = reach.get(tp) ?? 0
          if (position < f) anomaly('backwards', `${ev.c} (consumer ${ev.s}) starts ${tp} at ${position}, below the committed ${f}`)
          if (position > r) anomaly('skip', `${ev.c} (consumer ${ev.s}) starts ${tp} at ${position}, but no member delivered ${r}…${position - 1}`)
        }
        spanNext.set(`${ev.c}/${ev.s}`, next)
        break
      }
      case 'read': {
        const tp = tpKey(ev.t, ev.p)
        const n = ev.to - ev.from + 1
        report.readRecords += n
        const next = spanNext.get(`${ev.c}/${ev.s}`)
        const expected = next?.get(tp)
        if (expected === undefined) anomaly('skip', `${ev.c} (consumer ${ev.s}) read ${tp} ${ev.from}…${ev.to}, a partition its consumer did not start`)
        else if (ev.from > expected) anomaly('skip', `${ev.c} (consumer ${ev.s}) read ${tp} from ${ev.from}, expected ${expected}`)
        else if (ev.from < expected) anomaly('backwards', `${ev.c} (consumer ${ev.s}) read ${tp} from ${ev.from}, after ${expected - 1}`)
        next?.set(tp, ev.to + 1)
        const r = reach.get(tp) ?? 0
        if (ev.from <= r) {
          report.redelivered += Math.max(0, Math.min(r, ev.to + 1) - ev.from)
          reach.set(tp, Math.max(r, ev.to + 1))
        }
        if (hashOfValues(finalRange(tp, ev.from, ev.to).map((v) => v ?? '')) !== ev.h) {
          anomaly('moved', `${ev.c} (consumer ${ev.s}) was served ${tp} ${ev.from}…${ev.to} with values other than the final log's`)
        }
        break
      }
      case 'commit-ok':
        report.commitsAcked++
        for (const [t, p, offset, error] of ev.results) {
          if (error !== null) continue
          const tp = tpKey(t, p)
          committed(tp, offset, 'a commit acknowledged at')
          if (offset > (reach.get(tp) ?? 0)) anomaly('skip', `${tp}: commit of ${offset} acknowledged, but no member delivered ${reach.get(tp) ?? 0}…${offset - 1}`)
          floor.set(tp, Math.max(floor.get(tp) ?? -1, offset))
        }
        break
      case 'commit-lost':
        report.commitsLost++
        break
      case 'commit-refused':
        report.commitsRefused++
        break
      case 'member-restart':
        report.memberRestarts++
        break
      case 'member-leave':
        report.memberLeaves++
        break
      case 'offsets':
        for (const [t, p, offset] of ev.list) committed(tpKey(t, p), offset, 'committed offset read as')
        break
    }
  }
  for (const [t, p, offset] of final.committed) committed(tpKey(t, p), offset, 'committed offset at the end')
  for (const tp of floor.keys()) {
    if (!final.committed.some(([t, p]) => tpKey(t, p) === tp)) committed(tp, -1, 'committed offset at the end (none)')
  }

  for (const id of sent) {
    if (ackedAt.has(id)) continue
    if (found.has(id)) report.indeterminatePresent++
    else report.indeterminateAbsent++
  }
  return report
}

export function totalAnomalies(report: CheckReport): number {
  return CLASSES.reduce((n, c) => n + report.anomalies[c], 0)
}
