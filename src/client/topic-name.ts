// Kafka's topic-name rule, checked by the client before a request is sent (the daemon checks again):
// 1–249 characters from [a-zA-Z0-9._-], and not "." or "..". Interim copy: replaced by the shared
// validator in protocol/control/topic-name.ts once that lands.
import {SamsaError} from '../errors.js'

export const MAX_TOPIC_NAME_LENGTH = 249
const LEGAL = /^[a-zA-Z0-9._-]+$/

// Shows a name the way a terminal can print it: control and non-ASCII characters escaped.
function printable(name: string): string {
  return JSON.stringify(name).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0
  if (c === ' ') return 'a space'
  if (cp < 0x20 || cp === 0x7f) return `the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
  if (cp > 0x7e) return `the non-ASCII character '${c}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`
  return `'${c}'`
}

export function topicNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'topic name is empty'
  if (name === '.' || name === '..') return `topic name ${printable(name)} is not allowed`
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `topic name is ${name.length} characters long; the limit is ${MAX_TOPIC_NAME_LENGTH}`
  }
  if (!LEGAL.test(name)) {
    const bad = [...name].find((c) => !LEGAL.test(c)) ?? '?'
    return `topic name ${printable(name)} contains ${describeChar(bad)}; only a-z A-Z 0-9 . _ - are allowed`
  }
  return null
}

export function validateTopicName(name: string): void {
  const problem = topicNameProblem(name)
  if (problem) throw new SamsaError('INVALID_TOPIC', problem)
}
