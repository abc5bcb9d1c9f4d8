// How big a step of a cleaning pass the log cleaner of a worker thread takes, and how long it waits before
// the next, so that cleaning does not starve the partitions beside it (issue 11: their throughput within
// 20%) yet runs at full speed when the thread has nothing else to do. Worker thread.
//
// Busy: the thread served a read or a write (noteWork) in the last RECENT_MS — a light load that sends a
// request every few ms is busy all along, not only in the steps right after one of its requests.
// Size: a produce or fetch that arrives during a step waits for it, so on a busy thread a step reads only
// what BUSY_STEP_MS takes at the rate the last steps ran (at least MIN_STEP_BYTES); on an idle thread it
// reads the caller's maximum (1 MiB).
// Wait: after a step that took d ms, the next one waits d × (1 − BUSY_SHARE) / BUSY_SHARE × u, where u
// is how much of the thread the other work has used lately — the event loop's utilization (perf_hooks
// eventLoopUtilization: time not spent waiting for events, fsyncs and JSON included) minus the cleaner's
// own steps, over a window of WINDOW_MS. A thread saturated by appends and reads (u = 1) gives the
// cleaner BUSY_SHARE of its time; a lightly used one (u = 0.05) gives it about half; on an idle thread
// the next step follows at once.
import {performance} from 'node:perf_hooks'

/** The cleaner's share of a worker thread that appends and reads take whole. */
export const BUSY_SHARE = 0.05
/** How long a step may hold up a read or write that arrives during it, about. */
export const BUSY_STEP_MS = 1
const MIN_STEP_BYTES = 32 * 1024
const WINDOW_MS = 250
const RECENT_MS = 100

export class CleanerPace {
  private lastWorkAt = -Infinity // performance.now() of the last read or write served
  private lastStepMs = 0
  private bytesPerMs = 0 // the steps' rate, smoothed; 0 until a step is measured
  private window = performance.eventLoopUtilization()
  private windowStart = performance.now()
  private stepsInWindow = 0 // ms of the window the cleaner's own steps took
  private lastUtilization = 0 // the previous window's, while the current one is still short

  constructor(private readonly maxStepBytes: number) {}

  noteWork(): void {
    this.lastWorkAt = performance.now()
  }

  /** Bytes the next step may read. */
  stepBytes(): number {
    if (!this.busy() || this.bytesPerMs === 0) return this.maxStepBytes
    return Math.max(MIN_STEP_BYTES, Math.min(this.maxStepBytes, Math.round(this.bytesPerMs * BUSY_STEP_MS)))
  }

  /** Ms to wait before the next step (0: go on now). */
  restMs(): number {
    if (this.lastStepMs === 0 || !this.busy()) return 0
    const rest = ((this.lastStepMs * (1 - BUSY_SHARE)) / BUSY_SHARE) * this.otherUtilization()
    return rest >= 1 ? rest : 0
  }

  /** A step ran for ms and read bytes. */
  stepped(ms: number, bytes: number): void {
    this.lastStepMs = ms
    this.stepsInWindow += ms
    // steps that read little (a swap, the end of a segment) say nothing about the rate
    if (bytes >= MIN_STEP_BYTES && ms > 0) {
      const rate = bytes / ms
      this.bytesPerMs = this.bytesPerMs === 0 ? rate : 0.7 * this.bytesPerMs + 0.3 * rate
    }
  }

  private busy(): boolean {
    return performance.now() - this.lastWorkAt < RECENT_MS
  }

  // The share of the thread's time the other work took over the recent window, 0..1.
  private otherUtilization(): number {
    const elu = performance.eventLoopUtilization(this.window)
    const other = Math.max(0, elu.active - this.stepsInWindow)
    const total = elu.active + elu.idle - this.stepsInWindow
    const u = total > 0 ? Math.min(1, other / total) : 0
    const age = performance.now() - this.windowStart
    if (age >= WINDOW_MS) {
      this.lastUtilization = u
      this.window = performance.eventLoopUtilization()
      this.windowStart = performance.now()
      this.stepsInWindow = 0
    }
    return age < WINDOW_MS / 4 ? Math.max(u, this.lastUtilization) : u
  }
}
