// Format layer throughput: build + LZ4-compress RecordBatches of ~100-byte log lines in 64 KiB batches
// (the CLI producer's path), then read + decompress + decode the same batches (the consumer's path).
// Run after `npx tsc -p .`: node test/bench/format.bench.mjs  (BENCH_RECORDS=1000000 for a quick run)
// Each row also shows a same-run baseline over the same bytes, since these machines swing ±30–50%.
import {logLines, T0 as t0} from './log-lines.mjs'
import {crc32c} from '../../dist/format/crc32c.js'
import {Compression} from '../../dist/format/batch-header.js'
import {compressFrame, decompressFrame} from '../../dist/format/lz4-frame.js'
import {RecordBatchBuilder, decodeRecordBatch, forEachRecord} from '../../dist/format/record-batch.js'
import {measure, report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000)
const POOL = Math.min(RECORDS, 200_000)

const nextLine = logLines() // varied ~100-byte log lines (log-lines.mjs)
const lines = new Array(POOL)
let totalLineBytes = 0
for (let i = 0; i < POOL; i++) {
  lines[i] = Buffer.from(nextLine(i).text)
  totalLineBytes += lines[i].length
}
console.log(`${RECORDS} records, avg ${(totalLineBytes / POOL).toFixed(0)} bytes, pool of ${POOL} distinct lines`)

// (a) encode + compress, as the producer does it
const builder = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
const batches = [] // the first pool's worth of batches, decoded below
let keep = true
let valueBytes = 0
let compressedBytes = 0
let sectionBytes = 0
function flush() {
  sectionBytes += builder.estimatedSize
  const batch = builder.build()
  builder.reset()
  compressedBytes += batch.length
  if (keep) batches.push(batch)
}
const enc = measure(() => {
  let ts = t0
  for (let i = 0, j = 0; i < RECORDS; i++, j++) {
    if (j === POOL) {
      j = 0
      if (builder.count > 0) flush()
      keep = false
    }
    const line = lines[j]
    if (!builder.hasRoomFor(line.length)) flush()
    builder.append(line, null, ts++)
    valueBytes += line.length
  }
  if (builder.count > 0) flush()
})
console.log(`LZ4 ratio ${(sectionBytes / compressedBytes).toFixed(2)} (${sectionBytes} → ${compressedBytes} bytes)`)

// same-run baselines over the same amount of data: a plain copy, and crc32c
const all = Buffer.concat(lines)
const dst = Buffer.allocUnsafe(all.length)
const reps = Math.max(1, Math.round(valueBytes / all.length))
const copy = measure(() => {
  for (let r = 0; r < reps; r++) all.copy(dst)
})
const copyBaseline = {name: 'Buffer.copy', seconds: copy.seconds, bytes: all.length * reps}
const crc = measure(() => {
  let x = 0
  for (let r = 0; r < reps; r++) x ^= crc32c(all)
  return x
})
const crcBaseline = {name: 'crc32c', seconds: crc.seconds, bytes: all.length * reps}
report({name: 'baseline: Buffer.copy of the lines', bytes: copyBaseline.bytes, seconds: copy.seconds})
report({name: 'baseline: crc32c of the lines', bytes: crcBaseline.bytes, seconds: crc.seconds})
report({
  name: 'encode+LZ4 (RecordBatchBuilder, 64 KiB)',
  records: RECORDS,
  bytes: valueBytes,
  seconds: enc.seconds,
  baseline: crcBaseline,
  target: '≥ 1.5 M rec/s',
})

// (b) read + decompress + decode, cycling over the kept batches until RECORDS records were seen
function readAll(visit) {
  let seen = 0
  let bytes = 0
  while (seen < RECORDS) {
    for (const batch of batches) {
      forEachRecord(batch, (r) => {
        bytes += r.valueEnd - r.valueStart
        visit?.(r)
      })
      seen += batch.readInt32BE(57)
      if (seen >= RECORDS) break
    }
  }
  return {seen, bytes}
}
const dec = measure(() => readAll())
report({
  name: 'decode LZ4 (forEachRecord, views)',
  records: dec.out.seen,
  bytes: dec.out.bytes,
  seconds: dec.seconds,
  baseline: crcBaseline,
  target: '≥ 2.5 M rec/s',
})
const decValue = measure(() => readAll((r) => r.value))
report({name: 'decode LZ4 (forEachRecord + r.value Buffer)', records: decValue.out.seen, bytes: decValue.out.bytes, seconds: decValue.seconds, baseline: crcBaseline})

const objects = measure(() => {
  let seen = 0
  let bytes = 0
  while (seen < RECORDS) {
    for (const batch of batches) {
      const {records} = decodeRecordBatch(batch)
      for (const r of records) bytes += r.value.length
      seen += records.length
      if (seen >= RECORDS) break
    }
  }
  return {seen, bytes}
})
report({name: 'decode LZ4 (decodeRecordBatch, objects)', records: objects.out.seen, bytes: objects.out.bytes, seconds: objects.seconds, baseline: crcBaseline})

// (c) the LZ4 frame codec alone, on 64 KiB chunks of the same lines
const chunks = []
for (let p = 0; p + 65536 <= all.length && chunks.length < 512; p += 65536) chunks.push(all.subarray(p, p + 65536))
const frameReps = Math.max(1, Math.round(valueBytes / (chunks.length * 65536)))
const frames = chunks.map((c) => compressFrame(c))
const comp = measure(() => {
  for (let r = 0; r < frameReps; r++) for (const c of chunks) compressFrame(c)
})
report({name: 'LZ4 compressFrame (64 KiB)', bytes: frameReps * chunks.length * 65536, seconds: comp.seconds, baseline: crcBaseline, target: '≥ 400 MB/s'})
const decomp = measure(() => {
  for (let r = 0; r < frameReps; r++) for (const f of frames) decompressFrame(f, 1 << 20)
})
report({name: 'LZ4 decompressFrame (64 KiB)', bytes: frameReps * chunks.length * 65536, seconds: decomp.seconds, baseline: crcBaseline, target: '≥ 800 MB/s'})
