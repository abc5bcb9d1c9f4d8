// Where a consumer starts (--from) and stops (--until): the position grammar, and time parsing.
//
//   beginning | earliest        the log start offset of each partition
//   end | latest                the log end offset (the next offset to be written)
//   N                           offset N (clamped to what the partition holds)
//   -N                          the last N records of each partition: max(logStartOffset, logEndOffset − N)
//   @TIME                       the first record with timestamp ≥ TIME; TIME is ISO-8601 (a time without a
//                               zone is UTC; a date alone is midnight UTC) or epoch milliseconds
//   -DURATION                   that long before now: -500ms, -10s, -30m, -1h, -2d, -1w, or combined -1h30m
//
// `--until` takes the same grammar and is exclusive: `--from 10 --until 20` reads offsets 10..19,
// `--until @T` stops before the first record at or after T. Parsing is pure; the consumer resolves a
// spec to offsets with ListOffsets (consumer.ts).
import {SamsaError} from '../errors.js'

export type OffsetSpec =
  | {kind: 'beginning'}
  | {kind: 'end'}
  | {kind: 'offset'; offset: number}
  | {kind: 'last'; count: number}
  | {kind: 'time'; timestamp: number}

const UNIT_MS: {[unit: string]: number} = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

function usage(flag: string, text: string, why: string): SamsaError {
  return new SamsaError(
    'USAGE',
    `bad ${flag} '${text}': ${why} (expected beginning, end, N, -N, @TIME or -DURATION such as -1h)`,
  )
}

/** Parses a duration such as 1h30m, 10s or 500ms into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined
  let ms = 0
  for (const m of text.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]]
  return Number.isSafeInteger(ms) ? ms : undefined
}

/**
 * Parses a point in time: epoch milliseconds (digits only) or ISO-8601. A time without a zone is taken as
 * UTC, so that the same command means the same instant on every machine. Returns undefined when invalid.
 */
export function parseTime(text: string): number | undefined {
  const t = text.trim()
  if (/^\d+$/.test(t)) {
    const ms = Number(t)
    return Number.isSafeInteger(ms) ? ms : undefined
  }
  const m = ISO.exec(t)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = m
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return undefined
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 60))) return undefined
  const ms = frac === undefined ? '' : `.${frac.padEnd(3, '0').slice(0, 3)}`
  let z = zone === undefined ? 'Z' : zone.toUpperCase()
  if (/^[+-]\d{2}$/.test(z)) z += ':00'
  else if (/^[+-]\d{4}$/.test(z)) z = `${z.slice(0, 3)}:${z.slice(3)}`
  const iso = `${y}-${mo}-${d}T${h ?? '00'}:${mi ?? '00'}:${s ?? '00'}${ms}${z}`
  const value = Date.parse(iso)
  if (!Number.isFinite(value)) return undefined
  // Date.parse rolls 2026-02-31 over to March: reject dates that do not exist.
  const check = new Date(value + (z === 'Z' ? 0 : offsetMs(z)))
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() + 1 !== Number(mo)) return undefined
  return value
}

function offsetMs(zone: string): number {
  const sign = zone[0] === '-' ? -1 : 1
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000
}

/** Parses a --from / --until value; now is the reference for -DURATION. Throws SamsaError USAGE. */
export function parseOffsetSpec(text: string, flag = '--from', now: number = Date.now()): OffsetSpec {
  const t = text.trim()
  if (t === '') throw usage(flag, text, 'empty')
  const lower = t.toLowerCase()
  if (lower === 'beginning' || lower === 'earliest' || lower === 'start') return {kind: 'beginning'}
  if (lower === 'end' || lower === 'latest') return {kind: 'end'}
  if (/^\d+$/.test(t)) {
    const offset = Number(t)
    if (!Number.isSafeInteger(offset)) throw usage(flag, text, 'offset too large')
    return {kind: 'offset', offset}
  }
  if (t[0] === '-') {
    const rest = t.slice(1)
    if (/^\d+$/.test(rest)) {
      const count = Number(rest)
      if (!Number.isSafeInteger(count)) throw usage(flag, text, 'count too large')
      return {kind: 'last', count}
    }
    const ms = parseDuration(rest.toLowerCase())
    if (ms === undefined) throw usage(flag, text, 'not a count or a duration')
    return {kind: 'time', timestamp: now - ms}
  }
  if (t[0] === '@') {
    const ts = parseTime(t.slice(1))
    if (ts === undefined) throw usage(flag, text, 'not an ISO-8601 time or epoch milliseconds')
    return {kind: 'time', timestamp: ts}
  }
  throw usage(flag, text, 'unknown position')
}

/** The spec as a user would type it, for messages. */
export function describeOffsetSpec(spec: OffsetSpec): string {
  switch (spec.kind) {
    case 'beginning':
    case 'end':
      return spec.kind
    case 'offset':
      return String(spec.offset)
    case 'last':
      return `-${spec.count}`
    case 'time':
      return `@${new Date(spec.timestamp).toISOString()}`
  }
}
