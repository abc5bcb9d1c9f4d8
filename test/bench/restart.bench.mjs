// A pipeline riding out a daemon restart (issue 9): `samsa produce` from a pipe and `samsa consume -f`
// keep running while their daemon is stopped (or killed with -9) and started again. A line written to the
// producer while the daemon is away must come out of the consumer once it is back: timed from the new
// daemon answering again (its "ready" line) to that line on the consumer's stdout — the producer's
// reconnect and re-send, then the consumer's reconnect and fetch, both included. Target: < 1 s.
// Also shown: from the new daemon's spawn (its startup and recovery included).
//   node test/bench/restart.bench.mjs      (BENCH_RESTARTS, default 5 per way)
// Uses its own data directory and daemons, and stops them, whatever happens.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROUNDS = Number(process.env.BENCH_RESTARTS ?? 5)
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENGINE = fileURLToPath(new URL('../../dist/engine/main.js', import.meta.url))

const work = mkdtempSync(join(tmpdir(), 'samsa-restart-bench-'))
const dataDir = join(work, 'data')
const env = {...process.env, XDG_DATA_HOME: join(work, 'xdg'), NO_COLOR: '1'}
delete env.SAMSA_DATA_DIR
delete env.SAMSA_SOCKET
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// The daemon as a supervisor runs it: in the foreground, a child of ours; resolves once it says ready.
function startDaemon() {
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, [ENGINE, '--data-dir', dataDir, '--workers', '2'], {env, stdio: ['ignore', 'ignore', 'pipe']})
  let out = ''
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      out += d
      if (/ ready: /.test(out)) resolve({child, spawnedAt, readyAt: performance.now()})
    })
    child.on('exit', (code) => reject(new Error(`daemon exited (${code}) before it was ready: ${out}`)))
  })
}

function cli(args, options = {}) {
  return spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir, '--no-autostart'], {env, cwd: ROOT, ...options})
}

async function waitExit(p) {
  if (p.exitCode === null && p.signalCode === null) await new Promise((r) => p.once('exit', r))
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

let daemon = await startDaemon()
const running = []
try {
  const create = cli(['topic', 'create', 'r', '--partitions', '2'], {stdio: 'ignore'})
  await waitExit(create)
  const consumer = cli(['consume', 'r', '--follow'], {stdio: ['ignore', 'pipe', 'pipe']})
  const producer = cli(['produce', 'r'], {stdio: ['pipe', 'ignore', 'pipe']})
  running.push(consumer, producer)
  const seen = new Map()
  let pending = ''
  consumer.stdout.on('data', (d) => {
    const now = performance.now()
    pending += d
    let nl
    while ((nl = pending.indexOf('\n')) >= 0) {
      seen.set(pending.slice(0, nl), now)
      pending = pending.slice(nl + 1)
    }
  })
  const arrival = async (id, ms = 30_000) => {
    const deadline = performance.now() + ms
    while (!seen.has(id)) {
      if (performance.now() > deadline) throw new Error(`${id} never reached the consumer`)
      await sleep(2)
    }
    return seen.get(id)
  }
  // warm up: both processes connected, the consumer at the end
  producer.stdin.write('warm\n')
  await arrival('warm')

  for (const how of ['stop and start', 'kill -9 and start']) {
    const fromReady = []
    const fromSpawn = []
    for (let i = 0; i < ROUNDS; i++) {
      if (how === 'stop and start') daemon.child.kill('SIGTERM')
      else daemon.child.kill('SIGKILL')
      await waitExit(daemon.child)
      const id = `${how}-${i}`
      producer.stdin.write(`${id}\n`) // while the daemon is away
      await sleep(300)
      daemon = await startDaemon()
      const at = await arrival(id)
      fromReady.push(at - daemon.readyAt)
      fromSpawn.push(at - daemon.spawnedAt)
      await sleep(200)
    }
    console.log(
      `${`resume after ${how}: daemon ready → line out`.padEnd(52)} median ${median(fromReady).toFixed(0)} ms, max ${Math.max(...fromReady).toFixed(0)} ms ` +
        `(${ROUNDS} restarts)  [target < 1000 ms]`,
    )
    console.log(`${`  from the daemon's spawn`.padEnd(52)} median ${median(fromSpawn).toFixed(0)} ms, max ${Math.max(...fromSpawn).toFixed(0)} ms`)
  }
} finally {
  for (const p of running) p.kill('SIGKILL')
  daemon.child.kill('SIGKILL')
  await waitExit(daemon.child)
  rmSync(work, {recursive: true, force: true})
}
