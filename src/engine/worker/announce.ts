// High-watermark announcements from the worker thread: one `hwm` message per event-loop turn, whatever
// the number of appends, carrying the new high watermarks and log start offsets of the partitions that
// changed, plus the appended bytes of watched partitions (the long-poll wake-up path, worker-messages.ts).
import {owned, post, state, type Owned} from './context.js'

const changed = new Set<Owned>()
let announceScheduled = false

export function markChanged(p: Owned): void {
  changed.add(p)
  if (!announceScheduled) {
    announceScheduled = true
    setImmediate(announce)
  }
}

export function forgetChanged(p: Owned): void {
  changed.delete(p)
}

function announce(): void {
  announceScheduled = false
  const updates: number[] = []
  for (const p of changed) {
    if (!p.log || !owned.has(p.spec.id)) continue
    const hwm = p.log.highWatermark
    const logStart = p.log.logStartOffset
    if (hwm === p.announcedHwm && logStart === p.announcedLogStart) continue
    p.announcedHwm = hwm
    p.announcedLogStart = logStart
    updates.push(p.spec.id, hwm, logStart) // HWM_STRIDE numbers per partition
  }
  changed.clear()
  if (state.tails.length > 0) {
    const sent = state.tails
    state.tails = []
    post({type: 'hwm', updates, tails: sent}, sent.map((t) => t.bytes))
  } else if (updates.length > 0) {
    post({type: 'hwm', updates})
  }
}
