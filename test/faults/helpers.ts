// Helpers of the fault suites: a daemon armed with SAMSA_FAILPOINTS (storage/failpoints.ts), the wait for a
// failpoint's kill, `samsa log verify` of a data directory, an acknowledgement ledger kept in the test
// process (which outlives the daemon), a full read of a partition from its log start, and a prepared
// compacted topic. (test/torture/ has the long-running ledger and checker; these are the small ones the
// bounded fault cases need.)
import {cpSync} from 'node:fs'
import {expect} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {formatProblem, verifyPath} from '../../src/storage/log-verifier.js'
import type {RawRule} from '../../src/storage/failpoints.js'
import {TestClient} from '../engine/helpers.js'
import {spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'

/** A SAMSA_FAILPOINTS rule, as src/storage/failpoints.ts reads it, with its action given. */
export type Rule = RawRule & {action: string}

/** A one-worker daemon (one set of failpoint counters) with these rules armed. */
export function armedDaemon(dataDir: string, rules: Rule[]): Promise<DaemonProcess> {
  return spawnDaemon(dataDir, {workers: 1, env: {SAMSA_FAILPOINTS: JSON.stringify(rules)}})
}

/** Resolves once the daemon died of SIGKILL; its output named the point. */
export async function killedAt(d: DaemonProcess, point: string): Promise<void> {
  await d.exited
  expect(d.child.signalCode, `daemon should have been killed at ${point}: ${d.output()}`).toBe('SIGKILL')
  expect(d.output()).toContain(`failpoint ${point}: kill`)
}

/**
 * What `samsa log verify <dataDir>` checks (verifyPath, in this process: a CLI start per crash would double
 * these suites' time; the command itself is tested on every kind of damage in test/recovery/
 * verifier-catches.test.ts): no problem, and partitions were checked.
 */
export function expectVerifyClean(dataDir: string, when: string): void {
  const report = verifyPath(dataDir)
  expect(report.problems.map(formatProblem), `log verify ${when}`).toEqual([])
  expect(report.checked.partitions, `log verify ${when}: partitions checked`).toBeGreaterThan(0)
}

/** A copy of a stopped daemon's data directory (its run/ directory, socket and pid file, left behind). */
export function copyDataDir(from: string): string {
  const to = tempDir()
  cpSync(from, to, {recursive: true, filter: (src) => !src.startsWith(`${from}/run`)})
  return to
}

export interface Stored {
  offset: number
  key: string | null
  value: string | null
}

/** Every record of a partition from its log start, in offset order; no offset twice. */
export async function readPartition(c: TestClient, topic: string, partition = 0): Promise<Stored[]> {
  const start = await c.request(ApiKey.ListOffsets, {partitions: [{topic, partition, timestamp: -2}]})
  expect(start.body.partitions[0].error).toBeUndefined()
  let offset = start.body.partitions[0].offset as number
  const out: Stored[] = []
  for (;;) {
    const r = await c.request(ApiKey.Fetch, {partitions: [{topic, partition, offset, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20})
    const p = r.body.partitions[0]
    expect(p.error, `fetch ${topic}-${partition} at ${offset}`).toBeUndefined()
    if (p.bytes === 0) return out
    for (let pos = 0; pos < r.raw.length; ) {
      const size = r.raw.readInt32BE(pos + 8) + 12
      for (const rec of decodeRecordBatch(r.raw.subarray(pos, pos + size)).records) {
        if (rec.offset < offset) continue // a batch's records below the fetch offset
        expect(out.length === 0 || rec.offset > out[out.length - 1]!.offset, `offset ${rec.offset} after ${out[out.length - 1]?.offset}`).toBe(true)
        out.push({offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null})
        offset = rec.offset + 1
      }
      pos += size
    }
  }
}

/** A batch of `n` records with values `<prefix>0..n-1`, keys `k<firstKey + i % keys>`. */
export function keyedBatch(n: number, prefix: string, keys = n, firstKey = 0): Buffer {
  const now = Date.now()
  const recs = Array.from({length: n}, (_, i) => ({key: Buffer.from(`k${firstKey + (i % keys)}`), value: Buffer.from(`${prefix}${i}`), timestamp: now, headers: [] as []}))
  return encodeRecordBatch(recs, {compression: Compression.Lz4})
}

/** What the daemon acknowledged: offset → value, from the produce replies. */
export class Ledger {
  readonly acked = new Map<number, string>()
  indeterminate = 0 // sends without an answer (the daemon died): may or may not be stored

  async produce(c: TestClient, topic: string, prefix: string, n: number, acks: 1 | -1): Promise<boolean> {
    const values = Array.from({length: n}, (_, i) => `${prefix}${i}`)
    try {
      const r = await c.request(ApiKey.Produce, {topic, partition: 0, acks, timeoutMs: 5000}, keyedBatch(n, prefix), 5000)
      if (r.body.error) return false
      values.forEach((v, i) => this.acked.set(r.body.baseOffset + i, v))
      return true
    } catch {
      this.indeterminate++
      return false
    }
  }

  /** Every acknowledged record at its offset, exactly once; no value stored twice. */
  check(stored: Stored[]): void {
    const byOffset = new Map(stored.map((s) => [s.offset, s.value]))
    for (const [offset, value] of this.acked) expect(byOffset.get(offset), `acknowledged offset ${offset}`).toBe(value)
    const values = stored.map((s) => s.value)
    expect(new Set(values).size, 'a value stored twice').toBe(values.length)
  }
}

export async function produceAcked(c: TestClient, topic: string, batch: Buffer): Promise<void> {
  const r = await c.request(ApiKey.Produce, {topic, partition: 0, acks: -1, timeoutMs: 5000}, batch)
  expect(r.body.error).toBeUndefined()
}

/**
 * A stopped daemon's data directory with a compacted topic `c` ready for one swap of two segments into
 * one: 200 distinct keys (segment 0, clean), then 50 of them written twice more (segment 1, dirty: a ratio
 * below 0.5, so no daemon cleans it by itself). `before` is its log; `after` the log once compacted.
 */
export async function prepareCompacted(): Promise<{dir: string; before: Stored[]; after: Stored[]}> {
  const dir = tempDir()
  const d = await spawnDaemon(dir, {workers: 1})
  const c = await TestClient.connect(d.socket)
  await c.request(ApiKey.CreateTopic, {name: 'c', partitions: 1, configs: {'cleanup.policy': 'compact'}, ifNotExists: false})
  for (let i = 0; i < 10; i++) await produceAcked(c, 'c', keyedBatch(20, `r1-${i}-`, 20, i * 20))
  await c.request(ApiKey.CompactTopic, {name: 'c', dryRun: false}) // rolls: segment 0 is closed and clean
  for (let i = 0; i < 5; i++) await produceAcked(c, 'c', keyedBatch(20, `r2-${i}-`, 10))
  const before = await readPartition(c, 'c')
  c.close()
  expect(await stopDaemon(d)).toBe(0)
  const latest = new Map<string, Stored>()
  for (const s of before) latest.set(s.key!, s)
  const after = [...latest.values()].sort((a, b) => a.offset - b.offset)
  expect(before).toHaveLength(300)
  expect(after).toHaveLength(200)
  return {dir, before, after}
}
