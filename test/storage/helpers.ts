// Shared by test/storage and test/recovery: temp dirs, batch builders, a quick whole-log reader.
import * as fs from 'node:fs'
import * as os from 'node:os'
import {Compression} from '../../src/format/batch-header.js'
import {decodeRecordBatch, encodeRecordBatch} from '../../src/format/record-batch.js'
import {LOG_CONFIG_DEFAULTS, type LogConfig} from '../../src/storage/log-config.js'
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
