// A worker thread's timer: flush.ms (flushIfDue), segment.ms rolls and retention (every retentionCheckMs
// and after every roll), and, with retention, the expiry of idle idempotent producers. One unref'd
// timeout, paced by the smallest flush.ms of the worker's partitions (at least 10 ms); segment and
// retention checks keep the tickMs pace, and so does the log cleaner's check (cleaner.ts). Rolls by age
// follow maxSegmentMs: segment.ms, or a compacted topic's shorter max.compaction.lag.ms (the cleaner
// never touches the active segment). Retention (cleanup.policy with delete) skips a partition while a
// cleaning pass runs over it: the pass applies it as it finishes. Worker thread.
import {NEVER, maxSegmentMs} from '../../storage/log-config.js'
import type {WorkerCleaner} from './cleaner.js'
import type {WorkerContext} from './context.js'

export class Ticker {
  private timer: NodeJS.Timeout | null = null
  private lastRetentionAt = Date.now()
  private lastSlowTickAt = 0
  private readonly onTick = (): void => this.tick()

  constructor(
    private readonly ctx: WorkerContext,
    private readonly cleaner: WorkerCleaner,
  ) {}

  // (Re)arms the timer at the pace the worker's partitions need now.
  schedule(): void {
    if (this.ctx.stopping) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(this.onTick, this.interval())
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private interval(): number {
    let ms = this.ctx.init.tickMs
    for (const p of this.ctx.owned.values()) {
      const f = p.spec.config['flush.ms']
      if (f < ms) ms = f
    }
    return Math.max(10, ms)
  }

  private tick(): void {
    const {ctx} = this
    this.timer = null
    const now = Date.now()
    const retentionDue = now - this.lastRetentionAt >= ctx.init.retentionCheckMs
    if (retentionDue) this.lastRetentionAt = now
    // a small flush.ms makes the tick fast; segment and retention checks keep the tickMs pace
    const slow = now - this.lastSlowTickAt >= ctx.init.tickMs
    if (slow) this.lastSlowTickAt = now
    for (const p of ctx.owned.values()) {
      if (p.offline !== null || !p.log) continue
      try {
        const config = p.spec.config
        const l = p.log
        if (config['flush.ms'] < NEVER) l.flushIfDue(now)
        if (!slow && !retentionDue) continue
        let rolled = false
        const segments = l.segments()
        const active = segments[segments.length - 1]
        if (active && active.baseOffset !== p.activeBase) {
          p.activeBase = active.baseOffset
          p.activeSince = now
          if (segments.length > 1) rolled = true // storage rolled by size since the last tick
        }
        if (active && active.sizeInBytes === 0) p.activeSince = now // segment.ms counts from the first write
        const rollMs = maxSegmentMs(config)
        if (active && active.sizeInBytes > 0 && now - p.activeSince >= rollMs) {
          l.roll()
          rolled = true
          const why = rollMs === config['segment.ms'] ? 'segment.ms' : 'max.compaction.lag.ms'
          ctx.log(`${p.label}: rolled a new segment after ${why}=${rollMs}`)
        }
        if (retentionDue) {
          const expired = l.expireProducers(now)
          if (expired > 0) ctx.log(`${p.label}: forgot ${expired} idempotent producer(s) idle for producer.id.expiration.ms`)
        }
        if ((rolled || retentionDue) && !this.cleaner.isCleaning(p)) {
          const r = l.applyRetention(now)
          if (r.deletedSegments > 0) {
            ctx.log(`${p.label}: retention deleted ${r.deletedSegments} segment(s), ${r.deletedBytes} bytes; log start offset now ${l.logStartOffset}`)
            ctx.markChanged(p)
          }
        }
      } catch (err) {
        ctx.storageFailed(p, err)
      }
    }
    if (slow) this.cleaner.check(now)
    this.schedule()
  }
}
