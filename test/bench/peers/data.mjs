// The one data set every system gets in the peers benchmark: N keyed log lines "userNNNN:<log line>" (the
// shared deterministic ~100-byte lines of ../log-lines.mjs, keyed by their user, 5000 keys), written once
// to lines.txt, and the same records as Redis protocol (XADD bench * k <key> v <value>) in redis.resp for
// `redis-cli --pipe`. All lines are ASCII, so string lengths are byte lengths.
import {closeSync, openSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {logLines} from '../log-lines.mjs'

const CHUNK = 10_000

export function generate(dir, records, progress = () => {}) {
  const line = logLines()
  const linesPath = join(dir, 'lines.txt')
  const respPath = join(dir, 'redis.resp')
  const lines = openSync(linesPath, 'w')
  const resp = openSync(respPath, 'w')
  let fileBytes = 0
  let valueBytes = 0
  let text = []
  let proto = []
  const flush = () => {
    const t = text.join('')
    writeSync(lines, t)
    writeSync(resp, proto.join(''))
    fileBytes += t.length
    text = []
    proto = []
  }
  for (let i = 0; i < records; i++) {
    const value = line(i).text
    const u = value.indexOf(' user') + 1
    const key = value.slice(u, u + 8)
    text.push(`${key}:${value}\n`)
    proto.push(`*7\r\n$4\r\nXADD\r\n$5\r\nbench\r\n$1\r\n*\r\n$1\r\nk\r\n$${key.length}\r\n${key}\r\n$1\r\nv\r\n$${value.length}\r\n${value}\r\n`)
    valueBytes += value.length
    if (text.length === CHUNK) {
      flush()
      if ((i + 1) % 1_000_000 === 0) progress(i + 1)
    }
  }
  flush()
  closeSync(lines)
  closeSync(resp)
  return {linesPath, respPath, records, fileBytes, valueBytes}
}
