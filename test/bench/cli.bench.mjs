// `samsa produce` / `samsa consume` as whole CLI processes (issue 4), each beside `cat` of the same file:
//   (a) produce 1 M lines of ~100 bytes from a file to acknowledged      — target ≥ 1 M rec/s
//   (b) consume them to /dev/null                                       — target ≥ 2 M rec/s
//   (c) one line from `produce` stdin to `consume --follow` stdout, at a low rate: p50 < 2 ms, p99 < 10 ms
//   (d) CLI startup, `samsa --version`                                   — target < 200 ms
// Wall times include process start (≈ the startup row), as a user sees them; the "excl. startup" rows
// subtract the median startup to show the steady rate. Run after `npm run build` (tsc, then the oclif manifest):
//   node test/bench/cli.bench.mjs      (BENCH_RECORDS=200000 for a quick run; BENCH_PARTITIONS, default 1)
// Uses its own daemon in a temp data directory and stops it, whatever happens.
import {spawn, spawnSync} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 1)
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200)
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const work = mkdtempSync(join(tmpdir(), 'samsa-cli-bench-'))
const dataDir = join(work, 'data')
const env = {...process.env, XDG_DATA_HOME: join(work, 'xdg'), NO_COLOR: '1'}
delete env.SAMSA_DATA_DIR
delete env.SAMSA_SOCKET

// ── Input: deterministic, varied ~100-byte log lines ─────────────────────────────────────────────────
let seed = 0x2545f491
function rand(n) {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % n
}
const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR']
const paths = ['/api/users/', '/api/orders/', '/static/app.js', '/health', '/api/cart/', '/login']
const t0 = Date.parse('2026-11-20T09:00:00Z')
const file = join(work, 'lines.txt')
{
  const fd = openSync(file, 'w')
  let chunk = []
  for (let i = 0; i < RECORDS; i++) {
    const ts = new Date(t0 + i * 37 + rand(37)).toISOString()
    chunk.push(
      `${ts} ${levels[rand(levels.length)]} [req-${rand(1 << 30).toString(16)}] user${String(rand(5000)).padStart(4, '0')} GET ` +
        `${paths[rand(paths.length)]}${rand(100000)} -> ${[200, 200, 304, 404, 500][rand(5)]} in ${rand(2000)}ms host=web-${rand(40)}`,
    )
    if (chunk.length === 10_000) {
      writeSync(fd, chunk.join('\n') + '\n')
      chunk = []
    }
  }
  if (chunk.length) writeSync(fd, chunk.join('\n') + '\n')
  closeSync(fd)
}
const fileBytes = statSync(file).size
console.log(`${RECORDS} lines, ${(fileBytes / RECORDS).toFixed(0)} bytes each on average, ${(fileBytes / 1e6).toFixed(1)} MB; topic of ${PARTITIONS} partition(s)`)

function samsaSync(args, options = {}) {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {env, cwd: ROOT, ...options})
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (r.status !== 0) throw new Error(`samsa ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return seconds
}

function timed(cmd, args, options) {
  const start = process.hrtime.bigint()
  const r = spawnSync(cmd, args, options)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return Number(process.hrtime.bigint() - start) / 1e9
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

try {
  samsaSync(['daemon', 'start'])
  samsaSync(['topic', 'create', 'bench', '--partitions', String(PARTITIONS)])
  samsaSync(['topic', 'create', 'latency'])

  // (d) startup first: the other rows use it
  samsaSync(['--version'])
  const startups = Array.from({length: 7}, () => samsaSync(['--version'], {stdio: 'ignore'}))
  const startup = median(startups)

  // cat baseline, same file, same machine, same run (page cache warm for both)
  const devnull = openSync('/dev/null', 'w')
  timed('cat', [file], {stdio: ['ignore', devnull, 'inherit']})
  const cat = median(Array.from({length: 3}, () => timed('cat', [file], {stdio: ['ignore', devnull, 'inherit']})))
  const baseline = {name: 'cat', seconds: cat, bytes: fileBytes}
  report({name: 'cat FILE > /dev/null', records: RECORDS, bytes: fileBytes, seconds: cat})

  // (a) produce from the file to acknowledged
  const produce = samsaSync(['produce', 'bench', '--file', file], {stdio: ['ignore', 'ignore', 'inherit']})
  report({name: 'samsa produce --file (whole process)', records: RECORDS, bytes: fileBytes, seconds: produce, baseline, target: '≥ 1 M rec/s'})
  report({name: '  excl. startup', records: RECORDS, bytes: fileBytes, seconds: Math.max(1e-3, produce - startup)})

  // (b) consume to /dev/null
  const consume = samsaSync(['consume', 'bench'], {stdio: ['ignore', devnull, 'inherit']})
  report({name: 'samsa consume > /dev/null (whole process)', records: RECORDS, bytes: fileBytes, seconds: consume, baseline, target: '≥ 2 M rec/s'})
  report({name: '  excl. startup', records: RECORDS, bytes: fileBytes, seconds: Math.max(1e-3, consume - startup)})
  closeSync(devnull)

  // (c) end-to-end latency at a low rate: one line every 20 ms
  const latencies = await endToEnd(SAMPLES, 20)
  console.log(
    `${'end-to-end latency produce stdin → consume -f stdout'.padEnd(44)} p50 ${pct(latencies, 0.5).toFixed(2)} ms, ` +
      `p99 ${pct(latencies, 0.99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms (${latencies.length} lines)  [target p50 < 2 ms, p99 < 10 ms]`,
  )
  console.log(`${'CLI startup (samsa --version)'.padEnd(44)} median ${(startup * 1000).toFixed(0)} ms of ${startups.length}  [target < 200 ms]`)
} finally {
  spawnSync(process.execPath, [BIN, 'daemon', 'stop', '--data-dir', dataDir], {env, stdio: 'ignore'})
  rmSync(work, {recursive: true, force: true})
}

// Writes numbered lines into a running `samsa produce` and times each one's arrival on a running
// `samsa consume --follow`, both measured on this process's clock.
async function endToEnd(samples, gapMs) {
  const consumer = spawn(process.execPath, [BIN, 'consume', 'latency', '--follow', '--from', 'end', '--data-dir', dataDir], {env, cwd: ROOT})
  const producer = spawn(process.execPath, [BIN, 'produce', 'latency', '--data-dir', dataDir], {env, cwd: ROOT, stdio: ['pipe', 'ignore', 'inherit']})
  const sent = new Map()
  const latencies = []
  let pending = ''
  let arrived = null
  consumer.stdout.on('data', (d) => {
    const now = performance.now()
    pending += d
    let nl
    while ((nl = pending.indexOf('\n')) >= 0) {
      const id = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      if (sent.has(id)) {
        latencies.push(now - sent.get(id))
        arrived?.()
      }
    }
  })
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
  try {
    // warm up until a line makes it through (both processes started, consumer positioned)
    for (let i = 0; latencies.length === 0; i++) {
      if (i > 500) throw new Error('no line reached the consumer')
      const id = `warm-${i}`
      sent.set(id, performance.now())
      producer.stdin.write(`${id}\n`)
      await sleep(50)
    }
    latencies.length = 0
    for (let i = 0; i < samples; i++) {
      const id = `line-${i}`
      const got = new Promise((r) => (arrived = r))
      sent.set(id, performance.now())
      producer.stdin.write(`${id}\n`)
      await Promise.race([got, sleep(1000)])
      await sleep(gapMs)
    }
  } finally {
    producer.stdin.end()
    consumer.kill('SIGINT')
    await new Promise((r) => producer.on('close', r))
  }
  return latencies
}
