// The torture runs' summary table: what was done (iterations, kills, verifies), what was checked (acks,
// records, reads, commits) and the anomalies found, by class — one row per run and a total.
import {CLASSES} from './checker.js'
import type {TortureResult} from './kill-loop.js'

const COLUMNS = [
  'seed',
  'iterations',
  'kills',
  'in recovery',
  'verifies',
  'acks',
  'acked records',
  'indeterminate (present/absent)',
  'records read',
  'commits acked',
  'member leaves/restarts',
  ...CLASSES.map((c, i) => `(${i + 1}) ${c}`),
  'seconds',
] as const

function row(r: TortureResult): string[] {
  const c = r.report
  return [
    String(r.seed),
    String(r.iterations),
    String(r.kills),
    String(r.killsInRecovery),
    String(r.verifies),
    String(c?.acks ?? '-'),
    String(c?.ackedRecords ?? '-'),
    c ? `${c.indeterminatePresent}/${c.indeterminateAbsent}` : '-',
    String(c?.readRecords ?? '-'),
    c ? `${c.commitsAcked} (${c.commitsLost} lost, ${c.commitsRefused} refused)` : '-',
    c ? `${c.memberLeaves}/${c.memberRestarts}` : '-',
    ...CLASSES.map((cls) => String(c?.anomalies[cls] ?? '-')),
    (r.elapsedMs / 1000).toFixed(0),
  ]
}

function total(results: TortureResult[]): string[] {
  const sum = (f: (r: TortureResult) => number): string => String(results.reduce((n, r) => n + f(r), 0))
  const rep = (f: (c: NonNullable<TortureResult['report']>) => number): string => sum((r) => (r.report ? f(r.report) : 0))
  return [
    'total',
    sum((r) => r.iterations),
    sum((r) => r.kills),
    sum((r) => r.killsInRecovery),
    sum((r) => r.verifies),
    rep((c) => c.acks),
    rep((c) => c.ackedRecords),
    `${rep((c) => c.indeterminatePresent)}/${rep((c) => c.indeterminateAbsent)}`,
    rep((c) => c.readRecords),
    `${rep((c) => c.commitsAcked)} (${rep((c) => c.commitsLost)} lost, ${rep((c) => c.commitsRefused)} refused)`,
    `${rep((c) => c.memberLeaves)}/${rep((c) => c.memberRestarts)}`,
    ...CLASSES.map((cls) => rep((c) => c.anomalies[cls])),
    sum((r) => r.elapsedMs / 1000).replace(/\..*/, ''),
  ]
}

/** A plain-text table, one line per column (the columns are many; runs are few). */
export function summaryTable(results: TortureResult[]): string {
  const rows = [...results.map(row), ...(results.length > 1 ? [total(results)] : [])]
  const width = Math.max(...COLUMNS.map((c) => c.length))
  const cells = rows.map((r) => Math.max(...r.map((v) => v.length)))
  const lines = COLUMNS.map((name, i) => `${name.padEnd(width)}  ${rows.map((r, j) => r[i]!.padStart(cells[j]!)).join('  ')}`)
  const problems = results.flatMap((r) => [
    ...(r.failure ? [`seed ${r.seed}: ${r.failure.split('\n')[0]}`] : []),
    ...(r.report?.examples ?? []).map((e) => `seed ${r.seed}: ${e}`),
    ...(r.kept ? [`seed ${r.seed}: kept ${r.dir}`] : []),
  ])
  return ['torture summary', ...lines, ...problems].join('\n')
}
