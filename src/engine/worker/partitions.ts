// Opening, closing, reconfiguring and shutting down the partitions a worker owns. Recovery runs inside
// PartitionLog.open; a partition whose log did not open (or was quarantined) stays known but offline.
import {rmSync} from 'node:fs'
import type {FileIo} from '../../storage/file-io.js'
import type {LogConfig} from '../../storage/log-config.js'
import {PartitionLog} from '../../storage/partition-log.js'
import type {OpenResult, PartitionSpec, WatchMessage} from './messages.js'
import {forgetChanged} from './announce.js'
import {groupCommit} from './produce.js'
import {log, owned, state, stats, storageFailed, toWire, watched, type Owned} from './context.js'
import {scheduleTick, stopTicks} from './timers.js'

export function open(specs: PartitionSpec[], io: FileIo | undefined): OpenResult {
  const result: OpenResult = {partitions: []}
  const now = Date.now()
  for (const spec of specs) {
    const label = `${spec.topic}-${spec.partition}`
    const p: Owned = {
      spec, label, log: null, offline: null, activeBase: -1, activeSince: now,
      announcedHwm: -1, announcedLogStart: -1, reportedDamage: new Set(),
    }
    try {
      p.log = PartitionLog.open({dir: spec.dir, config: spec.config, io, log: (line: string) => log(`${label}: ${line}`)})
      const r = p.log.recovery
      if (r.quarantined) p.offline = `quarantined: ${r.quarantined.file} at byte ${r.quarantined.position}: ${r.quarantined.problem}`
      owned.set(spec.id, p)
      p.announcedHwm = p.log.highWatermark
      p.announcedLogStart = p.log.logStartOffset
      result.partitions.push({id: spec.id, stats: stats(p), recovery: {...r, messages: [...r.messages]}})
    } catch (err) {
      p.offline = toWire(err).message
      owned.set(spec.id, p)
      result.partitions.push({id: spec.id, stats: null, recovery: null, error: toWire(err)})
    }
  }
  scheduleTick()
  return result
}

export function close(ids: number[], destroy: boolean): void {
  groupCommit() // answer every acks=all append still waiting for its flush before its log goes away
  for (const id of ids) {
    const p = owned.get(id)
    if (!p) continue
    owned.delete(id)
    watched.delete(id)
    forgetChanged(p)
    try {
      if (destroy) {
        if (p.log) p.log.destroy()
        rmSync(p.spec.dir, {recursive: true, force: true}) // also when the log never opened
      } else {
        p.log?.close()
      }
    } catch (err) {
      log(`closing ${p.label}: ${toWire(err).message}`)
    }
  }
}

export function updateConfig(ids: number[], config: LogConfig): void {
  for (const id of ids) {
    const p = owned.get(id)
    if (!p) continue
    p.spec.config = config
    try {
      p.log?.updateConfig(config)
    } catch (err) {
      storageFailed(p, err)
    }
  }
  scheduleTick()
}

export function watch(msg: WatchMessage): void {
  for (const id of msg.partitions) {
    if (msg.on && owned.has(id)) watched.add(id)
    else watched.delete(id)
  }
}

export function shutdown(): number {
  state.stopping = true
  stopTicks()
  groupCommit() // nobody waiting on an acks=all reply is left without one
  let closed = 0
  for (const p of owned.values()) {
    try {
      if (p.log && p.offline === null) p.log.flush()
      p.log?.close()
      closed++
    } catch (err) {
      log(`closing ${p.label}: ${toWire(err).message}`)
    }
  }
  owned.clear()
  return closed
}
