// The BUILT CLI (`node bin/run.js …`) driven as a user would: from the repository root, in the sandbox
// environment (sandbox.ts), with its stdout, stderr and exit collected. A command that runs past its
// timeout is killed and the call rejects with what it wrote to stderr.
import {spawn, spawnSync, type ChildProcess, type StdioOptions} from 'node:child_process'
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {cleanEnv} from './sandbox.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string // as UTF-8
  bytes: Buffer // stdout exactly as written
  stderr: string
}

export interface RunOptions {
  input?: string | Buffer // written to stdin, then closed; without it stdin is /dev/null
  env?: NodeJS.ProcessEnv // on top of cleanEnv()
  timeoutMs?: number // default 30 s
}

/** `samsa ARGS --data-dir DIR` (dataDir null: no --data-dir). */
export function samsa(dataDir: string | null, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return run(process.execPath, [BIN, ...withDataDir(dataDir, args)], options)
}

/** Any program, from the repository root; $SAMSA is the CLI, for scripts. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const stdio: StdioOptions = [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  const child = spawn(cmd, args, {env: cleanEnv({SAMSA: `${process.execPath} ${BIN}`, ...options.env}), cwd: ROOT, stdio})
  if (options.input !== undefined) {
    child.stdin!.on('error', () => {}) // a command that exits before reading all of it
    child.stdin!.end(options.input)
  }
  return collect(child, `${cmd} ${args.join(' ')}`, options.timeoutMs ?? 30_000)
}

/** A bash pipeline, with $SAMSA the CLI and $D the data directory. */
export function shell(dataDir: string, script: string, options: RunOptions = {}): Promise<CliResult> {
  return run('bash', ['-c', script], {...options, env: {D: dataDir, ...options.env}})
}

/** `samsa ARGS`, synchronously, for tests of the offline tools. */
export function samsaSync(args: string[], options: {env?: NodeJS.ProcessEnv} = {}): {code: number; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', cwd: ROOT, env: cleanEnv(options.env)})
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

export interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  output: () => string // stdout and stderr, in the order they arrived
  exited: Promise<number | null> // once the process is gone and its output read
}

/** A long-running `samsa ARGS --data-dir DIR` (consume --follow, daemon start --foreground, …). */
export function start(dataDir: string | null, args: string[], options: {stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv} = {}): Running {
  const child = spawn(process.execPath, [BIN, ...withDataDir(dataDir, args)], {
    env: cleanEnv(options.env),
    cwd: ROOT,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let both = ''
  child.stdout!.on('data', (d) => {
    out += d
    both += d
  })
  child.stderr!.on('data', (d) => {
    err += d
    both += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, output: () => both, exited}
}

export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0)
}

/** The partition directories (`<topic>-<partition>`) in a data directory. */
export function topicDirs(dataDir: string): string[] {
  if (!existsSync(dataDir)) return []
  return readdirSync(dataDir).filter((e) => /-\d+$/.test(e))
}

function withDataDir(dataDir: string | null, args: string[]): string[] {
  return dataDir === null ? args : [...args, '--data-dir', dataDir]
}

function collect(child: ChildProcess, label: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => out.push(d))
    child.stderr!.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} did not finish within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const bytes = Buffer.concat(out)
      resolve({code, signal, stdout: bytes.toString('utf8'), bytes, stderr})
    })
  })
}
