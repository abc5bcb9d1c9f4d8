// The log cleaner inside the daemon (issue 11): how fast the daemon cleans on its own, and whether the
// cleaning starves the other partitions of its worker thread (the target: their throughput within 20%).
// One worker thread, so both topics live on it:
//   b  compacted, 1 partition: BENCH_RECORDS keyed records (BENCH_KEYS keys, ~100-byte log lines, 2%
//      tombstones), held back from cleaning by min.compaction.lag.ms=1h; setting it to 0 lets the
//      daemon's own check start a pass on its next tick (what a user's daemon does)
//   a  plain, 1 partition: the other partition's load — pipelined produce (acks=1, 64 KiB LZ4 batches,
//      window 16), fetches of 1 MiB, or a light produce (a batch every 10 ms: cleaning should barely slow)
// Rows: cleaning throughput (dirty records cleaned per second, from the pass's start to its end as
// `topic describe` shows them) on an idle worker — beside a same-run baseline, the same kind of records
// cleaned by PartitionLog in this process in one go (no daemon, no slices) — and under each load; a's
// rate while b is being cleaned against its rate while it is not, sampled by turns in the same run (the
// ratio is the figure to read, as these shared machines swing ±30–50%).
// Run after `npx tsc -p .`: node test/bench/cleaner-daemon.bench.mjs  (BENCH_RECORDS=500000 for a quick run;
// BENCH_LOADS=produce,fetch,light for some of the rows; BENCH_CYCLES the on/off turns per row)
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {createClient} from '../../dist/client/index.js'
import {Compression} from '../../dist/format/batch-header.js'
import {RecordBatchBuilder} from '../../dist/format/record-batch.js'
import {LOG_CONFIG_DEFAULTS} from '../../dist/storage/log-config.js'
import {OffsetMap} from '../../dist/storage/offset-map.js'
import {PartitionLog} from '../../dist/storage/partition-log.js'
import {logLines} from './log-lines.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 2_000_000)
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000)
const WINDOW = 16
const engineMain = fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ── data: b's keyed batches, a's plain batches ─────────────────────────────────────────────────────
const nextLine = logLines()
let seed = 0x9e3779b9
const rand = (n) => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % n
}
const keys = Array.from({length: KEYS}, (_, i) => Buffer.from(`user-${String(i).padStart(6, '0')}`))
function keyedBatches(n, from) {
  const out = []
  const b = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
  for (let i = from; i < from + n; i++) {
    const value = rand(50) === 0 ? null : Buffer.from(nextLine(i).text)
    if (!b.hasRoomFor(value?.length ?? 0, 12)) {
      out.push(b.build())
      b.reset()
    }
    b.append(value, keys[rand(KEYS)], Date.now())
  }
  if (b.count > 0) out.push(b.build())
  return out
}
const plain = []
let plainRecords = 0
{
  const b = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
  for (let i = 0; plain.length < 64; i++) {
    const line = Buffer.from(nextLine(i).text)
    if (!b.hasRoomFor(line.length)) {
      plainRecords += b.count
      plain.push(b.build())
      b.reset()
    }
    b.append(line, null, Date.now())
  }
}
const perPlainBatch = plainRecords / plain.length

// ── the daemon ─────────────────────────────────────────────────────────────────────────────────────
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-cleaner-daemon-'))
let stderr = ''
const daemon = spawn(process.execPath, [engineMain, '--data-dir', dataDir, '--workers', '1'], {stdio: ['ignore', 'ignore', 'pipe']})
daemon.stderr.on('data', (d) => (stderr += d))
const kill = () => {
  if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL')
}
process.on('exit', () => {
  kill()
  rmSync(dataDir, {recursive: true, force: true})
})
// a's log grows by gigabytes: an interrupted run removes it too
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

let client
let loader
try {
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      client = await createClient({dataDir, autostart: false})
      break
    } catch (err) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${err.message}\n${stderr}`)
      await sleep(50)
    }
  }
  loader = await createClient({dataDir, autostart: false}) // a's load on a connection of its own
  await client.admin.createTopic('a', {configs: {'retention.ms': '-1'}})
  await client.admin.createTopic('b', {
    configs: {'cleanup.policy': 'compact', 'segment.bytes': String(16 << 20), 'min.compaction.lag.ms': '3600000', 'delete.retention.ms': '0'},
  })
  const describeB = async () => (await client.admin.describeTopic('b')).partitions[0]

  let written = 0
  async function dirtyB(n) {
    await client.admin.alterTopic('b', {set: {'min.compaction.lag.ms': '3600000'}})
    const batches = keyedBatches(n, written)
    written += n
    let next = 0
    await Promise.all(Array.from({length: WINDOW}, async () => {
      while (next < batches.length) await client.records.produce('b', 0, batches[next++], 1)
    }))
    await sleep(20) // every record older than min.compaction.lag.ms=0 once it is set
  }

  // Lets the daemon clean b on its own (min.compaction.lag.ms=0: its next check starts a pass); resolves
  // when the pass is over, as describe sees it: its duration and the offsets it cleaned.
  async function cleanB() {
    const before = await describeB()
    await client.admin.alterTopic('b', {set: {'min.compaction.lag.ms': '0'}})
    let d
    let started = null
    for (;;) {
      await sleep(20)
      d = await describeB()
      const over = d.cleaner.lastCleanedAt !== before.cleaner.lastCleanedAt && !d.cleaner.cleaning
      if (started === null && (d.cleaner.cleaning || over)) started = process.hrtime.bigint()
      if (over) break
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    // the pass cleans b's closed segments (the active one stays dirty): the offsets it covered
    return {seconds, records: d.cleaner.firstDirtyOffset - before.cleaner.firstDirtyOffset}
  }

  // a's load, run continuously while b is cleaned by turns: CYCLES times b is made compacted (the
  // daemon's next check starts a pass, slowed by the load) for ON_MS, then plain (the pass is given up)
  // for OFF_MS; at the end a pass runs to its end, timed. a's rate is sampled in SLICE_MS windows, each
  // marked by whether b was being cleaned for all of it ('clean'), none of it ('idle'), or part (left
  // out): interleaved samples, so a drift in the machine's other load hits both sides alike.
  const SLICE_MS = 500
  const CYCLES = Number(process.env.BENCH_CYCLES ?? 6)
  const ON_MS = 2500
  const OFF_MS = 1500
  async function sampled(load) {
    const policy = (p) => client.admin.alterTopic('b', {set: {'cleanup.policy': p, 'min.compaction.lag.ms': '0'}})
    const before = await describeB() // still compacted (dirtyB): its cleaner fields
    await policy('delete')
    const stop = {done: false}
    let records = 0
    let cleaning = false
    let sawCleaning = false
    let sawIdle = false
    let onSince = null // when b was last made compacted (null: it is plain now)
    let passStart = null // when the poller first saw the current pass
    let pass = null // {seconds, records} once a pass has run to its end
    const slices = {clean: [], idle: []}
    const running = load(stop, (n) => (records += n))
    const poller = (async () => {
      while (!stop.done) {
        const c = (await describeB()).cleaner
        cleaning = c?.cleaning ?? false
        if (cleaning) {
          sawCleaning = true
          if (onSince !== null) passStart ??= process.hrtime.bigint()
        } else {
          sawIdle = true
        }
        if (!pass && onSince !== null && c && !c.cleaning && c.lastCleanedAt !== before.cleaner.lastCleanedAt) {
          pass = {seconds: Number(process.hrtime.bigint() - (passStart ?? onSince)) / 1e9, records: c.firstDirtyOffset - before.cleaner.firstDirtyOffset}
        }
        await sleep(20)
      }
    })()
    const sampler = (async () => {
      while (!stop.done) {
        const r0 = records
        sawCleaning = cleaning
        sawIdle = !cleaning
        const t0 = process.hrtime.bigint()
        await sleep(SLICE_MS)
        const rate = (records - r0) / (Number(process.hrtime.bigint() - t0) / 1e9)
        if (sawCleaning && !sawIdle) slices.clean.push(rate)
        else if (sawIdle && !sawCleaning) slices.idle.push(rate)
      }
    })()
    const compactFor = async (ms) => {
      await policy('compact')
      onSince = process.hrtime.bigint()
      passStart = null
      const deadline = Date.now() + ms
      while (!pass && Date.now() < deadline) await sleep(20)
    }
    await sleep(OFF_MS)
    // a pass that ends within an on-phase (a light load) ends the turns: b is clean, nothing more to do
    for (let c = 0; c < CYCLES && !pass; c++) {
      await compactFor(ON_MS)
      if (pass) break
      await policy('delete')
      onSince = null
      await sleep(OFF_MS)
    }
    if (!pass) await compactFor(Infinity)
    await sleep(OFF_MS) // b is clean now: a's rate with the cleaner idle
    stop.done = true
    await Promise.all([running, sampler, poller])
    return {pass, slices}
  }
  const produceLoad = async (stop, tick) => {
    let i = 0
    await Promise.all(Array.from({length: WINDOW}, async () => {
      while (!stop.done) {
        await loader.records.produce('a', 0, plain[i++ % plain.length], 1)
        tick(perPlainBatch)
      }
    }))
  }
  // a light load: one batch every 10 ms (~60 k rec/s), the thread mostly idle
  const lightLoad = async (stop, tick) => {
    let i = 0
    while (!stop.done) {
      await loader.records.produce('a', 0, plain[i++ % plain.length], 1)
      tick(perPlainBatch)
      await sleep(10)
    }
  }
  const fetchLoad = async (stop, tick) => {
    const end = (await loader.admin.listOffsets([{topic: 'a', partition: 0, timestamp: -1}]))[0].offset
    await Promise.all(Array.from({length: 2}, async (_, lane) => {
      let offset = lane * Math.floor(end / 2)
      while (!stop.done) {
        const r = await loader.records.fetch({partitions: [{topic: 'a', partition: 0, offset, maxBytes: 1 << 20}], maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20})
        const c = count(r.partitions[0].records, offset)
        tick(c.records)
        offset = c.next >= end ? 0 : c.next
      }
    }))
  }

  const rate = (x) => `${(x / 1e6).toFixed(2)} M rec/s`
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN
  console.log(`b: ${RECORDS} keyed records over ${KEYS} keys per round; a: 64 KiB LZ4 batches of ~${perPlainBatch.toFixed(0)} records; 1 worker`)

  // a needs data to fetch
  {
    const stop = {done: false}
    const r = produceLoad(stop, () => {})
    await sleep(2000)
    stop.done = true
    await r
  }

  // baseline: the storage alone cleans the same kind of log in one run, in this process
  {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-cleaner-baseline-'))
    const config = {...LOG_CONFIG_DEFAULTS, 'cleanup.policy': 'compact', 'segment.bytes': 16 << 20, 'delete.retention.ms': 0}
    const log = PartitionLog.open({dir, config})
    for (const b of keyedBatches(RECORDS, 0)) log.append(b)
    log.roll()
    const map = new OffsetMap()
    const end = log.logEndOffset
    const t = process.hrtime.bigint()
    log.startCleaning(map, {force: true}).run()
    const seconds = Number(process.hrtime.bigint() - t) / 1e9
    log.close()
    rmSync(dir, {recursive: true, force: true})
    console.log(`baseline: PartitionLog cleaning in one run: ${rate(end / seconds)} (${end} offsets in ${seconds.toFixed(2)} s)`)
  }

  // (1) cleaning on an idle worker
  await dirtyB(RECORDS)
  const idle = await cleanB()
  console.log(`cleaning, idle worker: ${rate(idle.records / idle.seconds)} (${idle.records} offsets in ${idle.seconds.toFixed(2)} s)   [target ≥ 1 M rec/s on one worker]`)

  // (2)-(4) a's loads, sampled while b is cleaned and while it is not, by turns
  const loads = [['produce', produceLoad], ['fetch', fetchLoad], ['light produce (a batch per 10 ms)', lightLoad]]
  const only = process.env.BENCH_LOADS?.split(',') // e.g. BENCH_LOADS=light: the rows whose name starts so
  for (const [name, load] of loads.filter(([n]) => !only || only.some((o) => n.startsWith(o)))) {
    await dirtyB(RECORDS)
    const {pass, slices} = await sampled(load)
    const base = median(slices.idle)
    const during = median(slices.clean)
    console.log(
      `a ${name}: ${rate(base)} while b is not cleaned (median of ${slices.idle.length} slices of ${SLICE_MS} ms), ` +
        `${rate(during)} while it is (median of ${slices.clean.length}) = ${((during / base) * 100).toFixed(0)}%   [target ≥ 80%]`,
    )
    console.log(`  cleaning beside a's ${name}: ${rate(pass.records / pass.seconds)} (${pass.records} offsets in ${pass.seconds.toFixed(2)} s)`)
  }
  const d = await describeB()
  console.log(`b after the rounds: ${d.logEndOffset} offsets, ${(d.sizeInBytes / 1e6).toFixed(1)} MB on disk (${KEYS} keys)`)
} finally {
  await client?.close()
  await loader?.close()
  if (daemon.exitCode === null) {
    daemon.kill('SIGTERM')
    await Promise.race([new Promise((r) => daemon.once('exit', r)), sleep(10_000)])
  }
  kill()
}

// Records in whole batches of a fetched range from `from` (count at byte 57, lastOffsetDelta at 23).
function count(buf, from) {
  let pos = 0
  let records = 0
  let next = from
  while (pos + 61 <= buf.length) {
    const size = 12 + buf.readInt32BE(pos + 8)
    if (pos + size > buf.length) break
    const last = Number(buf.readBigInt64BE(pos)) + buf.readInt32BE(pos + 23)
    if (last >= next) {
      records += Math.min(buf.readInt32BE(pos + 57), last - next + 1)
      next = last + 1
    }
    pos += size
  }
  return {records, next}
}
