// Shared by test/storage and test/recovery: temp dirs, batch builders, a quick whole-log reader, and
// cleaned copies of segments (what a log cleaner hands to replaceSegments).
import * as fs from 'node:fs'
import * as os from 'node:os'
import {Compression} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch} from '../../src/format/record-batch.js'
import {LOG_CONFIG_DEFAULTS, type LogConfig} from '../../src/storage/log-config.js'
import {writeOffsetCheckpoint} from '../../src/storage/checkpoint.js'
import {CLEANER_OFFSET_CHECKPOINT} from '../../src/storage/file-names.js'
import type {LogSegment} from '../../src/storage/log-segment.js'
import {PartitionLog, type PartitionLogOptions} from '../../src/storage/partition-log.js'

export function tempDir(): string {
  return fs.mkdtempSync(os.tmpdir() + '/samsa-')
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, {recursive: true, force: true})
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return {...LOG_CONFIG_DEFAULTS, ...overrides}
}

/** A batch of `count` records with values `${tag}-${i}`, timestamps from `timestamp`. */
export function batch(count: number, tag = 'v', timestamp = 1_700_000_000_000, compression = Compression.None): Buffer {
  const records = []
  for (let i = 0; i < count; i++) {
    records.push({key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}-${i}`), timestamp: timestamp + i, headers: []})
  }
  return encodeRecordBatch(records, {compression})
}

/** A batch whose encoded size is about `bytes` (one record with a filler value). */
export function sizedBatch(bytes: number, tag = 'x', timestamp = 1_700_000_000_000): Buffer {
  const value = Buffer.alloc(Math.max(1, bytes - 80), tag)
  return encodeRecordBatch([{key: null, value, timestamp, headers: []}], {compression: Compression.None})
}

export function open(dir: string, options: Partial<PartitionLogOptions> = {}): PartitionLog {
  return PartitionLog.open({dir, config: config(), checkpointIntervalMs: 0, ...options})
}

/** Every record from `from` to `until` (default: the log end): [offset, value]. */
export function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 1 << 20, until = log.logEndOffset): Array<[number, string]> {
  const out: Array<[number, string]> = []
  let offset = from
  while (offset < until) {
    const {bytes} = log.read(offset, maxBytes)
    if (bytes.length === 0) break
    let p = 0
    while (p < bytes.length) {
      const size = bytes.readInt32BE(p + 8) + 12
      const {records} = decodeRecordBatch(bytes.subarray(p, p + size))
      for (const r of records) if (r.offset >= offset && r.offset < until) out.push([r.offset, r.value!.toString()])
      p += size
    }
    const last = out[out.length - 1]
    offset = last ? last[0] + 1 : offset + 1
  }
  return out
}

/** Simulates the process dying: file handles are dropped, nothing is flushed or marked clean. */
export function abandon(log: PartitionLog): void {
  for (const s of (log as unknown as {segs: Array<{close(): void}>}).segs) s.close()
}

export function segmentFiles(dir: string, suffix = '.log'): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(suffix))
    .sort()
    .map((n) => `${dir}/${n}`)
}

/** Byte positions of the batches in a .log file. */
export function batchPositions(file: string): number[] {
  const buf = fs.readFileSync(file)
  const out: number[] = []
  for (let p = 0; p + 12 <= buf.length; p += buf.readInt32BE(p + 8) + 12) out.push(p)
  return out
}

/** The batches of a .log file as {baseOffset, lastOffset, bytes}. */
export function batchesIn(file: string): Array<{baseOffset: number; lastOffset: number; bytes: Buffer}> {
  const buf = fs.readFileSync(file)
  return batchPositions(file).map((p) => {
    const bytes = buf.subarray(p, p + buf.readInt32BE(p + 8) + 12)
    const baseOffset = Number(bytes.readBigInt64BE(0))
    return {baseOffset, lastOffset: baseOffset + bytes.readInt32BE(23), bytes}
  })
}

/**
 * What a log cleaner would hand to replaceSegments: `.cleaned` segments holding the batches of `old` that
 * `keep` keeps (the run's last batch always stays, as replaceSegments requires), as they are on disk, in
 * `parts` segments (the first based where the run begins, each next one at its first batch). Returns the
 * segments and the offsets kept. Like the cleaner, it first makes sure cleaner-offset.checkpoint exists
 * (the cleaner writes it before its first swap ever: a log with gaps and without it is damaged, to the
 * loader of a non-compacted topic and to `log verify`).
 */
export function cleanedCopy(
  log: PartitionLog,
  old: readonly LogSegment[],
  keep: (baseOffset: number) => boolean,
  parts = 1,
): {segments: LogSegment[]; kept: Set<number>} {
  const checkpoint = `${log.dir}/${CLEANER_OFFSET_CHECKPOINT}`
  if (!fs.existsSync(checkpoint)) writeOffsetCheckpoint(checkpoint, old[0]!.baseOffset)
  const all = old.flatMap((s) => batchesIn(s.logPath))
  const chosen = all.filter((b, i) => i === all.length - 1 || keep(b.baseOffset))
  const kept = new Set<number>()
  for (const b of chosen) for (let o = b.baseOffset; o <= b.lastOffset; o++) kept.add(o)
  const per = Math.ceil(chosen.length / Math.min(parts, chosen.length))
  const segments: LogSegment[] = []
  for (let i = 0; i < chosen.length; i += per) {
    const seg = log.createCleanedSegment(i === 0 ? old[0]!.baseOffset : chosen[i]!.baseOffset)
    const bytes = Buffer.concat(chosen.slice(i, i + per).map((b) => b.bytes))
    seg.append(bytes, 0, bytes.length)
    segments.push(seg)
  }
  return {segments, kept}
}

/** Names in `dir` carrying a segment-swap suffix. */
export function swapLeftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))
}
