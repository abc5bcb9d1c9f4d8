// Whole-process timing for the peers benchmark: every measured step is one or more child processes, timed
// from the first spawn to the last exit, so process start-up counts for every system alike.
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'

const LIMIT_MS = 15 * 60_000 // a hung step fails after this instead of hanging the run

// Starts cmd; resolves with {code, stdout, stderr} (captured text for 'pipe' streams). stdin/stdout may be
// a path (opened here: stdin for reading, stdout for writing) or a spawn stdio value.
export function start(cmd, args, {stdin = 'ignore', stdout = 'pipe', env = process.env, cwd} = {}) {
  const fds = []
  const open = (x, flags) => (typeof x === 'string' && x.startsWith('/') ? (fds.push(openSync(x, flags)), fds.at(-1)) : x)
  const child = spawn(cmd, args, {stdio: [open(stdin, 'r'), open(stdout, 'w'), 'pipe'], env, cwd})
  let out = ''
  let err = ''
  child.stdout?.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS)
  const done = new Promise((resolve) => {
    child.on('error', (e) => (err += String(e)))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      for (const fd of fds) closeSync(fd)
      resolve({code: code ?? signal, stdout: out, stderr: err})
    })
  })
  return {child, done}
}

// Runs every {cmd, args, ...options} at once; resolves with {seconds, results}. Throws, naming the
// command and its stderr, if any exits non-zero.
export async function timed(...commands) {
  const t0 = process.hrtime.bigint()
  const results = await Promise.all(commands.map(({cmd, args, ...o}) => start(cmd, args, o).done))
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  results.forEach((r, i) => {
    if (r.code !== 0) {
      const {cmd, args} = commands[i]
      throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
    }
  })
  return {seconds, results}
}

// The {"records","bytes"} line a peer client writes last on stderr.
export function summary(result) {
  const last = result.stderr.trim().split('\n').pop()
  try {
    return JSON.parse(last)
  } catch {
    throw new Error(`no summary line on stderr: ${result.stderr.trim().slice(-200)}`)
  }
}
