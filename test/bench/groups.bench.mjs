// Consumer groups (issue 10): 4 partitions, 2 workers, ~100-byte log lines (log-lines.mjs).
//   (a) a group of 2 `samsa consume --group` processes drains 1 M records to /dev/null  — target ≥ 1.5 M rec/s total
//       beside the same-run baseline: one plain `samsa consume` of the same records
//   (b) commit overhead: one member alone with the default commit interval (1 s) and with a commit after
//       every batch (--commit-interval 0), against --no-commit                          — target < 5%
//   (c) rebalance after a member leaves (closes: commit + leave) until the other owns every partition,
//       and after a member is killed (-9), counted from the end of its session timeout   — target < 1 s
// Whole-process rows include each process's start (~180 ms of Node and oclif, and the join); the
// "excl. startup" rows subtract the median time of the same command on an empty topic.
// Run after `npm run build`: node test/bench/groups.bench.mjs  (BENCH_RECORDS=200000 for a quick run)
// Starts its own daemon in a temp dir and stops it, whatever happens.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Compression} from '../../dist/format/batch-header.js'
import {RecordBatchBuilder} from '../../dist/format/record-batch.js'
import {createClient} from '../../dist/client/index.js'
import {GroupConsumer} from '../../dist/client/group-consumer.js'
import {logLines, T0} from './log-lines.mjs'
import {report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const REBALANCES = Number(process.env.BENCH_REBALANCES ?? 10)
const PARTITIONS = 4
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENGINE = fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url))

const work = mkdtempSync(join(tmpdir(), 'samsa-groups-bench-'))
const dataDir = join(work, 'data')
const env = {...process.env, XDG_DATA_HOME: join(work, 'xdg'), NO_COLOR: '1'}
delete env.SAMSA_DATA_DIR
delete env.SAMSA_SOCKET

const daemon = spawn(process.execPath, [ENGINE, '--data-dir', dataDir, '--workers', '2'], {stdio: ['ignore', 'ignore', 'pipe'], env})
let daemonLog = ''
daemon.stderr.on('data', (d) => (daemonLog += d))
process.on('exit', () => {
  if (daemon.exitCode === null) daemon.kill('SIGKILL')
  rmSync(work, {recursive: true, force: true})
})

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// One CLI process; resolves with its wall time in seconds (stdout to /dev/null).
function samsa(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir], {env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`samsa ${args.join(' ')} exited ${code}: ${err}`))
      else resolve(Number(process.hrtime.bigint() - start) / 1e9)
    })
  })
}

// Several processes started together; the time until the last one exits.
async function together(argsList) {
  const start = process.hrtime.bigint()
  await Promise.all(argsList.map(samsa))
  return Number(process.hrtime.bigint() - start) / 1e9
}

let client
try {
  for (const deadline = Date.now() + 20_000; ; ) {
    try {
      client = await createClient({dataDir, autostart: false})
      break
    } catch (err) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${err.message}\n${daemonLog}`)
      await sleep(50)
    }
  }
  await client.admin.createTopic('bench', {partitions: PARTITIONS})
  await client.admin.createTopic('empty', {partitions: PARTITIONS})

  // ── the records: 64 KiB LZ4 batches dealt round-robin to the partitions ───────────────────────────
  const nextLine = logLines()
  const builder = new RecordBatchBuilder({compression: Compression.Lz4, maxBytes: 64 * 1024})
  let lineBytes = 0
  let nBatches = 0
  const pending = []
  const seal = () => {
    const p = nBatches++ % PARTITIONS
    pending.push(client.records.produce('bench', p, builder.build(), 1))
    builder.reset()
  }
  for (let i = 0; i < RECORDS; i++) {
    const line = Buffer.from(nextLine(i).text)
    lineBytes += line.length + 1
    if (!builder.hasRoomFor(line.length)) seal()
    builder.append(line, null, T0 + i)
    if (pending.length >= 32) await Promise.all(pending.splice(0))
  }
  if (builder.count > 0) seal()
  await Promise.all(pending)
  console.log(`${RECORDS} records of ~${(lineBytes / RECORDS - 1).toFixed(0)} bytes in ${nBatches} batches, ${PARTITIONS} partitions, 2 workers; ${ROUNDS} rounds, medians`)

  // ── (a) a group of 2 drains everything, beside one plain consume ──────────────────────────────────
  let round = 0
  const fresh = () => `g${round++}`
  const plain = [], plainEmpty = [], duo = [], duoEmpty = []
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await samsa(['consume', 'bench']))
    plainEmpty.push(await samsa(['consume', 'empty']))
    const g = fresh()
    duo.push(await together([['consume', 'bench', '--group', g], ['consume', 'bench', '--group', g]]))
    const e = fresh()
    duoEmpty.push(await together([['consume', 'empty', '--group', e], ['consume', 'empty', '--group', e]]))
  }
  report({name: 'plain consume, 1 process (whole process)', records: RECORDS, bytes: lineBytes, seconds: median(plain)})
  report({name: '  excl. startup', records: RECORDS, bytes: lineBytes, seconds: median(plain) - median(plainEmpty)})
  report({
    name: 'group of 2 consume processes (whole process)',
    records: RECORDS,
    bytes: lineBytes,
    seconds: median(duo),
    baseline: {name: 'plain consume', seconds: median(plain), bytes: lineBytes},
    target: '≥ 1.5 M rec/s',
  })
  report({
    name: '  excl. startup',
    records: RECORDS,
    bytes: lineBytes,
    seconds: median(duo) - median(duoEmpty),
    baseline: {name: 'plain consume excl. startup', seconds: median(plain) - median(plainEmpty), bytes: lineBytes},
    target: '≥ 1.5 M rec/s',
  })

  // ── (b) commit overhead: one member, commits every second or after every batch, against none ──────
  const none = [], everySecond = [], everyBatch = []
  for (let r = 0; r < ROUNDS; r++) {
    none.push(await samsa(['consume', 'bench', '--group', fresh(), '--no-commit']))
    everySecond.push(await samsa(['consume', 'bench', '--group', fresh()]))
    everyBatch.push(await samsa(['consume', 'bench', '--group', fresh(), '--commit-interval', '0']))
  }
  const noCommit = {name: '--no-commit', seconds: median(none), bytes: lineBytes}
  report({name: 'one member, --no-commit', records: RECORDS, bytes: lineBytes, seconds: median(none)})
  report({name: 'one member, commit every 1 s (default)', records: RECORDS, bytes: lineBytes, seconds: median(everySecond), baseline: noCommit, target: '≥ 95%'})
  report({name: 'one member, commit after every batch', records: RECORDS, bytes: lineBytes, seconds: median(everyBatch), baseline: noCommit, target: '≥ 95%'})

  // ── (c) rebalance time ───────────────────────────────────────────────────────────────────────────
  // after a leave: two in-process members; one closes; until the other owns all 4 partitions
  const leave = []
  for (let i = 0; i < REBALANCES; i++) {
    const g = fresh()
    const other = await createClient({dataDir, autostart: false})
    const b = await GroupConsumer.join(client, g, {topics: ['bench'], follow: true})
    const a = await GroupConsumer.join(other, g, {topics: ['bench'], follow: true})
    while (!(a.consumer?.assignments.length === 2 && b.consumer?.assignments.length === 2)) {
      await Promise.race([a.changed.then(() => a.rebalance()), b.changed.then(() => b.rebalance()), sleep(50)])
    }
    const t0 = process.hrtime.bigint()
    await a.close()
    while (b.consumer?.assignments.length !== 4) {
      await b.changed
      await b.rebalance()
    }
    leave.push(Number(process.hrtime.bigint() - t0) / 1e6)
    await b.close()
    await other.close()
  }
  console.log(`rebalance after a member leaves (its close → the other owns all 4): p50 ${median(leave).toFixed(1)} ms, max ${Math.max(...leave).toFixed(1)} ms  [target < 1000 ms]`)

  // after kill -9: a CLI member with a 2 s session; an in-process member takes over
  const crash = []
  const SESSION_MS = 2000
  for (let i = 0; i < Math.min(3, REBALANCES); i++) {
    const g = fresh()
    const b = await GroupConsumer.join(client, g, {topics: ['bench'], follow: true, from: {kind: 'end'}, sessionTimeoutMs: SESSION_MS})
    const a = spawn(process.execPath, [BIN, 'consume', 'bench', '--group', g, '--follow', '--from', 'end', '--session-timeout', `${SESSION_MS}ms`, '--data-dir', dataDir], {env, stdio: 'ignore'})
    while (b.consumer?.assignments.length !== 2) {
      await Promise.race([b.changed.then(() => b.rebalance()), sleep(50)])
    }
    await sleep(300)
    const killed = process.hrtime.bigint()
    a.kill('SIGKILL')
    while (b.consumer?.assignments.length !== 4) {
      await b.changed
      await b.rebalance()
    }
    crash.push(Number(process.hrtime.bigint() - killed) / 1e6 - SESSION_MS)
    await b.close()
  }
  console.log(`rebalance after kill -9 (beyond its ${SESSION_MS} ms session timeout): p50 ${median(crash).toFixed(1)} ms, max ${Math.max(...crash).toFixed(1)} ms  [target < 1000 ms]`)
  console.log(`(p90 of the leave case: ${pct(leave, 0.9).toFixed(1)} ms)`)
} finally {
  await client?.close()
  daemon.kill('SIGTERM')
}
