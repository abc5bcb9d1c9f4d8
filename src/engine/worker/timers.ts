// The worker thread's timer: flush.ms (flushIfDue), segment.ms rolls and retention (every
// retentionCheckMs and after every roll). One unref'd timeout, paced by the smallest flush.ms of the
// worker's partitions (at least 10 ms); segment and retention checks keep the tickMs pace.
import {NEVER} from '../../storage/log-config.js'
import {markChanged} from './announce.js'
import {init, log, owned, state, storageFailed} from './context.js'

let tickTimer: NodeJS.Timeout | null = null
let lastRetentionAt = Date.now()
let lastSlowTickAt = 0

function tickInterval(): number {
  let ms = init.tickMs
  for (const p of owned.values()) {
    const f = p.spec.config['flush.ms']
    if (f < ms) ms = f
  }
  return Math.max(10, ms)
}

export function scheduleTick(): void {
  if (state.stopping) return
  if (tickTimer) clearTimeout(tickTimer)
  tickTimer = setTimeout(tick, tickInterval())
  tickTimer.unref()
}

export function stopTicks(): void {
  if (tickTimer) clearTimeout(tickTimer)
  tickTimer = null
}

function tick(): void {
  tickTimer = null
  const now = Date.now()
  const retentionDue = now - lastRetentionAt >= init.retentionCheckMs
  if (retentionDue) lastRetentionAt = now
  // a small flush.ms makes the tick fast; segment and retention checks keep the tickMs pace
  const slow = now - lastSlowTickAt >= init.tickMs
  if (slow) lastSlowTickAt = now
  for (const p of owned.values()) {
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
      if (active && active.sizeInBytes > 0 && now - p.activeSince >= config['segment.ms']) {
        l.roll()
        rolled = true
        log(`${p.label}: rolled a new segment after segment.ms=${config['segment.ms']}`)
      }
      if (rolled || retentionDue) {
        const r = l.applyRetention(now)
        if (r.deletedSegments > 0) {
          log(`${p.label}: retention deleted ${r.deletedSegments} segment(s), ${r.deletedBytes} bytes; log start offset now ${l.logStartOffset}`)
          markChanged(p)
        }
      }
    } catch (err) {
      storageFailed(p, err)
    }
  }
  scheduleTick()
}
