// A small schema language for Kafka messages, in the spirit of apache/kafka's message JSON files: a
// message is a struct whose fields are listed in wire order, each present in a range of versions. One
// schema drives both directions (decode and encode) for every version, so a version never gets its own
// near-identical copy: only the fields that changed carry a range.
//
//   struct({
//     transactionalId: versions('3+', nullableString),   // present from v3; null when decoding v0–v2
//     acks: int16,
//     topicData: array(struct({name: string, partitionData: array(...)})),
//   })
//
// Field order is the object's key order (JS keeps insertion order for non-numeric keys). A field absent in
// a version decodes to its default (Kafka's "default" in the JSON schemas) and is skipped when encoding.
// Flexible versions (KIP-482) swap every string, bytes and array for its compact form (uvarint length + 1)
// and end every struct with a tagged-fields section; tags we read are skipped (clients only send tags a
// broker advertises) and we write none.
//
// Bounds: every length and array count is checked against the bytes left BEFORE anything is allocated. An
// array's count must fit `count × minSize` of its element (the fewest bytes one element can take), so a
// count of 2^31 fails at once instead of looping or allocating; and all arrays of a message together hold at
// most the Reader's maxItems elements (primitives.ts). -1 means null only where a field is
// nullable; any other negative length is an error.
// Pure: no I/O. Each compiled codec is cached per (version, flexible) on its type.

import {decodeError, KafkaCodecError, Reader, Writer} from './primitives.js'

export interface Codec<T> {
  read(r: Reader): T
  write(w: Writer, value: T): void
  /** The fewest bytes one value can take: bounds array counts before they are trusted. */
  readonly minSize: number
}

export type TypeKind =
  | 'boolean'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'nullableString'
  | 'bytes'
  | 'nullableBytes'
  | 'records'
  | 'array'
  | 'struct'

/** A wire type. Tests walk `kind`, `items` and `fields` to generate values and grammars. */
export interface Type<T> {
  readonly kind: TypeKind
  /** The value a field of this type takes in versions where it is absent, unless the field says otherwise. */
  readonly default: T
  codec(version: number, flexible: boolean): Codec<T>
}

export type ValueOf<X> = X extends Type<infer T> ? T : X extends FieldSpec<infer T> ? T : never

// ── version ranges ───────────────────────────────────────────────────────────────────────────────────

/** Kafka's notation: "3+" (3 and later), "2" (only 2), "1-2" (1 to 2). */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

export function parseVersions(range: string): VersionRange {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(range)
  if (!m) throw new Error(`bad version range "${range}"`)
  const min = Number(m[1])
  const max = m[2] === '+' ? Infinity : m[3] !== undefined ? Number(m[3]) : min
  return {min, max}
}

export function inRange(r: VersionRange, version: number): boolean {
  return version >= r.min && version <= r.max
}

const ALL: VersionRange = {min: 0, max: Infinity}
const NONE: VersionRange = {min: 1, max: 0}

// ── fields and structs ───────────────────────────────────────────────────────────────────────────────

export interface FieldSpec<T> {
  readonly type: Type<T>
  readonly versions: VersionRange
  readonly default: T
}

/** A field present only in `range` (Kafka notation); elsewhere it decodes to `defaultValue`. */
export function versions<T>(range: string, type: Type<T>, defaultValue: T = type.default): FieldSpec<T> {
  return {type, versions: parseVersions(range), default: defaultValue}
}

export interface Field {
  readonly name: string
  readonly type: Type<unknown>
  readonly versions: VersionRange
  readonly default: unknown
}

type FieldMap = {readonly [name: string]: Type<any> | FieldSpec<any>}
export type StructValue<F extends FieldMap> = {[K in keyof F]: ValueOf<F[K]>}

export interface StructType<T> extends Type<T> {
  readonly kind: 'struct'
  readonly fields: readonly Field[]
}

function isFieldSpec(x: Type<any> | FieldSpec<any>): x is FieldSpec<any> {
  return 'versions' in x && 'type' in x
}

// Defaults are shared values; an empty array default is copied so one decoded message cannot alias another.
function fresh(value: unknown): unknown {
  return Array.isArray(value) ? [] : value
}

export function struct<F extends FieldMap>(map: F): StructType<StructValue<F>> {
  const fields: Field[] = Object.entries(map).map(([name, x]) =>
    isFieldSpec(x) ? {name, type: x.type, versions: x.versions, default: x.default} : {name, type: x, versions: ALL, default: x.default},
  )
  const cache = new Map<number, Codec<StructValue<F>>>()
  return {
    kind: 'struct',
    fields,
    get default(): StructValue<F> {
      return Object.fromEntries(fields.map((f) => [f.name, fresh(f.default)])) as StructValue<F>
    },
    codec(version, flexible) {
      const key = version * 2 + (flexible ? 1 : 0)
      let c = cache.get(key)
      if (!c) cache.set(key, (c = compileStruct<StructValue<F>>(fields, version, flexible)))
      return c
    },
  }
}

function compileStruct<T>(fields: readonly Field[], version: number, flexible: boolean): Codec<T> {
  // in wire order; a field this version lacks has no codec and takes its default (so decoded objects keep
  // the schema's key order)
  const plan = fields.map((f) => ({name: f.name, default: f.default, codec: inRange(f.versions, version) ? f.type.codec(version, flexible) : null}))
  const minSize = plan.reduce((n, f) => n + (f.codec?.minSize ?? 0), flexible ? 1 : 0)
  return {
    minSize,
    read(r) {
      const out: Record<string, unknown> = {}
      for (const f of plan) {
        if (!f.codec) {
          out[f.name] = fresh(f.default)
          continue
        }
        try {
          out[f.name] = f.codec.read(r)
        } catch (err) {
          throw err instanceof KafkaCodecError ? err.within(f.name) : err
        }
      }
      if (flexible) skipTaggedFields(r)
      return out as T
    },
    write(w, value) {
      const v = value as Record<string, unknown>
      for (const f of plan) {
        if (!f.codec) continue
        const x = v[f.name]
        if (x === undefined) throw new KafkaCodecError('INVALID_INPUT', 'is missing').within(f.name)
        try {
          f.codec.write(w, x)
        } catch (err) {
          throw err instanceof KafkaCodecError ? err.within(f.name) : new KafkaCodecError('INVALID_INPUT', (err as Error).message).within(f.name)
        }
      }
      if (flexible) w.uvarint(0) // no tagged fields
    },
  }
}

// TAGGED_FIELDS: uvarint count, then per field uvarint tag, uvarint size, `size` bytes. Each takes ≥ 2 bytes.
function skipTaggedFields(r: Reader): void {
  const count = r.uvarint()
  if (count * 2 > r.remaining) throw decodeError(`${count} tagged fields cannot fit in the ${r.remaining} bytes left`)
  for (let i = 0; i < count; i++) {
    r.uvarint() // tag
    const size = r.uvarint()
    r.bytes(size, `tagged field of ${size} bytes`)
  }
}

// ── arrays ───────────────────────────────────────────────────────────────────────────────────────────

export interface ArrayType<T> extends Type<T> {
  readonly kind: 'array'
  readonly items: Type<unknown>
  /** Versions in which a count of -1 (null) is legal. */
  readonly nullableVersions: VersionRange
}

/** ARRAY: int32 count (flexible: uvarint count + 1), then the elements. */
export function array<T>(items: Type<T>): ArrayType<T[]>
/** An array that may be null (count -1) in `nullable` versions (Kafka notation), e.g. Metadata's topics from v1. */
export function array<T>(items: Type<T>, options: {nullable: string}): ArrayType<T[] | null>
export function array<T>(items: Type<T>, options?: {nullable: string}): ArrayType<T[] | null> {
  const nullableVersions = options ? parseVersions(options.nullable) : NONE
  const cache = new Map<number, Codec<T[] | null>>()
  return {
    kind: 'array',
    items,
    nullableVersions,
    get default() {
      return [] as T[]
    },
    codec(version, flexible) {
      const key = version * 2 + (flexible ? 1 : 0)
      let c = cache.get(key)
      if (!c) cache.set(key, (c = compileArray(items.codec(version, flexible), flexible, inRange(nullableVersions, version), version)))
      return c
    },
  }
}

function compileArray<T>(item: Codec<T>, flexible: boolean, nullable: boolean, version: number): Codec<T[] | null> {
  return {
    minSize: flexible ? 1 : 4,
    read(r) {
      const count = flexible ? r.uvarint() - 1 : r.int32()
      if (count < 0) {
        if (count === -1 && nullable) return null
        throw decodeError(count === -1 ? `array is null, which v${version} does not allow` : `array count ${count} is negative`)
      }
      if (count * item.minSize > r.remaining) {
        throw decodeError(`array count ${count} needs at least ${count * item.minSize} bytes but only ${r.remaining} remain`)
      }
      r.takeItems(count)
      const out: T[] = []
      for (let i = 0; i < count; i++) {
        try {
          out.push(item.read(r))
        } catch (err) {
          throw err instanceof KafkaCodecError ? err.within(`[${i}]`) : err
        }
      }
      return out
    },
    write(w, value) {
      if (value === null) {
        if (!nullable) throw new KafkaCodecError('INVALID_INPUT', `array is null, which v${version} does not allow`)
        if (flexible) w.uvarint(0)
        else w.int32(-1)
        return
      }
      if (!Array.isArray(value)) throw new KafkaCodecError('INVALID_INPUT', 'is not an array')
      if (flexible) w.uvarint(value.length + 1)
      else w.int32(value.length)
      for (let i = 0; i < value.length; i++) {
        try {
          item.write(w, value[i] as T)
        } catch (err) {
          throw err instanceof KafkaCodecError ? err.within(`[${i}]`) : new KafkaCodecError('INVALID_INPUT', (err as Error).message).within(`[${i}]`)
        }
      }
    },
  }
}

// ── primitives ───────────────────────────────────────────────────────────────────────────────────────

function fixed<T>(kind: TypeKind, defaultValue: T, codec: Codec<T>): Type<T> {
  return {kind, default: defaultValue, codec: () => codec}
}

export const boolean = fixed<boolean>('boolean', false, {minSize: 1, read: (r) => r.boolean(), write: (w, v) => w.boolean(v)})
export const int8 = fixed<number>('int8', 0, {minSize: 1, read: (r) => r.int8(), write: (w, v) => w.int8(v)})
export const int16 = fixed<number>('int16', 0, {minSize: 2, read: (r) => r.int16(), write: (w, v) => w.int16(v)})
export const int32 = fixed<number>('int32', 0, {minSize: 4, read: (r) => r.int32(), write: (w, v) => w.int32(v)})
export const int64 = fixed<number>('int64', 0, {minSize: 8, read: (r) => r.int64(), write: (w, v) => w.int64(v)})

const MAX_STRING_BYTES = 0x7fff

// A length prefix: int16 (strings) or int32 (bytes), or uvarint N+1 in flexible versions. -1 is null.
function readLength(r: Reader, wide: boolean, flexible: boolean): number {
  return flexible ? r.uvarint() - 1 : wide ? r.int32() : r.int16()
}

function writeLength(w: Writer, n: number, wide: boolean, flexible: boolean): void {
  if (flexible) w.uvarint(n + 1)
  else if (wide) w.int32(n)
  else w.int16(n)
}

function checkNull(length: number, nullable: boolean, what: string): boolean {
  if (length === -1 && nullable) return true
  if (length < 0) throw decodeError(length === -1 ? `${what} is null, which this field does not allow` : `${what} length ${length} is negative`)
  return false
}

function stringCodec(nullable: boolean, flexible: boolean): Codec<string | null> {
  return {
    minSize: flexible ? 1 : 2,
    read(r) {
      const n = readLength(r, false, flexible)
      return checkNull(n, nullable, 'string') ? null : r.utf8(n, 'string')
    },
    write(w, v) {
      if (v === null) {
        if (!nullable) throw new KafkaCodecError('INVALID_INPUT', 'string is null, which this field does not allow')
        writeLength(w, -1, false, flexible)
        return
      }
      if (typeof v !== 'string') throw new KafkaCodecError('INVALID_INPUT', 'is not a string')
      const n = Buffer.byteLength(v, 'utf8')
      if (n > MAX_STRING_BYTES) throw new KafkaCodecError('INVALID_INPUT', `string of ${n} bytes exceeds the ${MAX_STRING_BYTES}-byte limit`)
      writeLength(w, n, false, flexible)
      w.utf8(v, n)
    },
  }
}

function bytesCodec(nullable: boolean, flexible: boolean): Codec<Buffer | null> {
  return {
    minSize: flexible ? 1 : 4,
    read(r) {
      const n = readLength(r, true, flexible)
      return checkNull(n, nullable, 'bytes') ? null : r.bytes(n, 'bytes')
    },
    write(w, v) {
      if (v === null) {
        if (!nullable) throw new KafkaCodecError('INVALID_INPUT', 'bytes are null, which this field does not allow')
        writeLength(w, -1, true, flexible)
        return
      }
      if (!(v instanceof Uint8Array)) throw new KafkaCodecError('INVALID_INPUT', 'is not a Buffer')
      writeLength(w, v.length, true, flexible)
      w.bytes(v)
    },
  }
}

function variable<T>(kind: TypeKind, defaultValue: T, make: (flexible: boolean) => Codec<unknown>): Type<T> {
  const classic = make(false) as Codec<T>
  const compact = make(true) as Codec<T>
  return {kind, default: defaultValue, codec: (_version, flexible) => (flexible ? compact : classic)}
}

/** STRING: int16 length, UTF-8 bytes (flexible: COMPACT_STRING). */
export const string = variable<string>('string', '', (f) => stringCodec(false, f))
/** NULLABLE_STRING: as STRING, length -1 is null. */
export const nullableString = variable<string | null>('nullableString', null, (f) => stringCodec(true, f))
/** BYTES: int32 length, raw bytes (flexible: COMPACT_BYTES). Decoded as a view into the frame. */
export const bytes = variable<Buffer>('bytes', Buffer.alloc(0), (f) => bytesCodec(false, f))
/** NULLABLE_BYTES: as BYTES, length -1 is null. */
export const nullableBytes = variable<Buffer | null>('nullableBytes', null, (f) => bytesCodec(true, f))
/**
 * RECORDS: NULLABLE_BYTES holding RecordBatches, carried opaque (storage format = wire format; src/format
 * parses them). Null is legal on the wire; a broker answers a null Produce payload with CORRUPT_MESSAGE.
 */
export const records = variable<Buffer | null>('records', null, (f) => bytesCodec(true, f))
