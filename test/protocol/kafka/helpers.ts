// Shared pieces of the Kafka codec tests: fixtures, value generators and grammars derived from the schemas.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {expect} from 'vitest'
import {inRange, type ArrayType, type StructType, type Type} from '../../../src/protocol/kafka/schema.js'

export const FIXTURES = join(import.meta.dirname, 'fixtures')

/** A captured request payload (without its size prefix); see fixtures/capture.mjs. */
export function fixture(name: string): Buffer {
  const text = readFileSync(join(FIXTURES, `${name}.hex`), 'utf8')
  return Buffer.from(
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join(''),
    'hex',
  )
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.hex'))
    .map((f) => f.slice(0, -4))
    .sort()
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** Expects fn to throw a KafkaCodecError with `code` whose message matches `message`. */
export function expectCodecError(fn: () => unknown, message?: RegExp, code = 'INVALID_REQUEST'): Error {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, 'expected a KafkaCodecError').toMatchObject({name: 'KafkaCodecError', code})
  if (message) expect((err as Error).message).toMatch(message)
  return err as Error
}

// ── values generated from a schema ────────────────────────────────────────────────────────────────────

const text = fc.string({unit: 'grapheme', maxLength: 12})
const buf = fc.uint8Array({maxLength: 24}).map((a) => Buffer.from(a))

/** Any value of `type` that `version` can carry; fields absent in `version` hold their defaults. */
export function arbitraryFor(type: Type<unknown>, version: number): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'boolean':
      return fc.boolean()
    case 'int8':
      return fc.integer({min: -128, max: 127})
    case 'int16':
      return fc.integer({min: -32768, max: 32767})
    case 'int32':
      return fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1})
    case 'int64':
      return fc.oneof(fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 53)), fc.maxSafeInteger())
    case 'string':
      return text
    case 'nullableString':
      return fc.option(text, {nil: null})
    case 'bytes':
      return buf
    case 'nullableBytes':
    case 'records':
      return fc.option(buf, {nil: null})
    case 'array': {
      const a = type as ArrayType<unknown>
      const items = fc.array(arbitraryFor(a.items, version), {maxLength: 3})
      return inRange(a.nullableVersions, version) ? fc.option(items, {nil: null}) : items
    }
    case 'struct': {
      const s = type as StructType<unknown>
      const shape: Record<string, fc.Arbitrary<unknown>> = {}
      for (const f of s.fields) shape[f.name] = inRange(f.versions, version) ? arbitraryFor(f.type, version) : fc.constant(f.default)
      return fc.record(shape)
    }
  }
}

// ── grammars in the notation of Kafka's protocol guide ────────────────────────────────────────────────

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const TYPE_NAMES: Record<string, [classic: string, compact: string]> = {
  boolean: ['BOOLEAN', 'BOOLEAN'],
  int8: ['INT8', 'INT8'],
  int16: ['INT16', 'INT16'],
  int32: ['INT32', 'INT32'],
  int64: ['INT64', 'INT64'],
  string: ['STRING', 'COMPACT_STRING'],
  nullableString: ['NULLABLE_STRING', 'COMPACT_NULLABLE_STRING'],
  bytes: ['BYTES', 'COMPACT_BYTES'],
  nullableBytes: ['NULLABLE_BYTES', 'COMPACT_NULLABLE_BYTES'],
  records: ['RECORDS', 'COMPACT_RECORDS'],
}

/**
 * Renders a struct as Kafka's protocol guide does:
 *   Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]
 *     transactional_id => NULLABLE_STRING
 *     ...
 */
export function grammar(title: string, type: StructType<unknown>, version: number, flexible: boolean): string[] {
  const lines: string[] = []
  const render = (name: string, t: Type<unknown>, indent: string): void => {
    if (t.kind === 'array') return render(name, (t as ArrayType<unknown>).items, indent)
    if (t.kind !== 'struct') {
      lines.push(`${indent}${name} => ${TYPE_NAMES[t.kind]![flexible ? 1 : 0]}`)
      return
    }
    const fields = (t as StructType<unknown>).fields.filter((f) => inRange(f.versions, version))
    const names = fields.map((f) => (f.type.kind === 'array' ? `[${snake(f.name)}]` : snake(f.name)))
    if (flexible) names.push('TAG_BUFFER')
    lines.push(`${indent}${name} =>${names.length ? ' ' + names.join(' ') : ''}`)
    for (const f of fields) render(snake(f.name), f.type, indent + '  ')
  }
  render(title, type, '')
  return lines
}
