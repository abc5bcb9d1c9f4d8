// The daemon as a foreground process: `node dist/engine/main.js --data-dir D [--workers N] [--socket S]`.
// The client library spawns this file detached (stdout/stderr → <data>/daemon.log) for auto-start and
// `samsa daemon start`; systemd or `--foreground` run it attached. Main thread.
//
// Logs one line per event to stderr, each prefixed with an ISO timestamp. SIGTERM or SIGINT stops
// gracefully; a second signal exits at once (the logs then recover on the next start).
// Exit codes: 0 clean stop; 2 bad arguments; 3 the data directory is locked by another daemon
// (stderr: "samsa: data directory D is in use by daemon pid N"); 7 storage or startup failure; 1 anything
// else (an internal error after startup).
import {parseArgs} from 'node:util'
import {isSamsaError} from '../errors.js'
import {resolveDataDir} from '../protocol/control/paths.js'
import {startDaemon, type Daemon} from './daemon.js'

const USAGE = 'usage: node dist/engine/main.js [--data-dir DIR] [--workers N] [--socket PATH]'

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`)
}

function fail(message: string, code: number): never {
  process.stderr.write(`samsa: ${message}\n`)
  process.exit(code)
}

function parse(): {dataDir: string; workers?: number; socket?: string} {
  let values
  try {
    ;({values} = parseArgs({
      options: {
        'data-dir': {type: 'string'},
        workers: {type: 'string'},
        socket: {type: 'string'},
        help: {type: 'boolean', short: 'h'},
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  let workers: number | undefined
  if (values.workers !== undefined) {
    workers = Number(values.workers)
    if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 256) fail(`--workers must be an integer from 1 to 256, got ${values.workers}`, 2)
  }
  return {dataDir: resolveDataDir(values['data-dir']), workers, socket: values.socket}
}

async function main(): Promise<void> {
  const args = parse()
  let daemon: Daemon | null = null
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      log(`received ${signal} again: exiting now without a clean shutdown`)
      process.exit(130)
    }
    log(`received ${signal}: stopping gracefully (send it again to exit at once)`)
    void daemon?.stop() // during startup: stopped as soon as startup completes, below
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  process.on('uncaughtException', (err) => {
    log(`internal error: ${err.stack ?? err.message}`)
    if (!daemon) process.exit(1)
    process.exitCode = 1
    void daemon.stop()
  })

  try {
    daemon = await startDaemon({dataDir: args.dataDir, workers: args.workers, socket: args.socket, log})
  } catch (err) {
    if (isSamsaError(err)) {
      if (err.code === 'DAEMON_RUNNING') fail(err.message, 3)
      if (err.code === 'USAGE') fail(err.message, 2)
      fail(err.message, 7)
    }
    log(`startup failed: ${(err as Error).stack ?? String(err)}`)
    fail(`daemon startup failed: ${(err as Error).message}`, 7)
  }
  if (signals > 0) void daemon.stop()
  await daemon.closed
  process.exit(process.exitCode ?? 0)
}

void main()
