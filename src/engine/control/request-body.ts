// Checks on control request bodies decoded from JSON: the client is not trusted, so every field a decoder
// (requests.ts) reads is type-checked here first, and a wrong shape becomes INVALID_REQUEST naming the
// field. Keys are read with Object.hasOwn only, so `__proto__` or `constructor` in a body are just data.
// Main thread.
import {SamsaError} from '../../errors.js'

export type Body = Record<string, unknown>

export function invalid(message: string): SamsaError {
  return new SamsaError('INVALID_REQUEST', message)
}

export function asBody(body: unknown, api: string): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`${api} request body must be a JSON object`)
  }
  return body as Body
}

function field(o: Body, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined
}

export function optional(o: Body, key: string): boolean {
  return field(o, key) === undefined
}

export function str(o: Body, key: string): string {
  const v = field(o, key)
  if (typeof v !== 'string') throw invalid(`field "${key}" must be a string`)
  return v
}

// Topic names are checked against topic-name.ts so that a bad one is INVALID_TOPIC, not this.
export function anyValue(o: Body, key: string): unknown {
  return field(o, key)
}

export function int(o: Body, key: string, options: {min?: number; max?: number; default?: number} = {}): number {
  let v = field(o, key)
  if (v === undefined && options.default !== undefined) v = options.default
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`field "${key}" must be an integer`)
  if (options.min !== undefined && v < options.min) throw invalid(`field "${key}" must be ≥ ${options.min}, got ${v}`)
  if (options.max !== undefined && v > options.max) throw invalid(`field "${key}" must be ≤ ${options.max}, got ${v}`)
  return v
}

export function bool(o: Body, key: string, fallback: boolean): boolean {
  const v = field(o, key)
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') throw invalid(`field "${key}" must be true or false`)
  return v
}

export function list(o: Body, key: string, maxLength: number): Body[] {
  const v = field(o, key)
  if (!Array.isArray(v)) throw invalid(`field "${key}" must be an array`)
  if (v.length > maxLength) throw invalid(`field "${key}" has ${v.length} entries; the limit is ${maxLength}`)
  return v.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalid(`${key}[${i}] must be an object`)
    return item as Body
  })
}

export function stringList(o: Body, key: string, maxLength: number): string[] {
  const v = field(o, key)
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalid(`field "${key}" must be an array of strings`)
  if (v.length > maxLength) throw invalid(`field "${key}" has ${v.length} entries; the limit is ${maxLength}`)
  return v as string[]
}

// A JSON object of string → string, as a Map (config names are user input).
export function stringMap(o: Body, key: string): Map<string, string> {
  const v = field(o, key)
  const out = new Map<string, string>()
  if (v === undefined || v === null) return out
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`field "${key}" must be an object of strings`)
  for (const [k, value] of Object.entries(v as Body)) {
    if (typeof value !== 'string') throw invalid(`${key}.${k} must be a string`)
    out.set(k, value)
  }
  return out
}
