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
import {createClient} from '../../dist/client/index.js'
import {Connection} from '../../dist/client/local/connection.js'
import {validateBatch} from '../../dist/format/validate-batch.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../../dist/format/record-batch.js'
import {LOG_CONFIG_DEFAULTS} from '../../dist/storage/log-config.js'
import {PartitionLog} from '../../dist/storage/partition-log.js'
import {logLines, T0 as t0} from './log-lines.mjs'
import {measureAsync, report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 4_000_000)
const PARTITIONS = 4
const WORKERS = 2
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32) // produce requests in flight on the connection
const WAKEUPS = Number(process.env.BENCH_WAKEUPS ?? 300)
const engineMain = fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url))

// ── Records: varied ~100-byte log lines (log-lines.mjs), so LZ4's ratio is that of real logs ───────────
const nextLine = logLines()
const logLine = (i) => Buffer.from(nextLine(i).text)

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
      producer = await createClient({dataDir, autostart: false})
      break
    } catch (err) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${err.message}\n${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  consumer = await createClient({dataDir, autostart: false})
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

  // (c) long-poll wake-up: fetch parked at the log end of partition 0, then one small batch produced.
  // Measured from the produce request sent to the fetch answer received, in this process; beside it, a
  // same-run baseline: one request/response round trip over a Unix socket to a bare echo process (the
  // floor any daemon on this machine can reach — shared 2-core machines have millisecond-scale tails).
  perPartition.length = 0
  batchRecords.clear()
  globalThis.gc?.()
  const small = new RecordBatchBuilder({compression: Compression.Lz4})
  small.append(Buffer.from('wake up'), null, Date.now())
  const smallBatch = small.build()
  let end = (await consumer.admin.listOffsets([{topic: 'bench', partition: 0, timestamp: -1}]))[0].offset
  const wake = []
  const ackOnly = []
  for (let i = 0; i < WAKEUPS; i++) {
    const waiting = consumer.records.fetch({
      partitions: [{topic: 'bench', partition: 0, offset: end, maxBytes: 1 << 16}],
      maxWaitMs: 2000,
      minBytes: 1,
      maxBytes: 1 << 16,
    })
    await new Promise((r) => setTimeout(r, 3)) // let the fetch park in the daemon
    const sent = process.hrtime.bigint()
    const got = waiting.then((r) => {
      if (r.partitions[0].records.length === 0) throw new Error('long poll answered without the new batch')
      return process.hrtime.bigint()
    })
    await producer.records.produce('bench', 0, smallBatch, 1)
    ackOnly.push(Number(process.hrtime.bigint() - sent) / 1e6)
    wake.push(Number((await got) - sent) / 1e6)
    end++
  }
  const echo = await echoRoundTrips(WAKEUPS)
  const pct = (xs, q) => {
    const sorted = [...xs].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  }
  const line = (name, xs, extra = '') =>
    console.log(`${name.padEnd(44)} p50 ${pct(xs, 0.5).toFixed(3)} ms  p99 ${pct(xs, 0.99).toFixed(3)} ms  max ${pct(xs, 1).toFixed(3)} ms${extra}`)
  line('baseline: Unix-socket echo round trip', echo)
  line('daemon produce acks=1, one small batch', ackOnly)
  line('daemon fetch long-poll wake-up', wake, `  (${WAKEUPS} samples, produce sent → fetch answered)  [target p99 < 2 ms]`)
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

// A bare echo server in its own process, speaking the control framing: the round-trip floor.
async function echoRoundTrips(n) {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-echo-'))
  const socket = join(dir, 'echo.sock')
  const frameJs = new URL('../../dist/protocol/control/frame.js', import.meta.url).href
  const code = `const {createServer} = await import('node:net'); const {FrameDecoder, encodeFrame} = await import(${JSON.stringify(frameJs)});
    createServer((s) => { const d = new FrameDecoder(); s.on('error', () => {}); s.on('data', (c) => { for (const f of d.push(c)) s.write(encodeFrame(f.apiKey, 0, f.correlationId, {})) }) })
      .listen(${JSON.stringify(socket)}, () => console.log('ready'))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {stdio: ['ignore', 'pipe', 'inherit']})
  try {
    await new Promise((resolve) => child.stdout.once('data', resolve))
    const c = await Connection.open(socket)
    const xs = []
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, 3))
      const t = process.hrtime.bigint()
      await c.request(1, {topic: 'bench', partition: 0, acks: 1, timeoutMs: 1000}, Buffer.alloc(80))
      xs.push(Number(process.hrtime.bigint() - t) / 1e6)
    }
    c.destroy()
    return xs
  } finally {
    child.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  }
}

// The same batches through PartitionLog in this process, one partition after another (no sockets, no
// threads, no validation): what the daemon adds on top shows as the ratio. A second row adds the worker's
// deep batch validation (CRC, LZ4, every record), which the daemon does on produce and the storage alone
// does not, to tell that cost apart from the transport's.
async function storageBaseline() {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-storage-'))
  try {
    const open = (sub) => PartitionLog.open({dir: join(dir, sub), config: {...LOG_CONFIG_DEFAULTS}, log: () => {}})
    const logs = Array.from({length: PARTITIONS}, (_, p) => open(`bench-${p}`))
    // append copies: PartitionLog rewrites baseOffset in place, and the daemon must get pristine batches
    const copies = perPartition.map((list) => list.map((b) => Buffer.from(b)))
    const append = await measureAsync(async () => {
      for (let p = 0; p < PARTITIONS; p++) for (const b of copies[p]) logs[p].append(b)
    })
    report({name: 'baseline: PartitionLog.append (1 thread)', records: RECORDS, bytes: batchBytes, seconds: append.seconds})

    let readRecords = 0
    let readBytes = 0
    const read = await measureAsync(async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        let offset = 0
        const end = logs[p].logEndOffset
        while (offset < end) {
          const r = logs[p].read(offset, 1 << 20)
          const c = countFetched(r.bytes, offset)
          readRecords += c.records
          readBytes += r.bytes.length
          offset = c.next
        }
      }
    })
    report({name: 'baseline: PartitionLog.read (1 MiB reads)', records: readRecords, bytes: readBytes, seconds: read.seconds})
    for (const log of logs) log.close()

    const logs2 = Array.from({length: PARTITIONS}, (_, p) => open(`validated-${p}`))
    const copies2 = perPartition.map((list) => list.map((b) => Buffer.from(b)))
    const opts = {deep: true, maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES, producer: true}
    const validated = await measureAsync(async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        for (const b of copies2[p]) {
          const problem = validateBatch(b, 0, b.length, opts)
          if (problem) throw new Error(problem)
          logs2[p].append(b)
        }
      }
    })
    report({name: 'context: deep validate + append (1 thread)', records: RECORDS, bytes: batchBytes, seconds: validated.seconds})
    for (const log of logs2) log.close()
    return {
      append: {name: 'PartitionLog.append', seconds: append.seconds, bytes: batchBytes},
      read: {name: 'PartitionLog.read', seconds: read.seconds, bytes: readBytes},
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
