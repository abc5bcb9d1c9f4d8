// Shared by the log cleaner's tests (test/storage/log-cleaner*.test.ts, test/recovery/cleaner-crash):
// keyed batches, a whole-log reader that keeps keys and nulls, the model of what compaction keeps, and
// running a pass to its end.
import * as fs from 'node:fs'
import {Compression} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch} from '../../src/format/record-batch.js'
import type {CleaningOptions, CleaningResult} from '../../src/storage/log-cleaner-types.js'
import {OffsetMap} from '../../src/storage/offset-map.js'
import type {PartitionLog} from '../../src/storage/partition-log.js'

/** One record as a user sees it: offset, key, value (null: a tombstone), timestamp. */
export interface Rec {
  offset: number
  key: string | null
  value: string | null
  timestamp: number
}

export const T0 = 1_700_000_000_000

/** A batch of [key, value] records (null value: tombstone; null key: keyless), timestamps from `timestamp`. */
export function keyed(
  records: ReadonlyArray<readonly [string | null, string | null]>,
  options: {timestamp?: number; compression?: Compression; producerId?: number; producerEpoch?: number; baseSequence?: number} = {},
): Buffer {
  const ts = options.timestamp ?? T0
  return encodeRecordBatch(
    records.map(([k, v], i) => ({key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: ts + i, headers: []})),
    {compression: options.compression ?? Compression.Lz4, producerId: options.producerId, producerEpoch: options.producerEpoch, baseSequence: options.baseSequence},
  )
}

/** Every record from the log start to its end, through PartitionLog.read (what a consumer gets). */
export function readRecords(log: PartitionLog): Rec[] {
  const out: Rec[] = []
  let offset = log.logStartOffset
  while (offset < log.logEndOffset) {
    const {bytes} = log.read(offset, 1 << 20)
    if (bytes.length === 0) break
    for (let p = 0; p < bytes.length; ) {
      const size = bytes.readInt32BE(p + 8) + 12
      const {header, records} = decodeRecordBatch(bytes.subarray(p, p + size))
      for (const r of records) {
        if (r.offset >= offset) out.push({offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp})
      }
      offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1)
      p += size
    }
  }
  return out
}

/** The latest record per key (tombstones included), in offset order. */
export function latestPerKey(records: readonly Rec[]): Rec[] {
  const latest = new Map<string, Rec>()
  for (const r of records) if (r.key !== null) latest.set(r.key, r)
  return [...latest.values()].sort((a, b) => a.offset - b.offset)
}

/** key → value of the live keys (the "table" view a client computes by reading). */
export function table(records: readonly Rec[]): Map<string, string> {
  const t = new Map<string, string>()
  for (const r of records) {
    if (r.key === null) continue
    if (r.value === null) t.delete(r.key)
    else t.set(r.key, r.value)
  }
  return t
}

/** Runs passes until the dirty section is empty (a small map needs several); returns every result. */
export function cleanFully(log: PartitionLog, map: OffsetMap = new OffsetMap(), options: CleaningOptions = {}, budget?: number): CleaningResult[] {
  const results: CleaningResult[] = []
  for (let i = 0; i < 1000; i++) {
    const pass = log.startCleaning(map, {force: true, ...options})
    if (pass === null) break
    const r = pass.run(budget)
    results.push(r)
    if (r.complete || r.abandoned !== null) break
  }
  return results
}

/** The files of a directory with their bytes, to show a dry run changed nothing. */
export function snapshot(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).sort().map((n) => [n, fs.readFileSync(`${dir}/${n}`)]))
}

export function expectIncreasing(records: readonly Rec[]): boolean {
  for (let i = 1; i < records.length; i++) if (records[i]!.offset <= records[i - 1]!.offset) return false
  return true
}
