// Keyed input lines for pipelines that must lose nothing and keep each key's order across a crash: lines
// "k<key>:<n>" with n counting up over all lines, written to a producer's stdin a chunk at a time.
import type {Writable} from 'node:stream'
import {expect} from 'vitest'
import {sleep} from './wait.js'

export interface KeyedFeeder {
  readonly input: string[] // every line written so far, in order
  feed(chunks: number): Promise<void> // writes `chunks` chunks, pausing between them
}

export function keyedFeeder(stdin: Writable, {linesPerChunk = 25, keys = 5, pauseMs = 50} = {}): KeyedFeeder {
  const input: string[] = []
  return {
    input,
    async feed(chunks) {
      for (let c = 0; c < chunks; c++) {
        const chunk = Array.from({length: linesPerChunk}, (_, j) => `k${(input.length + j) % keys}:${input.length + j}`)
        input.push(...chunk)
        stdin.write(chunk.map((l) => `${l}\n`).join(''))
        await sleep(pauseMs)
      }
    },
  }
}

// Values per key must come out in the order they went in: a key maps to one partition.
export function expectOrderPerKey(out: string[]): void {
  const last = new Map<string, number>()
  for (const line of out) {
    const [key, value] = line.split(':')
    const n = Number(value)
    expect(n, `${line} after ${key}:${last.get(key!)}`).toBeGreaterThan(last.get(key!) ?? -1)
    last.set(key!, n)
  }
}
