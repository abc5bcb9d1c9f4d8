// kcat (librdkafka 2.0.2) against samsa's Kafka listener (issue 12), beside samsa's own CLI in the same run:
//   (a) kcat -P -z lz4: 1 M ~100-byte records into samsa, acknowledged      — target ≥ 500 k rec/s
//       (acks=1 like `samsa produce`, and librdkafka's default acks=all, fsynced)
//   (b) kcat -C: read them all back                                        — target ≥ 1 M rec/s
//       (-c N: exit after the N records; -e: exit at the end of the partition, which librdkafka notices
//       only from an empty fetch at the end — a long poll of fetch.wait.max.ms, 500 ms, as against Kafka)
//   (c) the same file through `samsa produce --file` and `samsa consume`, for comparison
//   (d) consumer groups: kcat -G -e and `samsa consume --group`, each committing everything it read
// Whole processes timed from spawn to exit, as a user sees them; every step checks that all records went in
// and came out. Run after `npm run build`:
//   node test/bench/kafka.bench.mjs     (BENCH_RECORDS=200000 for a quick run; BENCH_PARTITIONS, default 1)
// Uses its own daemon in a temp data directory, its Kafka listener on a free port, and stops it whatever
// happens.
import {spawn, spawnSync} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {report} from './report.mjs'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 1)
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

if (spawnSync('kcat', ['-V'], {stdio: 'ignore'}).status !== 0) {
  console.log('kcat is not installed (apt-get install kcat): skipping the Kafka benchmark')
  process.exit(0)
}

const work = mkdtempSync(join(tmpdir(), 'samsa-kafka-bench-'))
const dataDir = join(work, 'data')
const env = {...process.env, XDG_DATA_HOME: join(work, 'xdg'), NO_COLOR: '1'}
for (const name of ['SAMSA_DATA_DIR', 'SAMSA_SOCKET', 'SAMSA_KAFKA_LISTENER', 'SAMSA_KAFKA_ADVERTISED_LISTENER']) delete env[name]

// ── Input: deterministic, varied ~100-byte log lines (the CLI benchmark's) ─────────────────────────────
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
console.log(`${RECORDS} lines, ${(fileBytes / RECORDS).toFixed(0)} bytes each on average, ${(fileBytes / 1e6).toFixed(1)} MB; topics of ${PARTITIONS} partition(s)`)

function samsa(args, options = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {env, cwd: ROOT, encoding: 'utf8', ...options})
  if (r.status !== 0) throw new Error(`samsa ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

// Runs a process with `input` (a file) on stdin and its stdout into a file (the page cache: cheap, and
// the same for every reader); resolves with the wall time from spawn to exit and the lines it wrote.
const out = join(work, 'out.txt')
function timedRun(cmd, args, {input, sink = out} = {}) {
  return new Promise((resolve, reject) => {
    const stdin = input ? openSync(input, 'r') : 'ignore'
    const stdout = openSync(sink, 'w')
    const start = process.hrtime.bigint()
    const child = spawn(cmd, args, {env, cwd: ROOT, stdio: [stdin, stdout, 'pipe']})
    if (typeof stdin === 'number') closeSync(stdin)
    closeSync(stdout)
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))
      const written = sink === out ? readFileSync(out) : Buffer.alloc(0)
      let lines = 0
      for (let i = written.indexOf(10); i >= 0; i = written.indexOf(10, i + 1)) lines++
      resolve({seconds, lines})
    })
  })
}

function messagesIn(topic) {
  const d = JSON.parse(samsa(['topic', 'describe', topic, '--json']))
  return d.partitions.reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0)
}

// The offsets a group committed, summed over its partitions (what `samsa group describe` shows).
function committedIn(group) {
  const d = JSON.parse(samsa(['group', 'describe', group, '--json']))
  return d.partitions.reduce((n, p) => n + Math.max(0, p.currentOffset) - p.logStartOffset, 0)
}

function check(what, got) {
  if (got !== RECORDS) throw new Error(`${what}: ${got} records, expected ${RECORDS}`)
}

try {
  samsa(['daemon', 'start', '--kafka-listener', '127.0.0.1:0'])
  const broker = JSON.parse(samsa(['daemon', 'status', '--json'])).kafka.listener
  if (!broker) throw new Error('the daemon has no Kafka listener')
  for (const t of ['kcat-acks1', 'kcat-acksall', 'cli']) samsa(['topic', 'create', t, '--partitions', String(PARTITIONS)])

  const devnull = openSync('/dev/null', 'w')
  const cat = () => {
    const start = process.hrtime.bigint()
    spawnSync('cat', [file], {stdio: ['ignore', devnull, 'inherit']})
    return Number(process.hrtime.bigint() - start) / 1e9
  }
  cat()
  const catSeconds = [cat(), cat(), cat()].sort((a, b) => a - b)[1]
  closeSync(devnull)
  const baseline = {name: 'cat', seconds: catSeconds, bytes: fileBytes}
  report({name: 'cat FILE > /dev/null', records: RECORDS, bytes: fileBytes, seconds: catSeconds})

  // (a) kcat producing into samsa over Kafka
  const kcatP = (topic, acks) => timedRun('kcat', ['-b', broker, '-P', '-t', topic, '-z', 'lz4', '-X', `acks=${acks}`], {input: file})
  const p1 = await kcatP('kcat-acks1', 1)
  check('kcat -P acks=1', messagesIn('kcat-acks1'))
  report({name: 'kcat -P -z lz4, acks=1', records: RECORDS, bytes: fileBytes, seconds: p1.seconds, baseline, target: '≥ 500 k rec/s'})
  const pAll = await kcatP('kcat-acksall', 'all')
  check('kcat -P acks=all', messagesIn('kcat-acksall'))
  report({name: 'kcat -P -z lz4, acks=all (fsync)', records: RECORDS, bytes: fileBytes, seconds: pAll.seconds, baseline})

  // (c) the same through samsa's CLI
  const cliP = await timedRun(process.execPath, [BIN, 'produce', 'cli', '--file', file, '--data-dir', dataDir])
  check('samsa produce', messagesIn('cli'))
  report({name: 'samsa produce --file (acks=1)', records: RECORDS, bytes: fileBytes, seconds: cliP.seconds, baseline})

  // (b) kcat reading everything back over Kafka, and samsa consume
  const kcatC = (topic, ...how) => timedRun('kcat', ['-b', broker, '-C', '-t', topic, '-o', 'beginning', '-q', ...how])
  const c1 = await kcatC('kcat-acks1', '-c', String(RECORDS))
  check('kcat -C -c', c1.lines)
  report({name: 'kcat -C -c N > file', records: RECORDS, bytes: fileBytes, seconds: c1.seconds, baseline, target: '≥ 1 M rec/s'})
  // -c N exits only once N records arrived: it checks the count itself, so its output can go nowhere
  const c1null = await timedRun('kcat', ['-b', broker, '-C', '-t', 'kcat-acks1', '-o', 'beginning', '-q', '-c', String(RECORDS)], {sink: '/dev/null'})
  report({name: 'kcat -C -c N > /dev/null', records: RECORDS, bytes: fileBytes, seconds: c1null.seconds, baseline})
  const c1e = await kcatC('kcat-acks1', '-e')
  check('kcat -C -e', c1e.lines)
  report({name: 'kcat -C -e > file (+ the 500 ms end poll)', records: RECORDS, bytes: fileBytes, seconds: c1e.seconds, baseline})
  const c2 = await kcatC('cli', '-c', String(RECORDS))
  check('kcat -C of the CLI topic', c2.lines)
  report({name: "kcat -C -c N of samsa produce's topic", records: RECORDS, bytes: fileBytes, seconds: c2.seconds, baseline})
  const cliC = await timedRun(process.execPath, [BIN, 'consume', 'kcat-acks1', '--data-dir', dataDir])
  check('samsa consume', cliC.lines)
  report({name: "samsa consume > file (kcat's topic)", records: RECORDS, bytes: fileBytes, seconds: cliC.seconds, baseline})

  // (d) consumer groups: kcat -G (JoinGroup, SyncGroup, OffsetFetch, then fetches and auto-commits, a last
  // commit and LeaveGroup on exit) and `samsa consume --group`, each in a group of its own; both commit all
  const kcatG = await timedRun('kcat', ['-b', broker, '-G', 'bench-kcat', '-X', 'auto.offset.reset=earliest', '-e', '-q', 'kcat-acks1'])
  check('kcat -G -e', kcatG.lines)
  check('kcat -G commits', committedIn('bench-kcat'))
  report({name: 'kcat -G -e > file (join, commits, leave)', records: RECORDS, bytes: fileBytes, seconds: kcatG.seconds, baseline})
  const cliG = await timedRun(process.execPath, [BIN, 'consume', 'kcat-acks1', '--group', 'bench-cli', '--data-dir', dataDir])
  check('samsa consume --group', cliG.lines)
  check('samsa consume --group commits', committedIn('bench-cli'))
  report({name: 'samsa consume --group > file', records: RECORDS, bytes: fileBytes, seconds: cliG.seconds, baseline})
} finally {
  spawnSync(process.execPath, [BIN, 'daemon', 'stop', '--data-dir', dataDir], {env, stdio: 'ignore'})
  rmSync(work, {recursive: true, force: true})
}
