// The partition worker: what each worker thread of the daemon's pool runs (main.ts builds it around the
// thread's port). It owns the PartitionLogs assigned to it — the only writer of those partitions, so
// appends, reads, retention and rolls of a partition never race — and answers every WorkerRequest from
// the main thread with exactly one reply. Worker thread.
//
// handle() dispatches; the partitions' lifecycle (open, close, config, watch, shutdown) is here, the rest
// in its parts: context.ts (owned partitions, replies, announcements, the offline rule), appender.ts
// (validation, append, acks=all group commit), reads.ts (fetch, list offsets, delete records), timers.ts
// (flush.ms, segment.ms, retention), cleaner.ts (the log cleaner: its passes in slices, `topic compact`),
// failpoints.ts (fault tests). Recovery runs inside PartitionLog.open;
// a partition whose log did not open (or was quarantined) stays known but offline, and a storage error
// takes only that partition offline until restart: the worker's other partitions keep working.
// Built from a port, its init and an environment, so a test can drive one in-process on real storage.
import {rmSync} from 'node:fs'
import type {LogConfig} from '../../storage/log-config.js'
import {PartitionLog} from '../../storage/partition-log.js'
import {Appender} from './appender.js'
import {WorkerCleaner} from './cleaner.js'
import {WorkerContext, toWire, type Owned, type WorkerPort} from './context.js'
import {Failpoints} from './failpoints.js'
import type {OpenResult, PartitionSpec, WatchMessage, WorkerInit, WorkerRequest} from './messages.js'
import {deleteRecords, fetch, listOffsets} from './reads.js'
import {Ticker} from './timers.js'

export class PartitionWorker {
  readonly ctx: WorkerContext
  private readonly failpoints: Failpoints
  private readonly appender: Appender
  private readonly cleaner: WorkerCleaner
  private readonly ticker: Ticker

  constructor(port: WorkerPort, init: WorkerInit, env: NodeJS.ProcessEnv = {}) {
    this.ctx = new WorkerContext(port, init)
    this.failpoints = new Failpoints(env, this.ctx)
    this.appender = new Appender(this.ctx, this.failpoints)
    this.cleaner = new WorkerCleaner(this.ctx)
    this.ticker = new Ticker(this.ctx, this.cleaner)
  }

  handle(msg: WorkerRequest | WatchMessage): void {
    const {ctx} = this
    try {
      switch (msg.type) {
        case 'watch':
          return this.watch(msg)
        case 'produce':
          this.cleaner.noteWork()
          return this.appender.produce(msg)
        case 'fetch':
          this.cleaner.noteWork()
          return fetch(ctx, msg)
        case 'open':
          return ctx.reply(msg.id, this.open(msg.partitions))
        case 'close':
          this.close(msg.partitions, msg.destroy)
          return ctx.reply(msg.id, null)
        case 'listOffsets':
          return ctx.reply(msg.id, listOffsets(ctx, msg.partitions))
        case 'deleteRecords':
          return ctx.reply(msg.id, deleteRecords(ctx, msg.partitions))
        case 'stats': {
          const ids = msg.partitions ?? [...ctx.owned.keys()]
          const list = ids.map((id) => ctx.owned.get(id)).filter((p): p is Owned => p !== undefined)
          if (!msg.cleaner) return ctx.reply(msg.id, {partitions: list.map((p) => ctx.stats(p))})
          const now = Date.now()
          const withCleaner = (p: Owned) => ({...ctx.stats(p), cleaner: this.cleaner.info(p, now), compaction: this.cleaner.progress(p)})
          return ctx.reply(msg.id, {partitions: list.map(withCleaner)})
        }
        case 'compact':
          return this.cleaner.compact(msg)
        case 'stopCleaning':
          this.cleaner.stop()
          return ctx.reply(msg.id, null)
        case 'updateConfig':
          this.updateConfig(msg.partitions, msg.config)
          return ctx.reply(msg.id, null)
        case 'shutdown':
          return ctx.reply(msg.id, this.shutdown())
      }
    } catch (err) {
      ctx.replyError((msg as {id: number}).id, err)
    }
  }

  private open(specs: PartitionSpec[]): OpenResult {
    const {ctx} = this
    const result: OpenResult = {partitions: []}
    const now = Date.now()
    for (const spec of specs) {
      const label = `${spec.topic}-${spec.partition}`
      const p: Owned = {
        spec, label, log: null, offline: null, activeBase: -1, activeSince: now,
        announcedHwm: -1, announcedLogStart: -1, reportedDamage: new Set(),
      }
      try {
        p.log = PartitionLog.open({dir: spec.dir, config: spec.config, io: this.failpoints.io, log: (line: string) => ctx.log(`${label}: ${line}`)})
        const r = p.log.recovery
        if (r.quarantined) p.offline = `quarantined: ${r.quarantined.file} at byte ${r.quarantined.position}: ${r.quarantined.problem}`
        ctx.owned.set(spec.id, p)
        p.announcedHwm = p.log.highWatermark
        p.announcedLogStart = p.log.logStartOffset
        result.partitions.push({id: spec.id, stats: ctx.stats(p), recovery: {...r, messages: [...r.messages]}})
      } catch (err) {
        p.offline = toWire(err).message
        ctx.owned.set(spec.id, p)
        result.partitions.push({id: spec.id, stats: null, recovery: null, error: toWire(err)})
      }
    }
    this.ticker.schedule()
    return result
  }

  private close(ids: number[], destroy: boolean): void {
    const {ctx} = this
    this.appender.groupCommit() // answer every acks=all append still waiting for its flush before its log goes away
    for (const id of ids) {
      const p = ctx.owned.get(id)
      if (!p) continue
      ctx.owned.delete(id)
      ctx.watched.delete(id)
      ctx.forgetChanged(p)
      this.cleaner.forget(p, destroy ? 'its topic was deleted' : 'the partition was closed')
      try {
        if (destroy) {
          if (p.log) p.log.destroy()
          rmSync(p.spec.dir, {recursive: true, force: true}) // also when the log never opened
        } else {
          p.log?.close()
        }
      } catch (err) {
        ctx.log(`closing ${p.label}: ${toWire(err).message}`)
      }
    }
  }

  private updateConfig(ids: number[], config: LogConfig): void {
    const {ctx} = this
    for (const id of ids) {
      const p = ctx.owned.get(id)
      if (!p) continue
      p.spec.config = config
      try {
        p.log?.updateConfig(config)
      } catch (err) {
        ctx.storageFailed(p, err)
      }
      this.cleaner.configChanged(p)
    }
    this.ticker.schedule()
  }

  private watch(msg: WatchMessage): void {
    const {ctx} = this
    for (const id of msg.partitions) {
      if (msg.on && ctx.owned.has(id)) ctx.watched.add(id)
      else ctx.watched.delete(id)
    }
  }

  // Flush and close every partition (clean-shutdown markers); answers how many closed.
  private shutdown(): number {
    const {ctx} = this
    ctx.stopping = true
    this.ticker.stop()
    this.cleaner.stop() // before the logs close: a pass gives up and deletes its .cleaned files
    this.appender.groupCommit() // nobody waiting on an acks=all reply is left without one
    let closed = 0
    for (const p of ctx.owned.values()) {
      try {
        if (p.log && p.offline === null) p.log.flush()
        p.log?.close()
        closed++
      } catch (err) {
        ctx.log(`closing ${p.label}: ${toWire(err).message}`)
      }
    }
    ctx.owned.clear()
    return closed
  }
}
