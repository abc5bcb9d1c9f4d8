// Kafka's topic-name rules, one module for every layer: the client checks before sending, the daemon checks
// again before any path is built from a name (README Guarantees, rule 6), whichever front end it came from:
//   - 1–249 characters from [a-zA-Z0-9._-], and not "." or ".." (Kafka's Topic.validate);
//   - "." and "_" are interchangeable in Kafka's metric names, so two topics whose names differ only there
//     collide (Kafka refuses the second one); collisionKey() gives the name both map to;
//   - names starting with "__" are internal (e.g. __consumer_offsets): clients may read them but not
//     create, alter, delete or write them (the daemon enforces it: src/engine/broker/internal-topics.ts).
// Pure: no I/O. Beside errors.ts, so every layer may import it (dependency-cruiser allows it like errors.ts).
import {SamsaError} from './errors.js'

export const MAX_TOPIC_NAME_LENGTH = 249
export const INTERNAL_TOPIC_PREFIX = '__'
const LEGAL = /^[a-zA-Z0-9._-]+$/

// Shows a name the way a terminal can print it: control and non-ASCII characters escaped.
export function printableTopicName(name: string): string {
  return JSON.stringify(name).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

// A topic name in a message: a legal name as it is (`topic logs does not exist`, as every message says it),
// anything else — a name off the wire that was never checked — quoted and escaped.
export function topicLabel(name: unknown): string {
  if (typeof name === 'string' && isLegalTopicName(name)) return name
  return typeof name === 'string' ? printableTopicName(name) : String(JSON.stringify(name))
}

function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0
  const hex = cp.toString(16).toUpperCase().padStart(4, '0')
  if (c === ' ') return 'a space'
  if (cp < 0x20 || cp === 0x7f) return `the control character U+${hex}`
  if (cp > 0x7e) return `the non-ASCII character U+${hex}`
  return `'${c}'`
}

// The problem with a name, in one line, or null when the name is legal. Accepts unknown input because the
// daemon calls it on JSON it has not type-checked yet.
export function topicNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'topic name must be a string'
  if (name.length === 0) return 'topic name is empty'
  if (name === '.' || name === '..') return `topic name ${printableTopicName(name)} is not allowed`
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `topic name is ${name.length} characters long; the limit is ${MAX_TOPIC_NAME_LENGTH}`
  }
  if (!LEGAL.test(name)) {
    const bad = [...name].find((c) => !LEGAL.test(c)) ?? '?'
    return `topic name ${printableTopicName(name)} contains ${describeChar(bad)}; only a-z A-Z 0-9 . _ - are allowed`
  }
  return null
}

export function isLegalTopicName(name: unknown): name is string {
  return topicNameProblem(name) === null
}

// Throws INVALID_TOPIC when the name is not legal.
export function validateTopicName(name: unknown): asserts name is string {
  const problem = topicNameProblem(name)
  if (problem) throw new SamsaError('INVALID_TOPIC', problem)
}

export function isInternalTopicName(name: string): boolean {
  return name.startsWith(INTERNAL_TOPIC_PREFIX)
}

// Two legal names collide when their collision keys are equal (Kafka: Topic.hasCollision).
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_')
}
