// Drive the BUILT CLI (`node bin/run.js …`) as a user would, in temp data directories, and make sure no
// daemon outlives the tests. Nothing here touches ~/.local/share: XDG_DATA_HOME points into a temp dir and
// SAMSA_DATA_DIR / SAMSA_SOCKET / SAMSA_NO_AUTOSTART are removed from the environment.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')
export const ENGINE_MAIN = join(ROOT, 'dist', 'engine', 'main.js')

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

let sandbox: string | null = null // XDG_DATA_HOME for spawned commands, made on first use
const dirs: string[] = []

export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  sandbox ??= mkdtempSync(join(tmpdir(), 'samsa-it-home-'))
  const env: NodeJS.ProcessEnv = {...process.env, XDG_DATA_HOME: sandbox, NO_COLOR: '1'}
  delete env.SAMSA_DATA_DIR
  delete env.SAMSA_SOCKET
  delete env.SAMSA_NO_AUTOSTART
  delete env.SAMSA_DEBUG
  return {...env, ...extra}
}

export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-it-'))
  dirs.push(dir)
  return dir
}

// Runs `samsa <args> --data-dir <dataDir>` and collects its output.
export function samsa(dataDir: string | null, args: string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<Run> {
  const argv = dataDir ? [...args, '--data-dir', dataDir] : args
  return run(process.execPath, [BIN, ...argv], options)
}

export function run(cmd: string, args: string[], options: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {env: baseEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms; stderr: ${stderr}`))
    }, options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
  })
}

// Starts a long-running process (e.g. `daemon start --foreground`) and returns it with its output so far.
export function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): {child: ChildProcess; output: () => string; exited: Promise<number | null>} {
  const child = spawn(process.execPath, args, {env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT})
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {child, output: () => out, exited}
}


// Every live daemon process on this data directory, read from /proc: the daemon entry (dist/engine/main.js,
// spawned detached by auto-start and `daemon start`) and `samsa daemon start --foreground`, which is the
// daemon itself.
export function daemonPids(dataDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    const i = argv.indexOf('--data-dir')
    const engine = argv.some((a) => a.endsWith(join('engine', 'main.js')))
    const foreground = argv.some((a) => a.endsWith(join('bin', 'run.js'))) && argv.includes('--foreground')
    if ((engine || foreground) && i >= 0 && argv[i + 1] === dataDir) {
      // a zombie (exited, not yet reaped) is not alive
      try {
        if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue
      } catch {
        continue
      }
      pids.push(Number(entry))
    }
  }
  return pids
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export function killDaemons(dataDir: string): void {
  for (const pid of daemonPids(dataDir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

// afterAll: kill -9 whatever daemon is left on our data directories, then remove them.
export async function cleanupAll(): Promise<void> {
  for (const dir of dirs.splice(0)) {
    killDaemons(dir)
    await waitFor(() => daemonPids(dir).length === 0, 5000, `daemons of ${dir} to exit`).catch(() => {})
    rmSync(dir, {recursive: true, force: true})
  }
}

export function removeSandbox(): void {
  if (sandbox) rmSync(sandbox, {recursive: true, force: true})
  sandbox = null
}

// Stops the daemon of dataDir through the CLI; kill -9 if that fails.
export async function stopDaemon(dataDir: string): Promise<void> {
  const r = await samsa(dataDir, ['daemon', 'stop']).catch(() => null)
  if (!r || r.code !== 0) killDaemons(dataDir)
}

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0)
}

export function topicDirs(dataDir: string): string[] {
  if (!existsSync(dataDir)) return []
  return readdirSync(dataDir).filter((e) => /-\d+$/.test(e))
}

