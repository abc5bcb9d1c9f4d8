// The kill -9 loop: one data directory, one load generator (loadgen.mjs, its own process, alive from the
// first iteration to the last), and a daemon killed again and again. An iteration:
//   1. wait until the load flows (acknowledgements and a commit in the ledger since the last restart), then for a
//      random moment, and kill -9 the daemon; the load generator is stopped (SIGSTOP) meanwhile, so that
//      nothing writes while the data directory is checked;
//   2. sometimes kill it again during start-up, one to three times before it said it was ready: at a
//      random moment of start-up, or inside recovery (after "opening partitions");
//   3. start it (1 or 2 workers), wait until ready; `samsa log verify` of the data directory must be clean;
//   4. new topic configs for the next round (segment.bytes, index.interval.bytes; now and then one more
//      partition), then the load generator goes on (SIGCONT): its producers start new sessions, with acks
//      and compression drawn again, and the group's members rejoin and resume.
// Optionally a recovery storm at the end: many kills in a row during start-up, then a clean start that
// must verify. Finally the load generator stops cleanly, every partition is read in full with the group's
// committed offsets, and the checker (checker.ts) judges the ledger against that.
// Every choice comes from one seeded generator; the seed is printed first. A run that fails keeps its
// data directory and ledger (the path is printed); a clean one removes them. TORTURE_DEBUG=1 prints each
// iteration's phase timings.
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Consumer} from '../../src/client/consumer.js'
import {LocalClient} from '../../src/client/local/local-client.js'
import {ROOT, cleanEnv, samsa, sleep, spawnDaemon, type DaemonProcess} from '../support/index.js'
import {check, parseLedger, totalAnomalies, tpKey, type CheckReport, type FinalPartition, type FinalState} from './checker.js'
import {between, pick, prng} from './records.mjs'

const TOPIC = 'torture'
const GROUP = 'torture-group'
const LOADGEN = join(ROOT, 'test', 'torture', 'loadgen.mjs')
const MAX_PARTITIONS = 6
// the daemon's start-up lines (lifecycle/daemon.ts): recovery begins, and it is over
const OPENING = 'opening partitions'
const READY = ' ready: '

export interface TortureOptions {
  seed: number
  iterations?: number // kills under load (default: until deadlineMs)
  minKills?: number // with iterations: go on past them until this many kills in all
  deadlineMs?: number // or run until this much time has passed (the long profile)
  loadMs?: [number, number] // how long the load runs before each kill, at random in this range
  recoveryKillChance?: number // per iteration, the chance of kills during start-up (default 0.3)
  recoveryStorm?: number // kills in a row during start-up at the end (default 0)
  producers?: number
  consumers?: number
  keep?: boolean // keep the data directory and ledger even when the run is clean
  log?: (line: string) => void
}

export interface TortureResult {
  seed: number
  dir: string // data directory and ledger, kept when the run failed
  kept: boolean
  iterations: number
  kills: number // every kill -9 of the daemon
  killsInRecovery: number // of those, during recovery: after "opening partitions", before "ready"
  verifies: number // clean `samsa log verify` runs
  failure: string | null // the harness itself failed (a daemon that did not start, verify not clean, …)
  report: CheckReport | null
  elapsedMs: number
}

export async function runTorture(options: TortureOptions): Promise<TortureResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const random = prng(options.seed)
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), `samsa-torture-${options.seed}-`))
  const dataDir = join(dir, 'data')
  const ledger = join(dir, 'ledger.jsonl')
  writeFileSync(ledger, '')
  log(`torture: seed ${options.seed}, data directory and ledger in ${dir}`)
  const result: TortureResult = {
    seed: options.seed,
    dir,
    kept: false,
    iterations: 0,
    kills: 0,
    killsInRecovery: 0,
    verifies: 0,
    failure: null,
    report: null,
    elapsedMs: 0,
  }
  const daemonLog = join(dir, 'daemon.log')
  let daemon: DaemonProcess | null = null
  let loadgen: LoadGenerator | null = null
  let readyMs = 300 // how long the last start took to be ready
  let recoveryMs = 50 // of that, from "opening partitions" (recovery begins) to ready

  const start = async (): Promise<DaemonProcess> => {
    const t = Date.now()
    const d = await spawnDaemon(dataDir, {workers: between(random, 1, 2)})
    readyMs = Date.now() - t
    recoveryMs = Math.max(1, phaseMs(d.output(), OPENING, READY) ?? recoveryMs)
    return d
  }
  const kill = async (d: DaemonProcess): Promise<void> => {
    d.child.kill('SIGKILL')
    await d.exited
    result.kills++
    appendLog(daemonLog, d.output())
  }
  const verify = async (): Promise<void> => {
    const r = await samsa(null, ['log', 'verify', dataDir], {timeoutMs: 120_000})
    if (r.code !== 0) throw new Error(`samsa log verify ${dataDir} exited ${r.code}:\n${r.stdout}${r.stderr}`)
    result.verifies++
  }
  // Kills during start-up until `times` of them landed in recovery (after the daemon began opening its
  // partitions, before it said it was ready), at most 3 × times attempts; a kill that came earlier or
  // later still counts as a kill, and the next one aims again. `anywhere`: half of them aim anywhere in
  // the last start's time to ready (the lock, the catalog, recovery, the committed offsets' replay), the
  // others — all of them without `anywhere` — at recovery itself: a random moment within the last
  // recovery's length after "opening partitions".
  const killDuringStartup = async (times: number, anywhere: boolean): Promise<void> => {
    let landed = 0
    let window = readyMs
    for (let attempt = 0; landed < times && attempt < 3 * times; attempt++) {
      const d = await spawnDaemon(dataDir, {workers: between(random, 1, 2), waitReady: false})
      if (anywhere && random() < 0.5) await sleep(Math.floor(random() * window))
      else if (await until(() => d.output().includes(OPENING) || d.child.exitCode !== null)) await sleep(Math.floor(random() * recoveryMs))
      const out = d.output()
      if (out.includes(READY)) window = Math.max(1, Math.floor(window / 2))
      else if (out.includes(OPENING)) landed++
      await kill(d)
    }
    result.killsInRecovery += landed
  }

  try {
    const partitions = between(random, 1, 4)
    daemon = await start()
    await withClient(dataDir, (c) => c.admin.createTopic(TOPIC, {partitions, configs: topicConfigs(random)}))
    loadgen = LoadGenerator.spawn({dataDir, ledger, seed: options.seed, producers: options.producers ?? 3, consumers: options.consumers ?? 2})
    const [loMs, hiMs] = options.loadMs ?? [50, 800]
    let partitionCount = partitions
    for (;;) {
      const more =
        options.iterations !== undefined
          ? result.iterations < options.iterations || result.kills < (options.minKills ?? 0)
          : Date.now() - started < (options.deadlineMs ?? 0)
      if (!more) break
      const lap = laps()
      await loadgen.waitForLoad()
      lap('wait for load')
      await sleep(between(random, loMs, hiMs))
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) throw new Error(`the daemon exited by itself: ${daemon.output()}`)
      await kill(daemon)
      loadgen.pause()
      lap('load, kill')
      result.iterations++
      if (random() < (options.recoveryKillChance ?? 0.3)) await killDuringStartup(between(random, 1, 3), true)
      lap('kills in start-up')
      daemon = await start()
      lap('start')
      await verify()
      lap('verify')
      partitionCount = await reconfigure(dataDir, random, partitionCount)
      loadgen.resume()
      if (process.env.TORTURE_DEBUG) log(`iteration ${result.iterations}: ${lap('alter')}`)
    }
    if ((options.recoveryStorm ?? 0) > 0) {
      await loadgen.waitForLoad()
      await kill(daemon)
      loadgen.pause()
      await killDuringStartup(options.recoveryStorm!, false)
      daemon = await start()
      await verify()
      loadgen.resume()
      await loadgen.waitForLoad() // the daemon serves the load again, after the storm
    }
    await loadgen.stop()
    const final = await readFinal(dataDir)
    await stopCleanly(daemon)
    daemon = null
    await verify() // after a clean shutdown too
    result.report = check(parseLedger(readFileSync(ledger, 'utf8')), final)
    if (!result.report.complete) result.failure = 'the ledger has no end: the load generator did not stop cleanly'
  } catch (err) {
    result.failure = (err as Error).stack ?? String(err)
  } finally {
    loadgen?.kill()
    if (loadgen) writeFileSync(join(dir, 'loadgen.log'), loadgen.output)
    if (daemon) await kill(daemon).catch(() => {})
  }
  result.elapsedMs = Date.now() - started
  const failed = result.failure !== null || result.report === null || totalAnomalies(result.report) > 0
  if (failed || options.keep) {
    result.kept = true
    log(`torture: ${failed ? 'FAILED' : 'clean'}, seed ${options.seed}; kept ${dir} (ledger.jsonl, data/, daemon.log, loadgen.log)`)
  } else {
    rmSync(dir, {recursive: true, force: true})
  }
  return result
}

// Topic configs for a round: small segments (many rolls, many files to recover) and index intervals.
function topicConfigs(random: () => number): Record<string, string> {
  return {
    'segment.bytes': String(pick(random, [4096, 16_384, 65_536, 262_144, 1_048_576])),
    'index.interval.bytes': String(pick(random, [64, 512, 4096])),
  }
}

async function reconfigure(dataDir: string, random: () => number, partitions: number): Promise<number> {
  const grow = partitions < MAX_PARTITIONS && random() < 0.1
  await withClient(dataDir, (c) => c.admin.alterTopic(TOPIC, {set: topicConfigs(random), ...(grow ? {partitions: partitions + 1} : {})}))
  return grow ? partitions + 1 : partitions
}

async function withClient<T>(dataDir: string, f: (c: LocalClient) => Promise<T>): Promise<T> {
  const client = await LocalClient.connect({dataDir, autostart: false, env: cleanEnv()})
  try {
    return await f(client)
  } finally {
    await client.close()
  }
}

// Every partition of the topic from its log start to its end, and the group's committed offsets.
async function readFinal(dataDir: string): Promise<FinalState> {
  return withClient(dataDir, async (client) => {
    const partitions = new Map<string, FinalPartition>()
    const consumer = await Consumer.open(client, {topics: [TOPIC], from: {kind: 'beginning'}})
    for (const c of consumer.assignments) partitions.set(tpKey(c.topic, c.partition), {logStartOffset: c.position, values: []})
    while (!consumer.done) {
      await consumer.poll((c, r) => {
        const part = partitions.get(tpKey(c.topic, c.partition))!
        part.values[r.offset - part.logStartOffset] = r.valueString()
      })
    }
    const failed = consumer.failure
    if (failed) throw new Error(`the final read of ${failed.topic}-${failed.partition} failed: ${failed.error?.message}`)
    const committed = (await client.groups.fetchOffsets(GROUP)).filter((o) => o.offset >= 0).map((o): [string, number, number] => [o.topic, o.partition, o.offset])
    return {partitions, committed}
  })
}

async function stopCleanly(d: DaemonProcess): Promise<void> {
  d.child.kill('SIGTERM')
  const code = await d.exited
  if (code !== 0) throw new Error(`the daemon exited ${code} on SIGTERM: ${d.output()}`)
}

function appendLog(file: string, text: string): void {
  writeFileSync(file, `${text}\n--- kill -9 ---\n`, {flag: 'a'})
}

// The load generator's process, and the ledger's growth since it last resumed.
class LoadGenerator {
  private readonly ledgerFd: number
  private read = 0 // ledger bytes looked at
  private acksSinceResume = 0
  private commitsSinceResume = 0
  private stderr = ''
  private exitCode: number | null | undefined = undefined

  private constructor(
    private readonly child: ChildProcess,
    private readonly ledger: string,
  ) {
    this.ledgerFd = openSync(ledger, 'r')
    child.stderr!.on('data', (d) => (this.stderr += d))
    child.on('exit', (code) => (this.exitCode = code))
  }

  static spawn(o: {dataDir: string; ledger: string; seed: number; producers: number; consumers: number}): LoadGenerator {
    const args = [LOADGEN, '--data-dir', o.dataDir, '--ledger', o.ledger, '--topic', TOPIC, '--group', GROUP, '--seed', String(o.seed)]
    args.push('--producers', String(o.producers), '--consumers', String(o.consumers))
    const child = spawn(process.execPath, args, {env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe']})
    return new LoadGenerator(child, o.ledger)
  }

  /** Until acknowledgements and an acknowledged commit arrived since the last resume (the load flows again). */
  async waitForLoad(): Promise<void> {
    const deadline = Date.now() + 60_000
    for (;;) {
      this.scan()
      if (this.acksSinceResume > 0 && this.commitsSinceResume > 0) return
      if (this.exitCode !== undefined) throw new Error(`the load generator exited (${this.exitCode}): ${this.stderr}`)
      if (Date.now() > deadline) {
        throw new Error(`${this.acksSinceResume} acks and ${this.commitsSinceResume} commits within 60 s of a restart; load generator: ${this.stderr}`)
      }
      await sleep(10)
    }
  }

  pause(): void {
    this.child.kill('SIGSTOP')
  }

  resume(): void {
    this.scan()
    this.acksSinceResume = 0
    this.commitsSinceResume = 0
    this.child.kill('SIGCONT')
  }

  /** SIGTERM: its members commit and leave, it writes 'end'. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM')
    const deadline = Date.now() + 60_000
    while (this.exitCode === undefined && Date.now() < deadline) await sleep(20)
    if (this.exitCode !== 0) throw new Error(`the load generator did not stop cleanly (${this.exitCode}): ${this.stderr}`)
    closeSync(this.ledgerFd)
  }

  kill(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL')
  }

  get output(): string {
    return this.stderr
  }

  // counts acknowledgements and commits in the ledger bytes written since the last look
  private scan(): void {
    const size = statSync(this.ledger).size
    if (size <= this.read) return
    const buf = Buffer.alloc(size - this.read)
    readSync(this.ledgerFd, buf, 0, buf.length, this.read)
    this.read = size
    const text = buf.toString('latin1')
    this.acksSinceResume += occurrences(text, '"e":"ack"')
    this.commitsSinceResume += occurrences(text, '"e":"commit-ok"')
  }
}

function occurrences(text: string, what: string): number {
  let n = 0
  for (let i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++
  return n
}

// Milliseconds between the daemon's log lines holding `from` and `to` (ISO timestamps open each line).
function phaseMs(output: string, from: string, to: string): number | null {
  const at = (what: string): number | null => {
    const line = output.split('\n').find((l) => l.includes(what))
    const t = line === undefined ? NaN : Date.parse(line.slice(0, line.indexOf(' ')))
    return Number.isNaN(t) ? null : t
  }
  const a = at(from)
  const b = at(to)
  return a === null || b === null ? null : b - a
}

// Polls a condition every millisecond or so, for at most 20 s; false when it never held.
async function until(check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 20_000
  while (!check()) {
    if (Date.now() > deadline) return false
    await sleep(1)
  }
  return true
}

// Phase timings for TORTURE_DEBUG=1: each call names the phase just ended and returns all so far.
function laps(): (name: string) => string {
  let last = Date.now()
  const done: string[] = []
  return (name) => {
    done.push(`${name} ${Date.now() - last} ms`)
    last = Date.now()
    return done.join(', ')
  }
}
