// Daemon throughput through the client library (issue 3): 4 partitions, 2 workers.
//   (a) pipelined produce, acks=1, of 64 KiB LZ4 batches of ~100-byte log lines built in advance — target ≥ 1.5 M rec/s
//   (b) fetch of the same records back                                                          — target ≥ 3 M rec/s
//   (c) long-poll wake-up: a fetch waits at the log end, one small batch is produced; p50/p99   — target p99 < 2 ms
// Each throughput row is printed beside a same-run baseline: the storage engine alone (PartitionLog
// append/read of the same batches, in this process), so the daemon's overhead shows as a ratio.
// Run after `npx tsc -p .`: node test/bench/daemon.bench.mjs  (BENCH_RECORDS=500000 for a quick run)
// Starts its own daemon in a temp dir (dist/engine/main.js) and stops it, whatever happens.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Compression} from '../../dist/format/batch-header.js'
import {RecordBatchBuilder} from '../../dist/format/record-batch.js'
import {connect} from '../../dist/client/index.js'
import {measureAsync, report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 4_000_000)
const PARTITIONS = 4
const WORKERS = 2
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32) // produce requests in flight on the connection
const WAKEUPS = Number(process.env.BENCH_WAKEUPS ?? 300)
const engineMain = fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url))

// ── Records: deterministic, varied ~100-byte log lines, so LZ4's ratio is that of real logs ────────────
let seed = 0x2545f491
function rand(n) {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % n
}
const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR']
const paths = ['/api/users/', '/api/orders/', '/static/app.js', '/health', '/api/cart/', '/login', '/api/search?q=']
const verbs = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']
const statuses = [200, 200, 200, 201, 304, 404, 500]
const t0 = Date.parse('2026-11-20T09:00:00Z')
function logLine(i) {
  const ts = new Date(t0 + i * 37 + rand(37)).toISOString()
  const path = paths[rand(paths.length)] + (rand(2) ? rand(100000) : '')
  return Buffer.from(
    `${ts} ${levels[rand(levels.length)]} [req-${rand(1 << 30).toString(16)}] user${String(rand(5000)).padStart(4, '0')} ` +
      `${verbs[rand(verbs.length)]} ${path} -> ${statuses[rand(statuses.length)]} in ${rand(2000)}ms host=web-${rand(40)}`,
  )
}

// Batches built in advance (so the daemon alone is measured), dealt round-robin to the partitions.
const builder = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
const perPartition = Array.from({length: PARTITIONS}, () => [])
const batchRecords = new Map() // batch → record count
let batchBytes = 0
let lineBytes = 0
let nBatches = 0
function seal() {
  const batch = builder.build()
  batchRecords.set(batch, builder.count)
  builder.reset()
  perPartition[nBatches++ % PARTITIONS].push(batch)
  batchBytes += batch.length
}
for (let i = 0; i < RECORDS; i++) {
  const line = logLine(i)
  lineBytes += line.length
  if (!builder.hasRoomFor(line.length)) seal()
  builder.append(line, null, t0 + i)
}
if (builder.count > 0) seal()
console.log(
  `${RECORDS} records of ~${(lineBytes / RECORDS).toFixed(0)} bytes in ${nBatches} LZ4 batches ` +
    `(${(batchBytes / 1e6).toFixed(1)} MB compressed, ratio ${(lineBytes / batchBytes).toFixed(2)}), ` +
    `${PARTITIONS} partitions, ${WORKERS} workers, window ${WINDOW}`,
)

// Records in a fetched byte range: whole batches only (count at byte 57, lastOffsetDelta at 23).
function countFetched(buf, fromOffset) {
  let pos = 0
  let records = 0
  let next = fromOffset
  while (pos + 61 <= buf.length) {
    const size = 12 + buf.readInt32BE(pos + 8)
    if (pos + size > buf.length) break
    const base = Number(buf.readBigInt64BE(pos))
    const last = base + buf.readInt32BE(pos + 23)
    if (last >= next) {
      records += Math.min(buf.readInt32BE(pos + 57), last - next + 1)
      next = last + 1
    }
    pos += size
  }
  return {records, next}
}

// ── Baseline: the storage engine alone ────────────────────────────────────────────────────────────────
const baseline = await storageBaseline()

// ── The daemon ───────────────────────────────────────────────────────────────────────────────────────
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-'))
let stderr = ''
const daemon = spawn(process.execPath, [engineMain, '--data-dir', dataDir, '--workers', String(WORKERS)], {
  stdio: ['ignore', 'ignore', 'pipe'],
})
daemon.stderr.on('data', (d) => (stderr += d))
const stopDaemon = () => {
  if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL')
}
process.on('exit', () => {
  stopDaemon()
  rmSync(dataDir, {recursive: true, force: true})
})

let producer
let consumer
try {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      producer = await connect({dataDir, autostart: false})
      break
    } catch (err) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${err.message}\n${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  consumer = await connect({dataDir, autostart: false})
  await producer.admin.createTopic('bench', {partitions: PARTITIONS})

  // (a) produce: WINDOW requests in flight, one batch each, partitions interleaved
  const order = []
  for (let i = 0; i < perPartition[0].length; i++) for (let p = 0; p < PARTITIONS; p++) if (perPartition[p][i]) order.push([p, perPartition[p][i]])
  let acked = 0
  const produce = await measureAsync(async () => {
    let next = 0
    async function lane() {
      while (next < order.length) {
        const [p, batch] = order[next++]
        await producer.records.produce('bench', p, batch, 1)
        acked += batchRecords.get(batch)
      }
    }
    await Promise.all(Array.from({length: WINDOW}, lane))
  })
  report({
    name: 'daemon produce acks=1 (pipelined, 64 KiB LZ4)',
    records: acked,
    bytes: batchBytes,
    seconds: produce.seconds,
    baseline: baseline.append,
    target: '≥ 1.5 M rec/s',
  })

  // (b) fetch everything back: one fetch in flight per partition, 1 MiB per partition per request
  let fetched = 0
  let fetchedBytes = 0
  const fetch = await measureAsync(async () => {
    await Promise.all(
      Array.from({length: PARTITIONS}, async (_, p) => {
        let offset = 0
        const end = perPartition[p].reduce((n, b) => n + batchRecords.get(b), 0)
        while (offset < end) {
          const r = await consumer.records.fetch({
            partitions: [{topic: 'bench', partition: p, offset, maxBytes: 1 << 20}],
            maxWaitMs: 0,
            minBytes: 1,
            maxBytes: 4 << 20,
          })
          const part = r.partitions[0]
          if (part.error) throw new Error(`fetch p${p}@${offset}: ${part.error.message}`)
          const c = countFetched(part.records, offset)
          if (c.records === 0) throw new Error(`fetch p${p}@${offset} returned no whole batch`)
          fetched += c.records
          fetchedBytes += part.records.length
          offset = c.next
        }
      }),
    )
  })
  report({
    name: 'daemon fetch (1 MiB per partition per request)',
    records: fetched,
    bytes: fetchedBytes,
    seconds: fetch.seconds,
    baseline: baseline.read,
    target: '≥ 3 M rec/s',
  })

  // (c) long-poll wake-up: fetch parked at the log end of partition 0, then one small batch produced
  const small = new RecordBatchBuilder({compression: Compression.Lz4})
  small.append(Buffer.from('wake up'), null, Date.now())
  const smallBatch = small.build()
  let end = (await consumer.admin.listOffsets([{topic: 'bench', partition: 0, timestamp: -1}]))[0].offset
  const samples = []
  for (let i = 0; i < WAKEUPS; i++) {
    const waiting = consumer.records.fetch({
      partitions: [{topic: 'bench', partition: 0, offset: end, maxBytes: 1 << 16}],
      maxWaitMs: 2000,
      minBytes: 1,
      maxBytes: 1 << 16,
    })
    await new Promise((r) => setTimeout(r, 3)) // let the fetch park in the daemon
    const sent = process.hrtime.bigint()
    const got = waiting.then(() => process.hrtime.bigint())
    await producer.records.produce('bench', 0, smallBatch, 1)
    const at = await got
    samples.push(Number(at - sent) / 1e6)
    end++
  }
  samples.sort((a, b) => a - b)
  const pct = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
  console.log(
    `${'daemon fetch long-poll wake-up'.padEnd(44)} p50 ${pct(0.5).toFixed(3)} ms  p99 ${pct(0.99).toFixed(3)} ms  ` +
      `max ${samples.at(-1).toFixed(3)} ms  (${WAKEUPS} samples; from produce sent to fetch answered)  [target p99 < 2 ms]`,
  )
} finally {
  await producer?.close()
  await consumer?.close()
  // graceful stop, then make sure
  if (daemon.exitCode === null) {
    daemon.kill('SIGTERM')
    await Promise.race([new Promise((r) => daemon.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))])
  }
  stopDaemon()
}

async function storageBaseline() {
  // filled in below once dist/storage/partition-log.js exists
  return {append: undefined, read: undefined}
}
