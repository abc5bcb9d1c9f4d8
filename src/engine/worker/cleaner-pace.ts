// How long the log cleaner of a worker thread waits between two steps of a pass, so that cleaning does
// not starve the partitions beside it (issue 11: their throughput within 20%) yet runs at full speed
// when the thread has nothing else to do. Worker thread.
//
// The rule: after a step that took d ms, the next one waits d × (1 − BUSY_SHARE) / BUSY_SHARE × u, where
// u is how much of the thread the other work has used lately — the event loop's utilization
// (perf_hooks eventLoopUtilization: time not spent waiting for events, fsyncs and JSON included) minus
// the cleaner's own steps, over a window of WINDOW_MS. A thread saturated by appends and reads (u = 1)
// gives the cleaner BUSY_SHARE of its time; a lightly used one (u = 0.05) barely slows it; with no
// read or write since the last step (noteWork) the next step follows at once.
import {performance} from 'node:perf_hooks'

/** The cleaner's share of a worker thread that appends and reads take whole. */
export const BUSY_SHARE = 0.05
const WINDOW_MS = 250

export class CleanerPace {
  private work = 0 // reads and writes served, counted by noteWork()
  private workAtLastStep = 0
  private lastStepMs = 0
  private window = performance.eventLoopUtilization()
  private windowStart = performance.now()
  private stepsInWindow = 0 // ms of the window the cleaner's own steps took
  private lastUtilization = 0 // the previous window's, while the current one is still short

  noteWork(): void {
    this.work++
  }

  /** Ms to wait before the next step (0: go on now). */
  restMs(): number {
    if (this.lastStepMs === 0 || this.work === this.workAtLastStep) return 0
    const rest = ((this.lastStepMs * (1 - BUSY_SHARE)) / BUSY_SHARE) * this.otherUtilization()
    return rest >= 1 ? rest : 0
  }

  /** A step ran for ms. */
  stepped(ms: number): void {
    this.lastStepMs = ms
    this.workAtLastStep = this.work
    this.stepsInWindow += ms
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
