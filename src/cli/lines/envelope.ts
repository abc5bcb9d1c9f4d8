// The lossless JSON Lines envelope written by `consume --jsonl` and read by `produce --jsonl`:
//
//   {"topic":"t","partition":0,"offset":42,"timestamp":1700000000000,
//    "key":"k","value":"v","headers":[{"key":"h","value":"x"}]}
//
// Bytes (key, value, header values) are written as a JSON string when they are valid UTF-8, else as
// {"base64":"…"} (standard alphabet, padded); null stays null. Header keys are strings (as in Kafka).
// Headers are an array because keys may repeat and their order is kept. Reading back, topic and offset
// are ignored (the target topic assigns offsets); partition and timestamp are used when present; "value"
// must be present (a missing value is an error, not a silent tombstone); "key" and "headers" may be
// omitted; headers may also be given as a plain object {"h":"x"} for hand-written input.
// Pure; the encoder builds the line as one string without an intermediate object.

import {isUtf8} from 'node:buffer'
import {parseTime} from '../../client/offset-spec.js'

export interface EnvelopeHeader {
  key: string
  value: Buffer | null
}

export interface EnvelopeRecord {
  topic?: string
  partition?: number
  offset?: number
  timestamp?: number
  key: Buffer | null
  value: Buffer | null
  headers: EnvelopeHeader[]
}

/** JSON for one byte field: a string when valid UTF-8, else {"base64": …}; null as null. */
export function bytesToJson(bytes: Buffer | null): string {
  if (bytes === null) return 'null'
  if (isUtf8(bytes)) return JSON.stringify(bytes.toString('utf8'))
  return `{"base64":"${bytes.toString('base64')}"}`
}

/** The same rule as a JSON value, for callers that build an object and stringify it whole. */
export function bytesToJsonValue(bytes: Buffer | null): string | {base64: string} | null {
  if (bytes === null) return null
  return isUtf8(bytes) ? bytes.toString('utf8') : {base64: bytes.toString('base64')}
}

/**
 * One envelope line, without its trailing newline. topicJson is JSON.stringify(topic), computed once per
 * topic by the caller instead of once per record.
 */
export function encodeEnvelope(
  topicJson: string,
  partition: number,
  offset: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly EnvelopeHeader[] | undefined,
): string {
  let h = '[]'
  if (headers !== undefined && headers.length > 0) {
    h = '['
    for (let i = 0; i < headers.length; i++) {
      if (i > 0) h += ','
      h += `{"key":${JSON.stringify(headers[i].key)},"value":${bytesToJson(headers[i].value)}}`
    }
    h += ']'
  }
  return (
    `{"topic":${topicJson},"partition":${partition},"offset":${offset},"timestamp":${timestamp},` +
    `"key":${bytesToJson(key)},"value":${bytesToJson(value)},"headers":${h}}`
  )
}

/** A line that is not a valid envelope. The message names the problem, not the line number. */
export class EnvelopeError extends Error {}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function jsonToBytes(v: unknown, what: string): Buffer | null {
  if (v === null) return null
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  if (typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v as object)
    const b64 = (v as {base64?: unknown}).base64
    if (keys.length === 1 && keys[0] === 'base64' && typeof b64 === 'string') {
      if (!BASE64.test(b64)) throw new EnvelopeError(`${what}: "base64" is not valid base64`)
      return Buffer.from(b64, 'base64')
    }
  }
  throw new EnvelopeError(`${what} must be a string, null or {"base64": "…"}`)
}

function parseHeaders(v: unknown): EnvelopeHeader[] {
  if (v === undefined || v === null) return []
  if (Array.isArray(v)) {
    return v.map((h, i) => {
      if (h === null || typeof h !== 'object' || Array.isArray(h) || typeof (h as {key?: unknown}).key !== 'string') {
        throw new EnvelopeError(`headers[${i}] must be {"key": string, "value": …}`)
      }
      return {key: (h as {key: string}).key, value: jsonToBytes((h as {value?: unknown}).value ?? null, `headers[${i}].value`)}
    })
  }
  if (typeof v === 'object') {
    return Object.entries(v as object).map(([key, value]) => ({key, value: jsonToBytes(value, `header "${key}"`)}))
  }
  throw new EnvelopeError('"headers" must be an array of {"key","value"} or an object')
}

function parseTimestamp(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'string') {
    const ms = parseTime(v)
    if (ms !== undefined) return ms
  }
  throw new EnvelopeError('"timestamp" must be epoch milliseconds or an ISO-8601 time')
}

/** Parses one envelope line. Throws EnvelopeError naming what is wrong. */
export function decodeEnvelope(line: string): EnvelopeRecord {
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch {
    throw new EnvelopeError('not valid JSON')
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new EnvelopeError('not a JSON object')
  const o = obj as {[k: string]: unknown}
  if (!Object.hasOwn(o, 'value')) throw new EnvelopeError('no "value" field (use "value": null for a tombstone)')
  const record: EnvelopeRecord = {
    key: Object.hasOwn(o, 'key') ? jsonToBytes(o.key, '"key"') : null,
    value: jsonToBytes(o.value, '"value"'),
    headers: parseHeaders(o.headers),
  }
  const ts = parseTimestamp(o.timestamp)
  if (ts !== undefined) record.timestamp = ts
  if (o.partition !== undefined && o.partition !== null) {
    if (typeof o.partition !== 'number' || !Number.isInteger(o.partition) || o.partition < 0) {
      throw new EnvelopeError('"partition" must be a non-negative integer')
    }
    record.partition = o.partition
  }
  if (typeof o.topic === 'string') record.topic = o.topic
  if (typeof o.offset === 'number') record.offset = o.offset
  return record
}
