// `npm run bench -- peers` (issue 15): samsa beside `cat`, `lz4 -1`, Redis Streams and NATS JetStream, on
// the same data, in one run, as whole processes. Workloads (what each system runs: peers/systems.mjs):
//   1 produce the data set from a file, acknowledged       (limit: cat FILE > out, lz4 -1 FILE out)
//   2 consume everything from the start, to /dev/null      (same limits)
//   3 two consumers sharing the data (group / work queue)
//   4 end-to-end latency at a steady rate (default 10 k records/s), p50 and p99
//                                                          (floor: the same hops with no work, relay.mjs)
//   5 bytes on disk after ingest
// Every round starts each system fresh (new directory, new server, new samsa daemon), rounds rotate the
// order of the systems, and each figure is the median of the rounds with its min–max; ratios are taken
// within a round. Prints a table and writes results.json, chart.svg and chart.png to a results folder.
//   node test/bench/peers.bench.mjs [--records N] [--rounds N] [--latency-seconds S] [--rate R]
//                                   [--only samsa,redis,jetstream] [--results DIR] [--no-install]
// (env: BENCH_RECORDS, BENCH_ROUNDS, BENCH_LATENCY_SECONDS, BENCH_LATENCY_RATE). Run after `npm run build`.
// redis-server, redis-cli, nats-server, lz4 and rsvg-convert come from Debian: installed with apt-get when
// missing and root (unless --no-install); a peer that cannot be had is skipped with a line saying so.
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {generate} from './peers/data.mjs'
import {measureLatency} from './peers/latency.mjs'
import {timed} from './peers/proc.mjs'
import {summarize, table, writeChart, writeJson} from './peers/report.mjs'
import {ensureTools, startRelay, versionOf} from './peers/servers.mjs'
import {SAMSA_GROUP_SHORT, jetstream, redis, samsa} from './peers/systems.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const {values: o} = parseArgs({
  options: {
    records: {type: 'string', default: process.env.BENCH_RECORDS ?? '1000000'},
    rounds: {type: 'string', default: process.env.BENCH_ROUNDS ?? '3'},
    'latency-seconds': {type: 'string', default: process.env.BENCH_LATENCY_SECONDS ?? '5'},
    rate: {type: 'string', default: process.env.BENCH_LATENCY_RATE ?? '10000'},
    only: {type: 'string', default: 'samsa,redis,jetstream'},
    results: {type: 'string'},
    'no-install': {type: 'boolean', default: false},
  },
})
const RECORDS = Number(o.records)
const ROUNDS = Number(o.rounds)
const LAT_SECONDS = Number(o['latency-seconds'])
const RATE = Number(o.rate)
for (const [k, v] of Object.entries({records: RECORDS, rounds: ROUNDS, 'latency-seconds': LAT_SECONDS, rate: RATE})) {
  if (!(v > 0)) {
    console.error(`--${k} must be a positive number`)
    process.exit(2)
  }
}
const only = new Set(o.only.split(','))
for (const name of only) {
  if (!['samsa', 'redis', 'jetstream'].includes(name)) {
    console.error(`--only: unknown system ${name} (samsa, redis, jetstream)`)
    process.exit(2)
  }
}
const say = (s) => console.log(s)
const startLoad = loadavg()

// ── tools: find or install; a peer that cannot be had is skipped with a line saying why ──────────────
const notes = []
const skipped = {}
const tool = (name, needs) => {
  const r = ensureTools(needs, !o['no-install'])
  if (r.note) say(`${name}: ${r.note}`)
  if (r.note) notes.push(`${name}: ${r.note}`)
  return r
}
const haveLz4 = tool('lz4', {lz4: 'lz4'}).ok
const haveRsvg = tool('chart', {'rsvg-convert': 'librsvg2-bin'}).ok
const wanted = [
  ['samsa', samsa, null],
  ['redis', redis, {'redis-server': 'redis-server', 'redis-cli': 'redis-tools'}],
  ['jetstream', jetstream, {'nats-server': 'nats-server'}],
].filter(([name]) => only.has(name))
const usable = wanted.filter(([name, , needs]) => {
  const r = needs ? tool(name, needs) : {ok: true}
  if (r.ok) return true
  skipped[name] = r.note
  say(`SKIPPED ${name}: no figures for it in this run`)
  return false
})

const work = mkdtempSync(join(tmpdir(), 'samsa-peers-'))
let active = null // {system, ctx} whose server is running
async function cleanup() {
  if (active) await active.system.stop(active.ctx).catch(() => {})
  active = null
  rmSync(work, {recursive: true, force: true})
}
process.on('SIGINT', () => cleanup().finally(() => process.exit(130)))

function bytesUnder(dir) {
  let allocated = 0
  let apparent = 0
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      const sub = bytesUnder(p)
      allocated += sub.allocated
      apparent += sub.apparent
    } else {
      const st = lstatSync(p)
      allocated += st.blocks * 512
      apparent += st.size
    }
  }
  return {allocated, apparent}
}

const fmtRate = (s) => `${(RECORDS / s / 1e6).toFixed(2)} M rec/s`
const rotate = (xs, n) => xs.slice(n % xs.length).concat(xs.slice(0, n % xs.length))

try {
  say(`generating ${RECORDS} keyed log lines in ${work} ...`)
  const data = generate(work, RECORDS, (n) => say(`  ${n} lines`))
  say(`${RECORDS} lines "userNNNN:<log line>", ${(data.fileBytes / RECORDS).toFixed(0)} bytes each on average, ` +
      `${(data.fileBytes / 1e6).toFixed(1)} MB; ${ROUNDS} rounds; latency at ${RATE} records/s for ${LAT_SECONDS} s`)
  const systems = usable.map(([, make]) => make(data))
  const raw = {records: RECORDS, fileBytes: data.fileBytes, valueBytes: data.valueBytes, latencyRate: RATE, rounds: []}
  const out = join(work, 'out')
  if (haveLz4) {
    await timed({cmd: 'lz4', args: ['-1', '-f', '-q', data.linesPath, out + '.lz4']})
    raw.lz4Bytes = statSync(out + '.lz4').size
    rmSync(out + '.lz4')
  }

  for (let round = 0; round < ROUNDS; round++) {
    const rr = {}
    const tag = `[round ${round + 1}/${ROUNDS}]`
    rr.cat = (await timed({cmd: 'cat', args: [data.linesPath], stdout: out})).seconds
    say(`${tag} cat FILE > out          ${rr.cat.toFixed(3)} s  ${fmtRate(rr.cat)}`)
    rmSync(out)
    if (haveLz4) {
      rr.lz4 = (await timed({cmd: 'lz4', args: ['-1', '-f', '-q', data.linesPath, out]})).seconds
      say(`${tag} lz4 -1 FILE out         ${rr.lz4.toFixed(3)} s  ${fmtRate(rr.lz4)}`)
      rmSync(out)
    }
    const relayDir = mkdtempSync(join(work, 'relay-'))
    const relay = await startRelay(relayDir)
    try {
      const l = (rr.relay = await measureLatency(relay.latency, {rate: RATE, seconds: LAT_SECONDS}))
      say(`${tag} relay (no work) latency p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms  max ${l.max.toFixed(1)} ms`)
    } finally {
      await relay.stop()
      rmSync(relayDir, {recursive: true, force: true})
    }
    for (const system of rotate(systems, round)) {
      if (system.failed) continue
      const dir = mkdtempSync(join(work, `${system.name}-`))
      const res = (rr[system.name] = {})
      const step = async (what, fn) => {
        const r = await fn()
        res[what] = r.seconds
        say(`${tag} ${system.name.padEnd(9)} ${what.padEnd(13)} ${r.seconds.toFixed(3)} s  ${fmtRate(r.seconds)}`)
      }
      try {
        const ctx = await system.start(dir)
        active = {system, ctx}
        await step('produce', () => system.produce(ctx))
        await step('consume', () => system.consume(ctx))
        if (round === 0 && system.verifyConsume) await system.verifyConsume(ctx)
        res.disk = bytesUnder(ctx.store)
        say(`${tag} ${system.name.padEnd(9)} on disk       ${(res.disk.allocated / 1e6).toFixed(1)} MB`)
        await step('group', () => system.group(ctx, round))
        res.latency = await measureLatency(system.latency(ctx), {rate: RATE, seconds: LAT_SECONDS})
        const l = res.latency
        say(`${tag} ${system.name.padEnd(9)} latency       p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms  ` +
            `max ${l.max.toFixed(1)} ms  (${l.samples} of ${l.expected} lines)`)
        if (l.samples < l.expected) throw new Error(`latency: only ${l.samples} of ${l.expected} lines arrived`)
      } catch (e) {
        system.failed = e.message
        say(`${tag} ${system.name} FAILED: ${e.message}\n  (no more figures for ${system.name} in this run)`)
      } finally {
        if (active) await active.system.stop(active.ctx).catch((e) => say(`stopping ${system.name}: ${e.message}`))
        active = null
        rmSync(dir, {recursive: true, force: true})
      }
    }
    raw.rounds.push(rr)
  }

  // ── report ─────────────────────────────────────────────────────────────────────────────────────────
  const rows = summarize(raw, systems)
  const natsVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/nats/package.json'), 'utf8')).version
  const meta = {
    date: new Date().toISOString(),
    records: RECORDS, rounds: ROUNDS, fileBytes: data.fileBytes, latency: {rate: RATE, seconds: LAT_SECONDS},
    machine: {cpus: cpus().length, cpu: cpus()[0]?.model, loadavgStart: startLoad, loadavgEnd: loadavg()},
    versions: {
      node: process.version,
      samsa: versionOf(process.execPath, [join(ROOT, 'bin/run.js'), '--version']),
      'redis-server': versionOf('redis-server'), 'nats-server': versionOf('nats-server'), 'npm nats': natsVersion,
      lz4: versionOf('lz4', ['-V']),
    },
    does: Object.fromEntries(systems.map((s) => [s.name, s.does])),
    failed: Object.fromEntries(systems.filter((s) => s.failed).map((s) => [s.name, s.failed])),
    skipped, notes,
  }
  const text = table(rows, raw)
  const legend =
    '÷ cat, ÷ lz4 -1: records/s as a share of the physical limit in the same round. samsa ÷ it: samsa\'s figure ' +
    'divided by that system\'s, per round, median: for rates > 1 means samsa is faster; for latency and bytes ' +
    '< 1 means samsa is lower (better). relay: the latency floor of the path samsa\'s lines take (two Node processes, ' +
    'a server handing each chunk to a worker thread and back), with no work at any step. Medians of rounds; every ' +
    'figure includes process start-up.'
  say(`\n${text}\n\n${legend}`)
  say(`load average ${startLoad.map((x) => x.toFixed(1)).join(' ')} at start, ${loadavg().map((x) => x.toFixed(1)).join(' ')} at end ` +
      `(${cpus().length} cores): figures on a shared machine are noisy, the ratios less so`)
  const missing = Object.entries({...skipped, ...meta.failed}).map(([name, why]) => `no figures for ${name}: ${why}`)
  for (const line of missing) say(line)

  const stamp = meta.date.replace(/[:.]/g, '-').slice(0, 19)
  const dir = o.results ?? join(ROOT, 'test/bench/results', `peers-${stamp}`)
  mkdirSync(dir, {recursive: true})
  writeJson(dir, raw, rows, meta)
  writeFileSync(join(dir, 'table.txt'), [text, '', legend, ...missing, ''].join('\n'))
  const subtitle = `${RECORDS / 1e6} M keyed ~${(data.fileBytes / RECORDS).toFixed(0)}-byte lines, median of ${ROUNDS} rounds, ` +
    `${cpus().length} cores, ${meta.date.slice(0, 10)}`
  const chartNotes = [
    'grey: the physical limit, same file, same round',
    'every bar: whole processes, start-up included',
    'samsa: the CLI; redis: redis-cli --pipe and',
    '  Node RESP clients; jetstream: Node clients',
    '  (npm nats); details in table.txt',
    `3, samsa: two consumers, ${SAMSA_GROUP_SHORT}`,
    ...Object.keys({...skipped, ...meta.failed}).map((n) => `no figures for ${n}: see table.txt`),
  ]
  const chart = writeChart(dir, rows, raw, subtitle, chartNotes)
  const png = haveRsvg ? chart : null
  say(`\nresults: ${dir}/results.json, table.txt, chart.svg${png ? ', chart.png' : ' (no PNG: rsvg-convert missing)'}`)
  if (Object.keys(meta.failed).length) process.exitCode = 1
} finally {
  await cleanup()
}
