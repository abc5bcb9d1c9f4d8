// The daemon as the current process: startDaemon plus what a process needs around it — timestamped log
// lines on stderr, signals, and an exit code. Both ways of running a daemon use it: the engine's entry
// (main.ts, which auto-start and `samsa daemon start` spawn detached) and `samsa daemon start --foreground`,
// which runs the daemon in its own process, so the process a supervisor starts is the daemon: its pid is
// the one `daemon status` shows, a signal reaches it directly, and kill -9 of it leaves nothing behind.
// Main thread.
//
// SIGTERM or SIGINT stops gracefully; a second signal exits at once (130; the logs recover on the next
// start). A signal during startup stops the daemon as soon as it has started.
// Startup failures are thrown as SamsaErrors, whose exitCode is the process's: 3 the data directory (or
// the control socket) is in use by another daemon ("data directory D is in use by daemon pid N"); 2 a bad
// option (a bad Kafka listener setting, wherever it came from); 7 any other storage or startup failure.
// After startup the promise resolves with the exit code: 0 for a clean stop, 1 after an internal error.
//
// The Kafka listener: the flags given, else $SAMSA_KAFKA_LISTENER, else <data>/daemon.json, else
// 127.0.0.1:9092 (protocol/control/daemon-config.ts resolves them; this module reads the file). Its SASL
// users: the file --kafka-sasl-users, $SAMSA_KAFKA_SASL_USERS or daemon.json's kafkaSaslUsers names, read here at startup; one
// that cannot be read or parsed stops the startup (exit 2) rather than open a listener without it.
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {SamsaError, isSamsaError} from '../errors.js'
import {daemonPaths} from '../protocol/control/data-dir-layout.js'
import {KAFKA_SASL_USERS_ENV, resolveKafkaListener, resolveKafkaSaslUsers, type KafkaListenerFlags} from '../protocol/control/daemon-config.js'
import {SaslUsers} from './kafka/sasl-users.js'
import {startDaemon, type Daemon, type DaemonOptions} from './lifecycle/daemon.js'

export function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`)
}

export type DaemonProcessOptions = Omit<DaemonOptions, 'log' | 'kafka'> & {kafkaFlags?: KafkaListenerFlags}

// The Kafka listener in force for this data directory (USAGE naming the setting that is wrong).
export async function kafkaListenerFor(dataDir: string, flags: KafkaListenerFlags | undefined, env: NodeJS.ProcessEnv = process.env): Promise<DaemonOptions['kafka']> {
  const file = daemonPaths(resolve(dataDir), undefined, env).configFile
  let text: string | null = null
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SamsaError('USAGE', `cannot read ${file}: ${(err as Error).message}`)
  }
  const setting = resolveKafkaListener(flags, env, text, file)
  if (!setting.listener) return null
  const users = resolveKafkaSaslUsers(flags, env, text, file)
  const named = {'command line': '--kafka-sasl-users', environment: `$${KAFKA_SASL_USERS_ENV}`, 'config file': `${file}: kafkaSaslUsers`}
  return {listen: setting.listener, advertised: setting.advertised, sasl: users ? await readUsers(users.file, named[users.source]) : null}
}

async function readUsers(path: string, named: string): Promise<SaslUsers> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new SamsaError('USAGE', `cannot read the Kafka SASL users file ${path} (${named}): ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
  }
  return SaslUsers.parse(text, path)
}

export async function runDaemonProcess({kafkaFlags, ...options}: DaemonProcessOptions): Promise<number> {
  let daemon: Daemon | null = null
  let signals = 0
  let exitCode = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      logLine(`received ${signal} again: exiting now without a clean shutdown`)
      process.exit(130)
    }
    logLine(`received ${signal}: stopping gracefully (send it again to exit at once)`)
    void daemon?.stop() // during startup: stopped as soon as startup completes, below
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  process.on('uncaughtException', (err) => {
    logLine(`internal error: ${err.stack ?? err.message}`)
    if (!daemon) process.exit(1)
    exitCode = 1
    void daemon.stop()
  })

  try {
    const kafka = await kafkaListenerFor(options.dataDir, kafkaFlags)
    daemon = await startDaemon({...options, kafka, log: logLine})
  } catch (err) {
    throw startupError(err)
  }
  if (signals > 0) void daemon.stop()
  await daemon.closed
  return exitCode
}

// Exit 3 and 2 keep their meaning; every other way startup fails is exit 7, as documented above.
function startupError(err: unknown): SamsaError {
  if (isSamsaError(err) && (err.code === 'DAEMON_RUNNING' || err.code === 'USAGE' || err.exitCode === 7)) return err
  if (!isSamsaError(err)) logLine(`startup failed: ${(err as Error).stack ?? String(err)}`)
  return new SamsaError('STORAGE_ERROR', isSamsaError(err) ? err.message : `daemon startup failed: ${(err as Error).message}`, {cause: err})
}
