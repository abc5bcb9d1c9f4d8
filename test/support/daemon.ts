// Real daemon processes for tests: spawnDaemon() starts dist/engine/main.js on a temp data directory and
// waits until it is ready; daemonPids() finds every daemon serving a directory (auto-started ones too,
// which no test spawned itself); cleanup() — every test file's afterAll — kills whatever is left and
// removes the temp dirs. Nothing started here outlives the test run.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {daemonPaths} from '../../src/protocol/control/data-dir-layout.js'
import {ROOT, samsa} from './cli.js'
import {cleanEnv, cleanupDirs, tempDirs} from './sandbox.js'
import {sleep, waitFor} from './wait.js'

export const ENGINE_MAIN = join(ROOT, 'dist', 'engine', 'main.js')

const started = new Set<ChildProcess>()

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'engine', 'worker', 'main.js'))) {
    throw new Error('dist/engine is missing: run `npx tsc -p .` before the engine tests')
  }
}

export interface DaemonProcess {
  child: ChildProcess
  pid: number
  dataDir: string
  socket: string
  output: () => string // its stderr so far
  exited: Promise<number | null>
  kafkaPort: () => number // the port its Kafka listener bound (spawned with kafka: true), from its log
}

export interface SpawnOptions {
  workers?: number // default 2
  socket?: string
  env?: NodeJS.ProcessEnv // on top of cleanEnv()
  waitReady?: boolean // default true: resolve once it logs that it is ready
  main?: string // another entry script taking the same flags (test fixtures)
  fdLimit?: number // `ulimit -n` for the daemon
  kafka?: boolean // a Kafka listener on 127.0.0.1, on a free port (never a fixed one: tests run in parallel)
  wrapper?: string[] // a command that runs the daemon (e.g. strace …): pid and signals are then the wrapper's
}

// Spawns a daemon; resolves when it is ready, or rejects with its output when it exits first.
export async function spawnDaemon(dataDir: string, options: SpawnOptions = {}): Promise<DaemonProcess> {
  const args = [options.main ?? ENGINE_MAIN, '--data-dir', dataDir, '--workers', String(options.workers ?? 2)]
  if (options.socket) args.push('--socket', options.socket)
  let [command, argv] =
    options.fdLimit === undefined ? [process.execPath, args] : ['bash', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...args]]
  if (options.wrapper) [command, argv] = [options.wrapper[0]!, [...options.wrapper.slice(1), command, ...argv]]
  const env = cleanEnv({...(options.kafka ? {SAMSA_KAFKA_LISTENER: '127.0.0.1:0'} : {}), ...options.env})
  const child = spawn(command, argv, {env, stdio: ['ignore', 'ignore', 'pipe']})
  started.add(child)
  let out = ''
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      started.delete(child)
      resolve(code)
    }),
  )
  const socket = daemonPaths(dataDir, options.socket, env).socket
  const kafkaPort = (): number => {
    const m = /Kafka listener on [^ ]+:(\d+) /.exec(out)
    if (!m) throw new Error(`the daemon logged no Kafka listener: ${out}`)
    return Number(m[1])
  }
  const d: DaemonProcess = {child, pid: child.pid!, dataDir, socket, output: () => out, exited, kafkaPort}
  if (options.waitReady === false) return d
  let gone = false
  void exited.then(() => (gone = true))
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (gone) throw new Error(`daemon exited during startup (code ${await exited}): ${out}`)
    if (/ ready: /.test(out)) return d
    await sleep(20)
  }
  throw new Error(`daemon did not become ready: ${out}`)
}

// SIGTERM (a graceful stop); resolves with its exit code.
export async function stopDaemon(d: DaemonProcess): Promise<number | null> {
  d.child.kill('SIGTERM')
  return d.exited
}

// kill -9 of every daemon spawnDaemon() started that is still running.
export function killAll(): void {
  for (const c of started) c.kill('SIGKILL')
  started.clear()
}

// Every live daemon process on this data directory, read from /proc: the daemon entry (dist/engine/main.js,
// spawned by spawnDaemon, auto-start and `daemon start`) and `samsa daemon start --foreground`, which is
// the daemon itself.
export function daemonPids(dataDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      const i = argv.indexOf('--data-dir')
      if (i < 0 || argv[i + 1] !== dataDir) continue
      const engine = argv.some((a) => a.endsWith(join('engine', 'main.js')))
      const foreground = argv.some((a) => a.endsWith(join('bin', 'run.js'))) && argv.includes('--foreground')
      if (!engine && !foreground) continue
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue // exited, not yet reaped
      pids.push(Number(entry))
    } catch {
      continue // gone meanwhile
    }
  }
  return pids
}

export function killDaemons(dataDir: string): void {
  for (const pid of daemonPids(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

// `samsa daemon stop` for the daemon of dataDir; kill -9 if that fails.
export async function stopDaemonIn(dataDir: string): Promise<void> {
  const r = await samsa(dataDir, ['daemon', 'stop']).catch(() => null)
  if (!r || r.code !== 0) killDaemons(dataDir)
}

// afterAll: kill -9 whatever daemon is left (spawned here, or auto-started by a command on a temp dir),
// wait until they are gone, then remove the temp dirs.
export async function cleanup(): Promise<void> {
  killAll()
  for (const dir of tempDirs()) {
    killDaemons(dir)
    await waitFor(() => daemonPids(dir).length === 0, 5000, `daemons of ${dir} to exit`).catch(() => {})
  }
  cleanupDirs()
}
