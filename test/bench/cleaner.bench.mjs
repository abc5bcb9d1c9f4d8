// Log cleaner throughput (issue 11: ≥ 1 M records/s on one thread, memory bounded by the offset map),
// each against a same-run baseline over the same segments (these shared machines swing ±30–50%):
//   baseline   read + decompress + walk every record of the segments (forEachRecord over 1 MiB reads):
//              the least any cleaner must do to look at every key once
//   (1) a first pass over a log that is all dirty: build the offset map over every segment, recopy
//       every segment (rebuild and LZ4-compress the batches that lost records), swap, checkpoint
//   (2) a steady-state pass: 10% new updates appended to the cleaned log, cleaned again (the map covers
//       the new data only, the clean section is recopied)
//   (3) the same first pass run in 1 MiB steps, as the worker will: steps taken, and the longest step
//       (what one slice of the worker's time costs the other partitions)
// Records: keyed `user-NNNNNN` over BENCH_KEYS keys (default 100 k), ~100-byte varied log lines as values,
// 2% tombstones, in 64 KiB LZ4 batches, segment.bytes 128 MiB.
// Run after `npx tsc -p .`: node test/bench/cleaner.bench.mjs  (BENCH_RECORDS=1000000 for a quick run)
import * as fs from 'node:fs'
import * as os from 'node:os'
import {join} from 'node:path'
import {Compression} from '../../dist/format/batch-header.js'
import {forEachRecord, RecordBatchBuilder} from '../../dist/format/record-batch.js'
import {LOG_CONFIG_DEFAULTS} from '../../dist/storage/log-config.js'
import {OffsetMap} from '../../dist/storage/offset-map.js'
import {PartitionLog} from '../../dist/storage/partition-log.js'
import {logLines} from './log-lines.mjs'
import {measure, report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000_000)
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000)
const root = fs.mkdtempSync(join(os.tmpdir(), 'samsa-bench-cleaner-'))
process.on('exit', () => fs.rmSync(root, {recursive: true, force: true}))
const config = {...LOG_CONFIG_DEFAULTS, 'cleanup.policy': 'compact', 'segment.bytes': 128 * 1024 * 1024, 'retention.ms': -1}
const gc = () => globalThis.gc?.()

// ---- the log: keyed lines in 64 KiB LZ4 batches --------------------------------------------------
const nextLine = logLines()
const POOL = 200_000
const values = Array.from({length: POOL}, (_, i) => Buffer.from(nextLine(i).text))
const keys = Array.from({length: KEYS}, (_, i) => Buffer.from(`user-${String(i).padStart(6, '0')}`))
let seed = 0x9e3779b9
const rand = (n) => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % n
}

function write(dir, records, start) {
  const log = PartitionLog.open({dir, config})
  const builder = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
  let ts = Date.now() - 3_600_000
  for (let n = start; n < start + records; n++) {
    const value = rand(50) === 0 ? null : values[n % POOL]
    if (!builder.hasRoomFor(value?.length ?? 0, 12)) {
      log.append(builder.build())
      builder.reset()
    }
    builder.append(value, keys[rand(KEYS)], ts++)
  }
  if (builder.count > 0) log.append(builder.build())
  log.roll()
  return log
}

function segmentFiles(dir) {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n))
}

// ---- baseline: read + decompress + walk every record of the same files ---------------------------
function readAndDecode(dir) {
  const buf = Buffer.allocUnsafe(1 << 20)
  let records = 0
  let bytes = 0
  let keyBytes = 0
  const visit = (r) => {
    records++
    keyBytes += r.keyEnd - r.keyStart
  }
  for (const file of segmentFiles(dir)) {
    const fd = fs.openSync(file, 'r')
    const size = fs.fstatSync(fd).size
    let pos = 0
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos)
      let p = 0
      while (p + 12 <= n) {
        const batchSize = buf.readInt32BE(p + 8) + 12
        if (p + batchSize > n) break
        forEachRecord(buf, visit, {pos: p})
        p += batchSize
      }
      pos += p
      bytes += p
    }
    fs.closeSync(fd)
  }
  return {records, bytes, keyBytes}
}

const dir = join(root, 'users-0')
const built = measure(() => write(dir, RECORDS, 0))
let log = built.out
const logBytes = log.sizeInBytes
console.log(
  `${RECORDS} records over ${KEYS} keys, ${(logBytes / 1e6).toFixed(0)} MB in ${log.segmentCount - 1} segments ` +
    `(written in ${built.seconds.toFixed(1)} s); offset map ${(new OffsetMap().memoryBytes / 2 ** 20).toFixed(0)} MiB`,
)

gc()
readAndDecode(dir) // warm the page cache and the code
const base = measure(() => readAndDecode(dir))
const baseline = {name: 'read + decode', seconds: base.seconds, bytes: base.out.bytes}
report({name: 'baseline: read + decompress + walk records', records: base.out.records, bytes: base.out.bytes, seconds: base.seconds})

// ---- (1) a first pass over an all-dirty log --------------------------------------------------------
const map = new OffsetMap()
gc()
const rssBefore = process.memoryUsage().rss
const first = measure(() => log.startCleaning(map).run())
const rssDelta = (process.memoryUsage().rss - rssBefore) / 2 ** 20
const s1 = first.out.stats
report({
  name: '(1) first pass (map + recopy + swap)',
  records: s1.recordsRead,
  bytes: s1.bytesRead,
  seconds: first.seconds,
  baseline,
  target: '≥ 1 M rec/s',
})
console.log(
  `  kept ${s1.recordsKept} of ${s1.recordsRead} records (${s1.superseded} superseded, ${s1.tombstonesExpired} tombstones expired); ` +
    `${(logBytes / 1e6).toFixed(0)} MB → ${(log.sizeInBytes / 1e6).toFixed(1)} MB; map ${s1.mapRecords} records, ` +
    `${map.size} keys (${(map.utilization * 100).toFixed(0)}% full); rss ${rssDelta >= 0 ? '+' : ''}${rssDelta.toFixed(0)} MiB over the pass (the map was allocated before it)`,
)

// ---- (2) steady state: 10% new updates, cleaned again ---------------------------------------------
log.close()
const more = Math.round(RECORDS / 10)
log = write(dir, more, RECORDS)
gc()
const second = measure(() => log.startCleaning(map).run())
const s2 = second.out.stats
report({
  name: '(2) steady-state pass (+10% updates)',
  records: s2.recordsRead,
  bytes: s2.bytesRead,
  seconds: second.seconds,
  baseline,
  target: '≥ 1 M rec/s',
})
console.log(`  read ${s2.mapRecords} dirty records into the map, recopied ${s2.recordsRead}, kept ${s2.recordsKept}`)
log.close()

// ---- (3) the first pass again, in 1 MiB steps -------------------------------------------------------
const stepped = join(root, 'stepped-0')
seed = 0x9e3779b9
log = write(stepped, RECORDS, 0)
gc()
const pass = log.startCleaning(map)
const durations = []
const all = measure(() => {
  for (;;) {
    const t = process.hrtime.bigint()
    const more = pass.step(1 << 20)
    durations.push(Number(process.hrtime.bigint() - t) / 1e6)
    if (!more) break
  }
})
durations.sort((a, b) => a - b)
const pct = (q) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]
report({
  name: '(3) first pass in 1 MiB steps',
  records: pass.result.stats.recordsRead,
  bytes: pass.result.stats.bytesRead,
  seconds: all.seconds,
  baseline,
  target: '≥ 1 M rec/s',
})
console.log(
  `  ${durations.length} steps: p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms, max ${durations.at(-1).toFixed(2)} ms ` +
    '(the longest are swaps: fsyncs and renames)',
)
log.close()
