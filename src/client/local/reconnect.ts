// Finding the daemon again after the connection to it was lost — a restart (`daemon stop` + `start`, an
// upgrade), a kill -9 followed by a supervisor's restart or by auto-start — for the clients that ride it
// out (local-client.ts, option reconnectTimeoutMs).
//
// Dial with capped backoff (25 ms doubling to 250 ms: a daemon answering again is found within a quarter
// second, and a missing socket costs one failed connect(2) per attempt) until timeoutMs after the loss.
// When nobody listens and auto-start is allowed, start one — but only once the outage is AUTOSTART_GRACE_MS
// old, so that a `daemon stop && daemon start`, or a supervisor restarting its daemon, gets there first
// (a daemon we start then loses the data-directory lock to theirs, which autostart.ts takes as "someone
// else won"), and at most every AUTOSTART_EVERY_MS, so a daemon that fails to start is not spawned in a loop.
// Past the timeout: DAEMON_UNAVAILABLE (exit 3), not retriable, one line saying why the last attempt failed.
import {SamsaError, isSamsaError} from '../../errors.js'
import type {DaemonPaths} from '../../protocol/control/data-dir-layout.js'
import {connectFailure} from './autostart.js'
import {Connection, isNoDaemonError, isRetriableConnectError, sleep} from './connection.js'

export const AUTOSTART_GRACE_MS = 1000
const AUTOSTART_EVERY_MS = 2000
const FIRST_WAIT_MS = 25
const MAX_WAIT_MS = 250

export interface ReconnectOptions {
  lostAt: number // when the connection was lost: the timeout counts from here
  timeoutMs: number
  // Starts the daemon (autostart.ts connectOrStart) within ms; absent when auto-start is off.
  start?: (ms: number) => Promise<Connection>
  // Says Hello on a fresh connection; a daemon still starting may drop it (DAEMON_UNAVAILABLE): try again.
  hello: (connection: Connection) => Promise<Connection>
}

export async function reconnect(paths: DaemonPaths, o: ReconnectOptions): Promise<Connection> {
  const deadline = o.lostAt + o.timeoutMs
  let lastStart = 0
  let why: string | null = null
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, MAX_WAIT_MS)) {
    let connection: Connection | null = null
    try {
      connection = await Connection.open(paths.socket, {connectTimeoutMs: Math.max(100, Math.min(2000, deadline - Date.now()))})
    } catch (err) {
      if (!isRetriableConnectError(err)) throw connectFailure(paths, err)
      why = isNoDaemonError(err) ? 'no daemon is running' : (err as Error).message
      const now = Date.now()
      if (o.start && isNoDaemonError(err) && now - o.lostAt >= AUTOSTART_GRACE_MS && now - lastStart >= AUTOSTART_EVERY_MS && now < deadline) {
        lastStart = now
        connection = await o.start(deadline - now).catch((e: unknown) => {
          why = isSamsaError(e) ? e.message : String(e)
          return null
        })
      }
    }
    if (connection) {
      try {
        return await o.hello(connection)
      } catch (err) {
        if (!isSamsaError(err) || err.code !== 'DAEMON_UNAVAILABLE') throw err
        why = err.message
      }
    }
    const left = deadline - Date.now()
    if (left <= 0) {
      throw new SamsaError(
        'DAEMON_UNAVAILABLE',
        `the samsa daemon for ${paths.dataDir} did not come back within ${duration(o.timeoutMs)} of the connection being lost (--reconnect-timeout)${why ? `: ${why}` : ''}`,
        {retriable: false}, // the wait is over: a caller's retry must not start another
      )
    }
    await sleep(Math.min(wait, left))
  }
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`
  return `${+(ms / 60_000).toFixed(1)} min`
}
