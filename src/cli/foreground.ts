// `samsa daemon start --foreground`: runs the daemon's own entry (dist/engine/main.js) as a child with
// inherited stdio, forwards SIGINT/SIGTERM/SIGHUP to it once each, and ends with its exit status.
//
// Why a child rather than the engine in this process: the engine's entry owns signal handling, logging and
// exit codes (3 = data directory in use, 7 = storage), and the CLI stays a thin client that never loads
// engine code. The child gets its own process group, so a terminal's Ctrl-C reaches it exactly once (from
// us) — a second signal means "stop at once" to the daemon. Under systemd, KillMode=control-group (the
// default) covers both processes.
import {spawn} from 'node:child_process'
import {constants} from 'node:os'
import {SamsaError} from '../errors.js'

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

export function runForeground(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {stdio: ['ignore', 'inherit', 'inherit'], detached: true, env})
    const handlers = new Map<NodeJS.Signals, () => void>()
    for (const signal of FORWARDED) {
      const handler = (): void => {
        child.kill(signal)
      }
      handlers.set(signal, handler)
      process.on(signal, handler)
    }
    const cleanup = (): void => {
      for (const [signal, handler] of handlers) process.off(signal, handler)
    }
    child.once('error', (err) => {
      cleanup()
      reject(new SamsaError('DAEMON_UNAVAILABLE', `cannot start the samsa daemon: ${err.message}`))
    })
    child.once('exit', (code, signal) => {
      cleanup()
      if (code !== null) resolve(code)
      else resolve(128 + ((signal && constants.signals[signal]) || 1))
    })
  })
}
