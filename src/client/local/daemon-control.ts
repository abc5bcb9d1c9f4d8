// The daemon's lifecycle, for `samsa daemon start|stop|status`: local by nature (a Kafka cluster is not
// started or stopped from here), so those commands use this small surface instead of the Client. Each call
// opens its own connection and closes it before returning.
import {SamsaError} from '../../errors.js'
import {daemonPaths} from '../../protocol/control/data-dir-layout.js'
import {parseHostPort, parseKafkaListener, type KafkaListenerFlags} from '../../protocol/control/daemon-config.js'
import {ApiKey, type KafkaListenerStatus, type ShutdownResponse, type StatusResponse} from '../../protocol/control/messages.js'
import {isAlive, type DaemonStartInfo} from './autostart.js'
import {Connection} from './connection.js'
import {LocalClient} from './local-client.js'

export {isAlive}
export type {KafkaListenerFlags, KafkaListenerStatus}

export interface DaemonTarget {
  dataDir: string // absolute (resolveDataDir)
  socket?: string // --socket, else $SAMSA_SOCKET, else <data>/run/samsa.sock
  clientName?: string
}

// `daemon status --json`
export interface DaemonStatus {
  pid: number
  version: string
  uptimeMs: number
  dataDir: string
  socket: string
  topics: number
  partitions: number
  sizeInBytes: number
  workers: {index: number; partitions: number}[]
  kafka: KafkaListenerStatus
}

export interface DaemonStartResult {
  started: boolean // false: one was already running
  pid: number
  dataDir: string
  socket: string
  logFile: string
  kafka: KafkaListenerStatus // the running daemon's Kafka listener
}

// Checks the Kafka listener flags before anything is spawned (USAGE, exit 2, naming the flag).
export function checkKafkaListenerFlags(flags: KafkaListenerFlags): void {
  if (flags.listener !== undefined) parseKafkaListener(flags.listener, '--kafka-listener')
  if (flags.advertised !== undefined) parseHostPort(flags.advertised, '--kafka-advertised-listener')
}

export interface DaemonStopResult {
  stopped: boolean // false: none was running
  pid: number | null
  dataDir: string
}

// Starts the daemon unless one answers already (then started is false), and returns once it serves.
export async function startDaemon(target: DaemonTarget & {workers?: number; kafka?: KafkaListenerFlags}): Promise<DaemonStartResult> {
  const paths = daemonPaths(target.dataDir, target.socket)
  let started: DaemonStartInfo | null = null
  const client = await LocalClient.connect({
    ...target,
    autostart: true,
    onDaemonStarted: (info) => {
      started = info
    },
  })
  try {
    // a daemon of an earlier version reports no Kafka listener
    const {kafka} = (await client.request<StatusResponse>(ApiKey.Status, {})).body
    const status = kafka ?? {listener: null, advertised: null, problem: null}
    return {started: started !== null, pid: client.daemon.pid, dataDir: paths.dataDir, socket: paths.socket, logFile: paths.logFile, kafka: status}
  } finally {
    await client.close().catch(() => {})
  }
}

// The running daemon's status; DAEMON_UNAVAILABLE (exit 3) when none runs — it never starts one.
export async function daemonStatus(target: DaemonTarget): Promise<DaemonStatus> {
  const client = await LocalClient.connect({...target, autostart: false})
  try {
    return (await client.request<StatusResponse>(ApiKey.Status, {})).body
  } finally {
    await client.close().catch(() => {})
  }
}

// Asks the daemon to stop gracefully and waits until its process has exited and its socket is gone;
// TIMEOUT after timeoutMs. A daemon that is not running is not an error (stopped: false), as for
// `systemctl stop`.
export async function stopDaemon(target: DaemonTarget, timeoutMs: number): Promise<DaemonStopResult> {
  const paths = daemonPaths(target.dataDir, target.socket)
  let pid: number
  try {
    const client = await LocalClient.connect({...target, autostart: false})
    try {
      pid = client.daemon.pid
      await askShutdown(client)
    } finally {
      await client.close().catch(() => {}) // a daemon finishing its work should not wait on our idle connection
    }
  } catch (err) {
    if (err instanceof SamsaError && err.code === 'DAEMON_UNAVAILABLE') return {stopped: false, pid: null, dataDir: paths.dataDir}
    throw err
  }
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid) || (await socketAnswers(paths.socket))) {
    if (Date.now() > deadline) {
      throw new SamsaError('TIMEOUT', `daemon pid ${pid} did not stop within ${timeoutMs / 1000} s`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {stopped: true, pid, dataDir: paths.dataDir}
}

// The daemon may close the connection before or right after its answer; either way the stop was asked for.
async function askShutdown(client: LocalClient): Promise<ShutdownResponse> {
  try {
    return (await client.request<ShutdownResponse>(ApiKey.Shutdown, {}, undefined, {noReconnect: true})).body
  } catch (err) {
    if (err instanceof SamsaError && err.code === 'DAEMON_UNAVAILABLE') return {stopping: true}
    throw err
  }
}

async function socketAnswers(socket: string): Promise<boolean> {
  try {
    const c = await Connection.open(socket, {connectTimeoutMs: 500})
    c.destroy()
    return true
  } catch {
    return false
  }
}
