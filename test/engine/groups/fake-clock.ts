// A Clock (engine/groups/clock.ts) that moves only when told: advance(ms) runs the timers that fall due,
// in order, so session expiry and long-poll heartbeats are tested without waiting.
import type {Clock, Timer} from '../../../src/engine/groups/clock.js'

export class FakeClock implements Clock {
  private t = 1_000_000
  private timers: {at: number; fn: () => void; live: boolean}[] = []

  now(): number {
    return this.t
  }

  after(ms: number, fn: () => void): Timer {
    const timer = {at: this.t + Math.max(0, ms), fn, live: true}
    this.timers.push(timer)
    return {cancel: () => void (timer.live = false)}
  }

  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.t = Math.max(this.t, due.at)
      due.live = false
      due.fn()
    }
    this.t = end
    this.timers = this.timers.filter((x) => x.live)
  }
}
