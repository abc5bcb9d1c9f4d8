// Drives the BUILT CLI (`node bin/run.js …`) in temp data directories for the produce/consume tests.
// XDG_DATA_HOME points into a temp dir and SAMSA_* variables are removed, so nothing touches the real
// data directory; cleanup() stops every daemon these tests started (daemon stop, then kill -9 by pid).
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
  out: string // stdout as UTF-8
}

const dirs: string[] = []
let home: string | null = null

export function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  home ??= mkdtempSync(join(tmpdir(), 'samsa-pc-home-'))
  const e: NodeJS.ProcessEnv = {...process.env, XDG_DATA_HOME: home, NO_COLOR: '1'}
  for (const k of ['SAMSA_DATA_DIR', 'SAMSA_SOCKET', 'SAMSA_NO_AUTOSTART', 'SAMSA_DEBUG']) delete e[k]
  return {...e, ...extra}
}

export function tempDir(prefix = 'samsa-pc-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** Runs `samsa ARGS --data-dir DIR`, feeding input on stdin. */
export function samsa(dir: string, args: string[], input?: Buffer | string, timeoutMs = 30_000): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dir], {env: env(), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe']})
  child.stdin.on('error', () => {})
  child.stdin.end(input ?? '')
  return collect(child, `samsa ${args.join(' ')}`, timeoutMs)
}

/** A shell pipeline (bash -c) with SAMSA set to the CLI and D to the data directory. */
export function shell(dir: string, script: string, timeoutMs = 30_000): Promise<Result> {
  return run('bash', ['-c', script], timeoutMs, {D: dir})
}

/** Any program, from the repository root, with SAMSA set to the CLI. */
export function run(cmd: string, args: string[], timeoutMs = 30_000, extra: NodeJS.ProcessEnv = {}): Promise<Result> {
  const child = spawn(cmd, args, {env: env({SAMSA: `${process.execPath} ${BIN}`, ...extra}), cwd: ROOT})
  return collect(child, `${cmd} ${args.join(' ')}`, timeoutMs)
}

// Everything a finished process wrote; killed (and rejected) if it runs past timeoutMs.
function collect(child: ChildProcess, label: string, timeoutMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => out.push(d))
    child.stderr!.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} did not finish in ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const stdout = Buffer.concat(out)
      resolve({code, signal, stdout, stderr, out: stdout.toString('utf8')})
    })
  })
}

export interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** Starts a long-running samsa command (consume --follow, produce --follow). */
export function start(dir: string, args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Running {
  const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dir], {env: env(), cwd: ROOT, stdio: [stdin, 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Pids of live daemons serving dir (from /proc). */
export function daemonPids(dir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      const i = argv.indexOf('--data-dir')
      if (i < 0 || argv[i + 1] !== dir || !argv.some((a) => a.endsWith(join('engine', 'main.js')))) continue
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue
      pids.push(Number(entry))
    } catch {
      continue
    }
  }
  return pids
}

export async function cleanup(): Promise<void> {
  for (const d of dirs.splice(0)) {
    if (daemonPids(d).length > 0) await samsa(d, ['daemon', 'stop'], undefined, 15_000).catch(() => null)
    for (const pid of daemonPids(d)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    rmSync(d, {recursive: true, force: true})
  }
  if (home) rmSync(home, {recursive: true, force: true})
  home = null
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0)
