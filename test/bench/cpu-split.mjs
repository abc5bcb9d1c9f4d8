// Where the CPU goes, per record, in the three workloads of the peers benchmark (issue 15): produce a file,
// consume it all, two consumers sharing 4 partitions — whole CLI processes against one daemon, as there.
// Wall-clock rates on a shared 2-core machine swing with the load; CPU time per record much less. So this
// measures, per step and per record:
//   - the CPU time (user + system) of each CLI process (process.cpuUsage() at exit, via a preload),
//   - the CPU time of the daemon's main thread and of its other threads (workers, GC and libuv helpers),
//     from /proc/<pid>/task/<tid>/stat before and after the step,
// and with --profile runs every process under `node --cpu-prof` (the daemon's workers inherit it) and
// splits each thread's CPU time by component: the share of the thread's non-idle profile samples inside
// the step's time window that fall in each component (components: cpu-split/components.mjs), times the
// thread's measured CPU time. The profiler itself costs ~5–10%, so compare figures of one mode.
//   node test/bench/cpu-split.mjs [--records N] [--rounds N] [--profile] [--keep DIR] [--steps produce,consume,group]
//                                 [--root CHECKOUT,CHECKOUT...]
// --root measures other built checkouts of samsa (e.g. main and a branch), by turns in each round, so that
// a before/after comparison shares the machine's load. Run after `npm run build`. Linux only (/proc).
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {componentSplit} from './cpu-split/components.mjs'
import {generate} from './peers/data.mjs'

const HERE_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PRELOAD = fileURLToPath(new URL('./cpu-split/cpu-at-exit.mjs', import.meta.url))
const NODE = process.execPath
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim() || 100)

const {values: o} = parseArgs({
  options: {
    records: {type: 'string', default: process.env.BENCH_RECORDS ?? '1000000'},
    rounds: {type: 'string', default: '1'},
    profile: {type: 'boolean', default: false},
    keep: {type: 'string'},
    steps: {type: 'string', default: 'produce,consume,group'},
    root: {type: 'string', default: HERE_ROOT},
  },
})
const RECORDS = Number(o.records)
const ROUNDS = Number(o.rounds)
const STEPS = o.steps.split(',')
const ROOTS = o.root.split(',')

const work = o.keep ?? mkdtempSync(join(tmpdir(), 'samsa-cpu-split-'))
mkdirSync(work, {recursive: true})
const data = existsSync(join(work, 'lines.txt')) && o.keep ? {linesPath: join(work, 'lines.txt')} : generate(work, RECORDS)

const nowUs = () => Number(process.hrtime.bigint() / 1000n) // the clock V8's profiles use (monotonic, µs)

// CPU µs of every thread of pid: {tid: µs}
function threadCpu(pid) {
  const out = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ')
      out[tid] = (Number(fields[11]) + Number(fields[12])) * TICK_US // utime, stime (fields 14, 15)
    } catch {
      // the thread ended
    }
  }
  return out
}

function run(root, args, {profileDir, cpuFile}) {
  const nodeArgs = ['--import', PRELOAD, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), join(root, 'bin/run.js')]
  const child = spawn(NODE, [...nodeArgs, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'], // consume's output: /dev/null
    env: {...env, SAMSA_CPU_AT_EXIT: cpuFile},
    cwd: root,
  })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`samsa ${args.join(' ')} exited ${code}: ${err}`))
      else resolve(JSON.parse(readFileSync(cpuFile, 'utf8')))
    }),
  )
}

const env = {...process.env, NO_COLOR: '1'}
delete env.SAMSA_DATA_DIR
delete env.SAMSA_SOCKET
delete env.NODE_OPTIONS

const rows = []
for (let round = 0; round < ROUNDS; round++) for (const [r, ROOT] of ROOTS.entries()) {
  const BIN = join(ROOT, 'bin/run.js')
  const label = ROOTS.length > 1 ? ` ${ROOT}` : ''
  const dir = join(work, `round-${round}${ROOTS.length > 1 ? `-${r}` : ''}`)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir)
  const dataDir = join(dir, 'data')
  const prof = (name) => (o.profile ? join(dir, 'prof', name) : undefined)
  const common = ['--data-dir', dataDir, '--no-autostart']
  const daemon = spawn(NODE, [...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${prof('daemon')}`] : []), BIN, 'daemon', 'start', '--foreground', '--data-dir', dataDir], {
    stdio: 'ignore',
    env: {...env, XDG_DATA_HOME: dir},
    cwd: ROOT,
  })
  const sync = (...args) => {
    const r = spawnSync(NODE, [BIN, ...args, ...common], {env: {...env, XDG_DATA_HOME: dir}, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`samsa ${args.join(' ')}: ${r.stderr}`)
  }
  for (let i = 0; ; i++) {
    const r = spawnSync(NODE, [BIN, 'daemon', 'status', ...common], {env: {...env, XDG_DATA_HOME: dir}})
    if (r.status === 0) break
    if (i > 200) throw new Error('the daemon did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  sync('topic', 'create', 'bench', '--partitions', '4')
  const windows = []
  const step = async (name, commands) => {
    const before = threadCpu(daemon.pid)
    const from = nowUs()
    const t0 = process.hrtime.bigint()
    const cli = await Promise.all(
      commands.map((args, i) => run(ROOT, [...args, ...common], {profileDir: prof(`${name}-${i}`), cpuFile: join(dir, `${name}-${i}.cpu.json`)})),
    )
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const to = nowUs()
    const after = threadCpu(daemon.pid)
    const main = (after[daemon.pid] ?? 0) - (before[daemon.pid] ?? 0)
    let others = 0
    for (const [tid, us] of Object.entries(after)) if (Number(tid) !== daemon.pid) others += us - (before[tid] ?? 0)
    const row = {root: ROOT, round, step: name, seconds, cliUs: cli.map((c) => c.user + c.system), daemonMainUs: main, daemonOtherUs: others}
    rows.push(row)
    windows.push({name, from, to, row, count: commands.length})
    console.log(
      `[round ${round + 1}${label}] ${name.padEnd(8)} ${seconds.toFixed(3)} s  ${(RECORDS / seconds / 1e6).toFixed(2)} M rec/s   µs/record: ` +
        `CLI ${row.cliUs.map((u) => (u / RECORDS).toFixed(3)).join(' + ')}  daemon main ${(main / RECORDS).toFixed(3)}  ` +
        `daemon other threads ${(others / RECORDS).toFixed(3)}`,
    )
  }
  try {
    if (STEPS.includes('produce')) await step('produce', [['produce', 'bench', '--file', data.linesPath, '--key-delimiter', ':']])
    if (STEPS.includes('consume')) await step('consume', [['consume', 'bench']])
    // two members of one consumer group, as the peers benchmark's workload 3
    if (STEPS.includes('group')) await step('group', [['consume', 'bench', '--group', 'cpu-split'], ['consume', 'bench', '--group', 'cpu-split']])
  } finally {
    sync('daemon', 'stop')
    await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.on('exit', r)))
  }
  if (o.profile) {
    for (const w of windows) {
      const split = componentSplit({dir: join(dir, 'prof'), window: w, records: RECORDS})
      console.log(`\n[round ${round + 1}${label}] ${w.name}: µs per record by component (thread CPU × share of its profile samples)`)
      for (const line of split.lines) console.log('  ' + line)
      w.row.split = split.table
    }
  }
}
// medians over the rounds, per checkout and step
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
console.log(`\nmedians of ${ROUNDS} round(s), µs of CPU per record (CLI = all its processes):`)
for (const root of ROOTS) {
  for (const step of STEPS) {
    const mine = rows.filter((r) => r.root === root && r.step === step)
    if (mine.length === 0) continue
    const m = (f) => (median(mine.map(f)) / RECORDS).toFixed(3)
    console.log(
      `  ${ROOTS.length > 1 ? root + ' ' : ''}${step.padEnd(8)} CLI ${m((r) => r.cliUs.reduce((a, b) => a + b, 0))}  daemon main ${m((r) => r.daemonMainUs)}  ` +
        `daemon other ${m((r) => r.daemonOtherUs)}  wall ${(median(mine.map((r) => r.seconds))).toFixed(3)} s`,
    )
  }
}
// with --profile: the median split, component by component, beside each checkout's (before → after)
if (o.profile) {
  for (const step of STEPS) {
    const per = ROOTS.map((root) => rows.filter((r) => r.root === root && r.step === step && r.split))
    if (per[0].length === 0) continue
    console.log(`\n${step}: median µs of CPU per record by component${ROOTS.length > 1 ? ` (${ROOTS.join(' → ')})` : ''}`)
    const threads = [...new Set(per.flatMap((rs) => rs.flatMap((r) => Object.keys(r.split))))]
    for (const thread of threads) {
      const comps = [...new Set(per.flatMap((rs) => rs.flatMap((r) => Object.keys(r.split[thread] ?? {}))))]
      const med = (rs, c) => median(rs.map((r) => r.split[thread]?.[c] ?? 0))
      const total = (rs) => median(rs.map((r) => Object.values(r.split[thread] ?? {}).reduce((a, b) => a + b, 0)))
      console.log(`  ${thread}: ${per.map((rs) => total(rs).toFixed(3)).join(' → ')}`)
      comps.sort((a, b) => med(per.at(-1), b) - med(per.at(-1), a))
      for (const c of comps) {
        const xs = per.map((rs) => med(rs, c))
        if (Math.max(...xs) >= 0.005) console.log(`    ${xs.map((x) => x.toFixed(3).padStart(6)).join(' → ')}  ${c}`)
      }
    }
  }
}
writeFileSync(join(work, 'cpu-split.json'), JSON.stringify({records: RECORDS, rows}, null, 1))
console.log(`\nresults: ${join(work, 'cpu-split.json')}`)
if (!o.keep) rmSync(work, {recursive: true, force: true})
