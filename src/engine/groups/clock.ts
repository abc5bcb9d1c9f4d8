// Time for the group coordinator: now() and one-shot timers. Injected, so tests of session expiry,
// rebalance timeouts and long-poll heartbeats run on a fake clock (advance(ms)) instead of waiting.
// Main thread.

export interface Timer {
  cancel(): void
}

export interface Clock {
  now(): number
  // fn runs once, ms from now, unless cancelled; a real timer does not keep the process alive
  after(ms: number, fn: () => void): Timer
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms))
    t.unref()
    return {cancel: () => clearTimeout(t)}
  },
}
