// How `samsa consume` prints a record: the value per line (default), a kcat-style --format, or the
// lossless --jsonl envelope. A format is compiled once into a list of opcodes; printing a record is a
// loop over that list with no string parsing per record.
//
// --format tokens (kcat -f meanings):
//   %s value      %S value size in bytes (-1 for null)   %k key     %K key size (-1 for null)
//   %t topic      %p partition     %o offset     %T timestamp (epoch ms)     %T{iso} timestamp as ISO-8601 UTC
//   %h headers as k=v,k2=v2 (kcat)     %R value size as a 4-byte big-endian int (kcat)     %% a percent sign
// and the escapes \n \r \t \0 \\ \xHH in the literal text. Keys and values are written as their raw bytes.
// A null key, value or header value prints as --null-marker (default: nothing).
import {SamsaError} from '../../errors.js'
import {encodeEnvelope, type EnvelopeHeader} from './envelope.js'
import {unescapeBytes} from './escapes.js'
import type {OutputBuffer} from './output-buffer.js'

/**
 * What a formatter needs of a record: DecodedRecord of src/format has this shape, and so has the reader's
 * reused RecordView, whose buffer/valueStart/valueEnd let the default format copy the value without
 * making a Buffer view per record.
 */
export interface FormatRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: readonly EnvelopeHeader[]
  buffer?: Buffer
  valueStart?: number // -1 for a null value
  valueEnd?: number
}

/** Per-partition context: computed once per partition, not per record. */
export interface FormatSource {
  topic: string
  partition: number
  topicBytes: Buffer // UTF-8 of the topic
  topicJson: string // JSON.stringify(topic), for the envelope
}

export function formatSource(topic: string, partition: number): FormatSource {
  return {topic, partition, topicBytes: Buffer.from(topic, 'utf8'), topicJson: JSON.stringify(topic)}
}

export interface RecordFormatter {
  write(out: OutputBuffer, src: FormatSource, r: FormatRecord): void
}

const enum Op {
  Literal,
  Value,
  ValueSize,
  ValueSizeBinary,
  Key,
  KeySize,
  Topic,
  Partition,
  Offset,
  Timestamp,
  TimestampIso,
  Headers,
}

interface Step {
  op: Op
  bytes: Buffer | undefined // for Literal
}

const TOKENS: {[c: string]: Op} = {
  s: Op.Value,
  S: Op.ValueSize,
  R: Op.ValueSizeBinary,
  k: Op.Key,
  K: Op.KeySize,
  t: Op.Topic,
  p: Op.Partition,
  o: Op.Offset,
  T: Op.Timestamp,
  h: Op.Headers,
}

/** Splits a --format string into steps. Throws SamsaError USAGE for an unknown token. */
export function compileFormat(format: string): Step[] {
  const steps: Step[] = []
  let literal = ''
  const flush = (): void => {
    if (literal !== '') steps.push({op: Op.Literal, bytes: unescapeBytes(literal)})
    literal = ''
  }
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c !== '%') {
      literal += c
      continue
    }
    const t = format[i + 1]
    if (t === '%') {
      literal += '%'
      i++
      continue
    }
    if (t === undefined || !Object.hasOwn(TOKENS, t)) {
      throw new SamsaError('USAGE', `bad --format: unknown token %${t ?? ''} (known: %s %S %k %K %t %p %o %T %T{iso} %h %R %%)`)
    }
    flush()
    let op = TOKENS[t]
    i++
    if (t === 'T' && format[i + 1] === '{') {
      const close = format.indexOf('}', i + 1)
      const arg = close < 0 ? '' : format.slice(i + 2, close)
      if (arg !== 'iso') throw new SamsaError('USAGE', `bad --format: unknown time style %T{${arg}} (known: %T{iso})`)
      op = Op.TimestampIso
      i = close
    }
    steps.push({op, bytes: undefined})
  }
  flush()
  return steps
}

export class TemplateFormatter implements RecordFormatter {
  private readonly steps: Step[]
  private readonly nullMarker: Buffer | undefined

  constructor(format: string, nullMarker?: string) {
    this.steps = compileFormat(format)
    this.nullMarker = nullMarker === undefined ? undefined : Buffer.from(nullMarker, 'utf8')
  }

  write(out: OutputBuffer, src: FormatSource, r: FormatRecord): void {
    const steps = this.steps
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]
      switch (s.op) {
        case Op.Literal:
          out.bytes(s.bytes!)
          break
        case Op.Value:
          this.nullable(out, r.value)
          break
        case Op.ValueSize:
          out.ascii(String(r.value === null ? -1 : r.value.length))
          break
        case Op.ValueSizeBinary:
          out.ensure(4)
          for (let v = r.value === null ? -1 : r.value.length, b = 3; b >= 0; b--) out.byte((v >>> (b * 8)) & 0xff)
          break
        case Op.Key:
          this.nullable(out, r.key)
          break
        case Op.KeySize:
          out.ascii(String(r.key === null ? -1 : r.key.length))
          break
        case Op.Topic:
          out.bytes(src.topicBytes)
          break
        case Op.Partition:
          out.ascii(String(src.partition))
          break
        case Op.Offset:
          out.ascii(String(r.offset))
          break
        case Op.Timestamp:
          out.ascii(String(r.timestamp))
          break
        case Op.TimestampIso:
          out.ascii(isoTime(r.timestamp))
          break
        case Op.Headers:
          for (let h = 0; h < r.headers.length; h++) {
            if (h > 0) out.byte(0x2c) // ,
            out.utf8(r.headers[h].key)
            out.byte(0x3d) // =
            this.nullable(out, r.headers[h].value)
          }
          break
      }
    }
  }

  private nullable(out: OutputBuffer, b: Buffer | null): void {
    if (b !== null) out.bytes(b)
    else if (this.nullMarker !== undefined) out.bytes(this.nullMarker)
  }
}

function isoTime(ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString()
}

/** The default: each value followed by the delimiter (bytes as stored, so binary survives). */
export class ValueFormatter implements RecordFormatter {
  private readonly delimiter: Buffer
  private readonly nullMarker: Buffer | undefined

  constructor(delimiter: Buffer = Buffer.from('\n'), nullMarker?: string) {
    this.delimiter = delimiter
    this.nullMarker = nullMarker === undefined ? undefined : Buffer.from(nullMarker, 'utf8')
  }

  write(out: OutputBuffer, _src: FormatSource, r: FormatRecord): void {
    const start = r.valueStart
    if (start !== undefined && r.buffer !== undefined) {
      if (start >= 0) out.range(r.buffer, start, r.valueEnd!)
      else if (this.nullMarker !== undefined) out.bytes(this.nullMarker)
    } else if (r.value !== null) out.bytes(r.value)
    else if (this.nullMarker !== undefined) out.bytes(this.nullMarker)
    if (this.delimiter.length === 1) out.byte(this.delimiter[0])
    else out.bytes(this.delimiter)
  }
}

/** --jsonl: the lossless envelope, one per line. */
export class EnvelopeFormatter implements RecordFormatter {
  write(out: OutputBuffer, src: FormatSource, r: FormatRecord): void {
    out.utf8(encodeEnvelope(src.topicJson, src.partition, r.offset, r.timestamp, r.key, r.value, r.headers))
    out.byte(0x0a)
  }
}
