// When a request that failed is worth sending again, for the long-running clients (Producer, Consumer)
// that ride out a daemon restart: the error is retriable (DAEMON_UNAVAILABLE: the connection was lost or
// the daemon is restarting; TIMEOUT: a worker being replaced, an fsync slower than timeoutMs) and the
// outage, counted from its first failure, is younger than the reconnect timeout. The wait before each
// attempt doubles from 25 ms to at most 1 s; the backend's own reconnect (local/local-client.ts) blocks a
// request until the daemon answers again, so this only paces errors that come back at once.
// Only requests that are safe to repeat are retried: a fetch (reads nothing twice: its offsets are the
// consumer's positions) and an idempotent producer's produce (the daemon appends a retried batch once).
import {isSamsaError} from '../errors.js'

export const DEFAULT_RECONNECT_TIMEOUT_MS = 5 * 60 * 1000
const FIRST_DELAY_MS = 25
const MAX_DELAY_MS = 1000

/** The wait before attempt `attempt` (1 = the first retry), or null to give up and report `err`. */
export function retryDelay(err: unknown, firstFailureAt: number, attempt: number, timeoutMs: number): number | null {
  if (!(timeoutMs > 0) || !isSamsaError(err) || !err.retriable) return null
  if (Date.now() - firstFailureAt >= timeoutMs) return null
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 10))
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
