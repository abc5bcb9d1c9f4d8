// Output helpers for humans: tables, sizes, durations. Data goes to stdout; messages go to stderr.
// cli-table3 colours its header and borders with ANSI escapes even when stdout is a pipe, so styles are
// off unless stdout is a terminal (and NO_COLOR is unset).
import {createRequire} from 'node:module'
import type TableType from 'cli-table3'

// cli-table3 (with its string-width and colour modules) is loaded by the first table, not at start-up:
// produce and consume print none, and it is ~50 ms of every command's start otherwise
let TableClass: typeof TableType | null = null
function newTable(options: TableType.TableConstructorOptions): TableType.Table {
  TableClass ??= createRequire(import.meta.url)('cli-table3') as typeof TableType
  return new TableClass(options)
}

export type Cell = string | number | boolean | null | undefined

export function colourAllowed(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'
}

export function table(
  head: string[],
  rows: Cell[][],
  options: {colour?: boolean; align?: ('left' | 'right')[]} = {},
): string {
  const colour = options.colour ?? colourAllowed()
  const t = newTable({
    head,
    style: colour ? {head: ['cyan'], border: ['grey'], compact: true} : {head: [], border: [], compact: true},
    ...(options.align ? {colAligns: options.align} : {}),
  })
  for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '' : String(c))))
  return t.toString()
}

// A two-column listing without a header row: [['pid', 123], ['uptime', '4m 05s'], …].
export function keyValueTable(rows: [string, Cell][], options: {colour?: boolean} = {}): string {
  const colour = options.colour ?? colourAllowed()
  const t = newTable({style: colour ? {head: ['cyan'], border: ['grey'], compact: true} : {head: [], border: [], compact: true}})
  for (const [key, value] of rows) t.push({[key]: value === null || value === undefined ? '' : String(value)})
  return t.toString()
}

// "1 batch", "2 batches": a count and its noun, in the number it takes.
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`
}

// Kafka's "never" for a long config (flush.ms, flush.messages, max.compaction.lag.ms): Long.MAX_VALUE.
const NEVER = '9223372036854775807'

// A config value as `topic describe` shows it: "never" for Long.MAX_VALUE, a duration hint on *.ms.
export function configText(name: string, value: string): string {
  return value === NEVER ? 'never' : withDurationHint(name, value)
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

// 0 B, 512 B, 1.2 KiB, 15 MiB, 1.0 GiB: binary units, one decimal below 10, whole numbers above.
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${sign}${value} B`
  const text = value < 10 ? value.toFixed(1) : Math.round(value).toString()
  return `${sign}${text} ${UNITS[unit]}`
}

// 850 ms, 12.3 s, 4m 05s, 3h 07m, 2d 04h: the two largest units that matter.
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 0) return `-${humanDuration(-ms)}`
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  const totalSeconds = Math.floor(s)
  const days = Math.floor(totalSeconds / 86400)
  const hours = Math.floor((totalSeconds % 86400) / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (days > 0) return `${days}d ${pad(hours)}h`
  if (hours > 0) return `${hours}h ${pad(minutes)}m`
  return `${minutes}m ${pad(seconds)}s`
}

// Config values in milliseconds read better with a hint: 604800000 → "604800000 (7d 00h)".
export function withDurationHint(name: string, value: string): string {
  if (!name.endsWith('.ms')) return value
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0 || n >= Number.MAX_SAFE_INTEGER || value === '9223372036854775807') return value
  return `${value} (${humanDuration(n)})`
}
