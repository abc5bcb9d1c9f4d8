// Long-poll fetches parked until new data: a fetch that found fewer than minBytes waits here, indexed by
// the partitions it reads, until a worker announces a new high watermark for one of them (notify) or its
// maxWait runs out. Runs on the main thread.
//
// Wake-up is on the announcement's path with no timer or queue in between: notify() removes the waiter
// from every index entry and calls its wake function synchronously, which re-issues the fetch at once
// (target: p99 < 2 ms from append to response). Each waiter holds exactly one timer.
export type WakeReason = 'data' | 'timeout' | 'cancel'

export interface Waiter {
  readonly partitions: readonly number[]
  readonly wake: (reason: WakeReason) => void
  timer: NodeJS.Timeout | null
  done: boolean
}

export class FetchWaiters {
  private readonly byPartition = new Map<number, Set<Waiter>>()
  private readonly all = new Set<Waiter>()

  get size(): number {
    return this.all.size
  }

  park(partitions: readonly number[], maxWaitMs: number, wake: (reason: WakeReason) => void): Waiter {
    const w: Waiter = {partitions, wake, timer: null, done: false}
    for (const id of partitions) {
      let set = this.byPartition.get(id)
      if (!set) this.byPartition.set(id, (set = new Set()))
      set.add(w)
    }
    this.all.add(w)
    w.timer = setTimeout(() => this.finish(w, 'timeout'), Math.max(0, maxWaitMs))
    return w
  }

  // A worker announced new data (or a new log start) for this partition: wake everything parked on it.
  notify(partitionId: number): void {
    const set = this.byPartition.get(partitionId)
    if (!set) return
    for (const w of [...set]) this.finish(w, 'data')
  }

  cancel(w: Waiter): void {
    this.finish(w, 'cancel')
  }

  // Shutdown: every parked fetch answers now with what it has.
  wakeAll(): void {
    for (const w of [...this.all]) this.finish(w, 'timeout')
  }

  private finish(w: Waiter, reason: WakeReason): void {
    if (w.done) return
    w.done = true
    if (w.timer) clearTimeout(w.timer)
    w.timer = null
    this.all.delete(w)
    for (const id of w.partitions) {
      const set = this.byPartition.get(id)
      if (!set) continue
      set.delete(w)
      if (set.size === 0) this.byPartition.delete(id)
    }
    w.wake(reason)
  }
}
