// Turns one input line into a record for `samsa produce`: key, value, headers, timestamp, partition.
//
//   --key K               every record gets key K
//   --key-delimiter D     key = bytes before the first D, value = bytes after it; a line without D is all
//                         value with a null key (as kcat -K does)
//   --key-field F         the line is a JSON object; key = field F (dotted path `user.id`; a literal
//                         top-level "user.id" wins); a string gives its UTF-8, a number or boolean its
//                         JSON text, an object or array its JSON, null a null key; missing → error
//   --timestamp-field F   the record time from a JSON field: epoch milliseconds (integer, or a string of
//                         digits) or ISO-8601 (no zone = UTC); anything else → error
//   --null-marker S       a value (or a --key-delimiter key) exactly equal to S is sent as null
//   --header k=v          fixed headers on every record (repeatable; order kept)
//   --jsonl               the line is the lossless envelope (envelope.ts); fixed headers are appended
// Errors are SamsaError INVALID_INPUT whose message starts with "line N:". The result object is reused
// across calls (the producer copies what it keeps), so parsing allocates nothing beyond what JSON needs.
import {SamsaError} from '../../errors.js'
import {parseTime} from '../../client/offset-spec.js'
import {decodeEnvelope, EnvelopeError, type EnvelopeHeader} from './envelope.js'

export interface LineParserOptions {
  jsonl?: boolean
  key?: Buffer
  keyDelimiter?: Buffer
  keyField?: string
  timestampField?: string
  nullMarker?: Buffer
  headers?: EnvelopeHeader[]
}

export interface ParsedLine {
  key: Buffer | null
  value: Buffer | null
  headers: EnvelopeHeader[] | undefined
  timestamp: number // -1: none given (the producer stamps Date.now())
  partition: number // -1: none given (the partitioner decides)
}

/** Parses `k=v` (--header). A value may contain '='; the key may not be empty. */
export function parseHeaderFlag(text: string): EnvelopeHeader {
  const at = text.indexOf('=')
  if (at <= 0) throw new SamsaError('USAGE', `bad --header '${text}': expected key=value`)
  return {key: text.slice(0, at), value: Buffer.from(text.slice(at + 1), 'utf8')}
}

interface FieldPath {
  whole: string
  parts: string[]
}

function fieldPath(name: string): FieldPath {
  return {whole: name, parts: name.split('.')}
}

const MISSING = Symbol('missing')

function lookup(obj: object, path: FieldPath): unknown {
  if (Object.hasOwn(obj, path.whole)) return (obj as {[k: string]: unknown})[path.whole]
  let cur: unknown = obj
  for (const part of path.parts) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return MISSING
    cur = (cur as {[k: string]: unknown})[part]
  }
  return cur
}

export class LineParser {
  private readonly o: LineParserOptions
  private readonly keyPath: FieldPath | undefined
  private readonly tsPath: FieldPath | undefined
  private readonly fixedHeaders: EnvelopeHeader[] | undefined
  private readonly out: ParsedLine = {key: null, value: null, headers: undefined, timestamp: -1, partition: -1}

  constructor(options: LineParserOptions = {}) {
    this.o = options
    this.keyPath = options.keyField !== undefined ? fieldPath(options.keyField) : undefined
    this.tsPath = options.timestampField !== undefined ? fieldPath(options.timestampField) : undefined
    this.fixedHeaders = options.headers && options.headers.length > 0 ? options.headers : undefined
    if (options.keyDelimiter !== undefined && options.keyDelimiter.length === 0) {
      throw new SamsaError('USAGE', '--key-delimiter must not be empty')
    }
  }

  /** Whether parse() needs the line as JSON (then a non-JSON line is an error). */
  get needsJson(): boolean {
    return this.o.jsonl === true || this.keyPath !== undefined || this.tsPath !== undefined
  }

  /**
   * For plain lines (no --jsonl, --key-delimiter, --key-field, --timestamp-field or --null-marker) parse()
   * always returns the line as value, this key, these headers, no timestamp and no partition: a caller
   * may then skip parse(). null when lines need parsing.
   */
  get plain(): {key: Buffer | null; headers: EnvelopeHeader[] | undefined} | null {
    const o = this.o
    if (o.jsonl || o.keyDelimiter !== undefined || o.nullMarker !== undefined || this.needsJson) return null
    return {key: o.key ?? null, headers: this.fixedHeaders}
  }

  /**
   * For lines split at a one-byte --key-delimiter and nothing else (no --null-marker, no JSON): parse()
   * then returns key = the bytes before the first such byte, value = the bytes after it (a line without
   * it: a null key and the whole line), these headers, no timestamp, no partition — so a caller may cut
   * the line itself and skip parse(). null otherwise.
   */
  get keyedByByte(): {delimiter: number; headers: EnvelopeHeader[] | undefined} | null {
    const o = this.o
    const kd = o.keyDelimiter
    if (kd === undefined || kd.length !== 1 || o.jsonl || o.nullMarker !== undefined || this.needsJson) return null
    return {delimiter: kd[0], headers: this.fixedHeaders}
  }

  parse(line: Buffer, lineNumber: number): ParsedLine {
    const out = this.out
    out.headers = this.fixedHeaders
    out.timestamp = -1
    out.partition = -1
    if (this.o.jsonl) return this.parseEnvelope(line, lineNumber)

    out.key = this.o.key ?? null
    out.value = line
    const kd = this.o.keyDelimiter
    if (kd !== undefined) {
      const at = kd.length === 1 ? line.indexOf(kd[0]) : line.indexOf(kd)
      if (at >= 0) {
        out.key = this.nullIfMarker(line.subarray(0, at))
        out.value = line.subarray(at + kd.length)
      } else {
        out.key = null
      }
    }
    out.value = this.nullIfMarker(out.value)
    if (this.keyPath !== undefined || this.tsPath !== undefined) this.parseJsonFields(line, lineNumber)
    return out
  }

  private nullIfMarker(bytes: Buffer | null): Buffer | null {
    const m = this.o.nullMarker
    return m !== undefined && bytes !== null && bytes.length === m.length && bytes.equals(m) ? null : bytes
  }

  private parseJsonFields(line: Buffer, lineNumber: number): void {
    let obj: unknown
    try {
      obj = JSON.parse(line.toString('utf8'))
    } catch {
      throw invalid(lineNumber, 'not valid JSON')
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw invalid(lineNumber, 'not a JSON object')
    if (this.keyPath !== undefined) {
      const v = lookup(obj, this.keyPath)
      if (v === MISSING) throw invalid(lineNumber, `no field "${this.keyPath.whole}" for the key`)
      this.out.key = keyBytes(v)
    }
    if (this.tsPath !== undefined) {
      const v = lookup(obj, this.tsPath)
      if (v === MISSING) throw invalid(lineNumber, `no field "${this.tsPath.whole}" for the timestamp`)
      const ts = typeof v === 'number' ? (Number.isSafeInteger(v) && v >= 0 ? v : undefined) : typeof v === 'string' ? parseTime(v) : undefined
      if (ts === undefined) {
        throw invalid(lineNumber, `field "${this.tsPath.whole}" is ${JSON.stringify(v)}, not an ISO-8601 time or epoch milliseconds`)
      }
      this.out.timestamp = ts
    }
  }

  private parseEnvelope(line: Buffer, lineNumber: number): ParsedLine {
    const out = this.out
    try {
      const e = decodeEnvelope(line.toString('utf8'))
      out.key = e.key
      out.value = e.value
      out.timestamp = e.timestamp ?? -1
      out.partition = e.partition ?? -1
      out.headers = e.headers.length === 0 ? this.fixedHeaders : this.fixedHeaders ? [...e.headers, ...this.fixedHeaders] : e.headers
    } catch (err) {
      if (err instanceof EnvelopeError) throw invalid(lineNumber, `invalid --jsonl record: ${err.message}`)
      throw err
    }
    return out
  }
}

function keyBytes(v: unknown): Buffer | null {
  if (v === null) return null
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  if (typeof v === 'number' || typeof v === 'boolean') return Buffer.from(String(v), 'utf8')
  return Buffer.from(JSON.stringify(v), 'utf8')
}

function invalid(lineNumber: number, why: string): SamsaError {
  return new SamsaError('INVALID_INPUT', `line ${lineNumber}: ${why}`)
}
