// The log cleaner of one worker thread (Kafka's LogCleaner and LogCleanerManager, for the partitions this
// thread owns): which compacted partition to clean and when, running its pass in bounded slices between
// the thread's other messages, and the passes `samsa topic compact` asks for. Worker thread.
//
// Slices: one CleaningPass.step per turn of the event loop — so every message that arrived meanwhile
// (produce, fetch, stats) is handled between two steps, and a step is the longest any of them waits.
// cleaner-pace.ts sizes the steps (1 MiB of reading on an idle thread, about a millisecond's worth on a
// busy one) and the wait between them: none on an idle thread, long enough on a busy one that appends
// and reads keep about 95% of it. One pass at a time per
// thread: the passes share the thread's OffsetMap, allocated on the first pass (a daemon without
// compacted topics never pays its 24 MiB).
// Choosing (check(), on the Ticker's schedule): among the online compacted partitions whose cleaner
// state says cleanableBecause, those past max.compaction.lag.ms first, then the highest dirty ratio
// (Kafka's grabFilthiestCompactedLog). A pass that ended incomplete (the map filled) is followed by the
// next check at once, so a large dirty section is cleaned pass after pass.
// Requested compactions (compact()) come before the daemon's own choice: each listed partition in turn
// rolls its active segment and runs passes with force until one is complete (a dry run: one pass, which
// counts and writes nothing). Their progress (progress()) is the bytes the passes read.
// Failures: a pass that throws (a corrupt batch, a failed write, a map too small for one batch) is logged
// once and the partition is left out of the daemon's own choice until restart, as Kafka marks a log
// uncleanable; a requested compaction reports the error and is still tried when asked again. A failure
// inside a segment swap took the log offline (storage did): the partition goes offline as after any
// storage error. Retention of a partition being cleaned waits for the pass (the Ticker asks isCleaning);
// with compact,delete the pass applies it as it finishes.
import {SamsaError} from '../../errors.js'
import {DEFAULT_CLEANER_STEP_BYTES} from '../../storage/log-cleaner.js'
import type {CleanerStats} from '../../storage/log-cleaner-types.js'
import {OffsetMap} from '../../storage/offset-map.js'
import type {CleaningPass, CleaningResult} from '../../storage/partition-log.js'
import {CleanerPace} from './cleaner-pace.js'
import {toWire, type OpenOwned, type Owned, type WorkerContext} from './context.js'
import {untouchedPartition, type CompactPartitionResult, type CompactWorkerRequest, type CompactionProgress, type PartitionCleanerInfo} from './messages.js'

// A pass given up because the log changed under it is tried again this many times for a request.
const MAX_ABANDONED_RETRIES = 3

interface Running {
  p: OpenOwned
  pass: CleaningPass
  task: Task | null // the requested compaction it serves; null: the daemon's own choice
  startedAt: number
}

// One partition of a compact request.
interface Task {
  job: Job
  id: number
  state: 'queued' | 'cleaning' | 'done'
  doneBytes: number // read by its finished passes
  abandoned: number
  result: CompactPartitionResult
}

interface Job {
  id: number
  dryRun: boolean
  tasks: Task[]
  left: number
}

export class WorkerCleaner {
  private map: OffsetMap | null = null
  private running: Running | null = null
  private readonly queue: Task[] = []
  private readonly uncleanable = new Map<number, string>() // partition id → why
  private scheduled = false
  private stopped = false
  private readonly pace: CleanerPace
  private rested = false
  private readonly loop = (): void => this.turn()

  constructor(
    private readonly ctx: WorkerContext,
    maxStepBytes = DEFAULT_CLEANER_STEP_BYTES,
  ) {
    this.pace = new CleanerPace(maxStepBytes)
  }

  /** The thread served a read or a write: the next step may wait (cleaner-pace.ts). */
  noteWork(): void {
    this.pace.noteWork()
  }

  /** A pass over this partition is running: retention waits for it. */
  isCleaning(p: Owned): boolean {
    return this.running?.p === p
  }

  /** The daemon's own choice, on the Ticker's schedule: start a pass over the filthiest partition. */
  check(now: number): void {
    if (this.stopped || this.running !== null || this.queue.length > 0) return
    let best: {p: OpenOwned; lagged: boolean; ratio: number} | null = null
    for (const p of this.ctx.owned.values()) {
      if (!p.log || p.offline !== null || !p.log.online || !p.spec.config['cleanup.policy'].includes('compact')) continue
      if (this.uncleanable.has(p.spec.id)) continue
      let state
      try {
        state = p.log.cleanerState(now)
      } catch {
        continue // its segment headers cannot be read now: a fetch or the next check will say more
      }
      if (state.cleanableBecause === null) continue
      const lagged = state.maxCompactionDelayMs > 0
      if (!best || (lagged && !best.lagged) || (lagged === best.lagged && state.dirtyRatio > best.ratio)) {
        best = {p: p as OpenOwned, lagged, ratio: state.dirtyRatio}
      }
    }
    if (!best) return
    try {
      const pass = best.p.log.startCleaning(this.offsetMap(), {now})
      if (pass) this.begin(best.p, pass, null)
    } catch (err) {
      void this.failed(best.p, err)
    }
  }

  /** `topic compact`: the listed partitions, one after another; answered when all are done. */
  compact(msg: CompactWorkerRequest): void {
    const job: Job = {id: msg.id, dryRun: msg.dryRun, tasks: [], left: msg.partitions.length}
    for (const id of msg.partitions) {
      const task: Task = {job, id, state: 'queued', doneBytes: 0, abandoned: 0, result: untouchedPartition(id)}
      job.tasks.push(task)
      this.queue.push(task)
    }
    if (job.left === 0) this.ctx.reply(job.id, {partitions: []})
    if (this.stopped) this.stop() // the daemon is stopping: answered at once
    this.kick()
  }

  /** For `topic describe`: the partition's clean/dirty split and what the cleaner does with it. */
  info(p: Owned, now: number): PartitionCleanerInfo | undefined {
    if (!p.log || !p.spec.config['cleanup.policy'].includes('compact')) return undefined
    try {
      const s = p.log.cleanerState(now)
      return {
        cleanBytes: s.cleanBytes,
        dirtyBytes: s.dirtyBytes,
        dirtyRatio: s.dirtyRatio,
        firstDirtyOffset: s.firstDirtyOffset,
        lastCleanedAt: s.lastCleanedAt,
        cleanableBecause: s.cleanableBecause,
        cleaning: this.running?.p === p,
        uncleanable: this.uncleanable.get(p.spec.id) ?? null,
      }
    } catch {
      return undefined
    }
  }

  /** A requested compaction's progress on this partition, or undefined when none covers it. */
  progress(p: Owned): CompactionProgress | undefined {
    const task = this.queue.find((t) => t.id === p.spec.id) ?? (this.running?.p === p ? this.running.task : null)
    if (!task) return undefined
    if (task.state === 'cleaning' && this.running?.task === task) {
      const {done, total} = this.running.pass.progress
      return {state: 'cleaning', done: task.doneBytes + done, total: task.doneBytes + total}
    }
    return {state: 'queued', done: 0, total: estimate(p)}
  }

  /** The partition is closing (or its topic going): its pass gives up, its requests fail. */
  forget(p: Owned, why: string): void {
    if (this.running?.p === p) {
      this.running.pass.abandon(why)
      const task = this.running.task
      this.running = null
      if (task) this.finish(task, new SamsaError('UNKNOWN_PARTITION', `${p.label}: ${why}`))
    }
    for (const task of this.queue.filter((t) => t.id === p.spec.id)) {
      this.queue.splice(this.queue.indexOf(task), 1)
      this.finish(task, new SamsaError('UNKNOWN_PARTITION', `${p.label}: ${why}`))
    }
    this.uncleanable.delete(p.spec.id)
    this.kick()
  }

  /** Its config changed: a pass over a partition that is no longer compacted gives up. */
  configChanged(p: Owned): void {
    if (this.running?.p !== p || p.spec.config['cleanup.policy'].includes('compact')) return
    this.running.pass.abandon('cleanup.policy no longer has compact')
    this.ended(this.running)
  }

  /** Shutdown: the running pass gives up (its .cleaned files go), waiting requests fail. */
  stop(): void {
    this.stopped = true
    const error = new SamsaError('DAEMON_UNAVAILABLE', 'the daemon is stopping; the compaction did not finish')
    if (this.running) {
      this.running.pass.abandon('the daemon is stopping')
      if (this.running.task) this.finish(this.running.task, error)
      this.running = null
    }
    for (const task of this.queue.splice(0)) this.finish(task, error)
  }

  // ── the loop ─────────────────────────────────────────────────────────────────────────────────────
  private kick(): void {
    if (this.scheduled || this.stopped || (this.running === null && this.queue.length === 0)) return
    this.scheduled = true
    setImmediate(this.loop)
  }

  private turn(): void {
    this.scheduled = false
    if (this.stopped) return
    // reads or writes are being served: leave the thread to them for a while first
    const rest = this.rested ? 0 : this.pace.restMs()
    if (rest > 0) {
      this.rested = true
      this.scheduled = true
      setTimeout(this.loop, rest)
      return
    }
    this.rested = false
    if (this.running === null) this.startTask()
    const r = this.running
    if (r !== null) {
      const started = performance.now()
      const read = r.pass.progress.done
      let more = false
      try {
        more = r.pass.step(this.pace.stepBytes())
      } catch (err) {
        this.running = null
        const e = this.failed(r.p, err)
        if (r.task) this.finish(r.task, e)
      }
      this.pace.stepped(performance.now() - started, r.pass.progress.done - read)
      if (!more && this.running === r) this.ended(r)
    }
    this.kick()
  }

  private begin(p: OpenOwned, pass: CleaningPass, task: Task | null): void {
    this.running = {p, pass, task, startedAt: Date.now()}
    this.kick()
  }

  // The next requested partition: roll its active segment, start a forced pass (or finish at once).
  private startTask(): void {
    while (this.running === null) {
      const task = this.queue.shift()
      if (!task) return
      try {
        const {dryRun} = task.job
        const p = dryRun ? this.ctx.readable(task.id) : this.ctx.online(task.id)
        if (task.result.passes === 0 && task.abandoned === 0) {
          if (p.log.online) p.log.roll() // a dry run rolls too, so it counts what the real run would
          task.result.sizeBefore = p.log.sizeInBytes
        }
        task.state = 'cleaning'
        const pass = p.log.startCleaning(this.offsetMap(), {force: true, dryRun})
        if (pass) this.begin(p, pass, task)
        else this.finish(task, null)
      } catch (err) {
        this.finish(task, err)
      }
    }
  }

  private ended(r: Running): void {
    this.running = null
    const result = r.pass.result!
    if (r.task) return this.taskPassEnded(r, result)
    if (result.abandoned) {
      this.ctx.log(`${r.p.label}: cleaning gave up: ${result.abandoned}`)
    } else {
      this.ctx.log(`${r.p.label}: cleaned ${describePass(result, Date.now() - r.startedAt)}`)
      if (result.retention && result.retention.deletedSegments > 0) this.ctx.markChanged(r.p)
      if (!result.complete) this.check(Date.now()) // the map filled: the rest of the dirty section now
    }
  }

  private taskPassEnded(r: Running, result: CleaningResult): void {
    const task = r.task!
    const out = task.result
    task.doneBytes += r.pass.progress.done
    if (result.abandoned) {
      out.abandoned = result.abandoned
      if (++task.abandoned <= MAX_ABANDONED_RETRIES) return void this.queue.unshift(task) // again, first
      return this.finish(task, null)
    }
    if (out.passes === 0) out.firstDirtyOffset = result.firstDirtyOffset
    out.passes++
    out.endOffset = result.endOffset
    out.complete = result.complete
    out.abandoned = null
    addStats(out.stats, result.stats)
    if (result.retention) {
      out.retention ??= {deletedSegments: 0, deletedBytes: 0}
      out.retention.deletedSegments += result.retention.deletedSegments
      out.retention.deletedBytes += result.retention.deletedBytes
      if (result.retention.deletedSegments > 0) this.ctx.markChanged(r.p)
    }
    if (!task.job.dryRun) this.ctx.log(`${r.p.label}: compacted on request: ${describePass(result, Date.now() - r.startedAt)}`)
    // the map filled: another pass takes the rest (a dry run cannot: its checkpoint does not move)
    if (!result.complete && !task.job.dryRun) return void this.queue.unshift(task)
    this.finish(task, null)
  }

  private finish(task: Task, err: unknown): void {
    if (task.state === 'done') return
    task.state = 'done'
    const p = this.ctx.owned.get(task.id)
    if (err !== null && err !== undefined) task.result.error = toWire(err)
    if (p?.log) task.result.sizeAfter = p.log.sizeInBytes
    if (--task.job.left === 0) this.ctx.reply(task.job.id, {partitions: task.job.tasks.map((t) => t.result)})
  }

  // A pass failed: said once, and the daemon's own choice leaves the partition alone until restart. A
  // failure that took the log offline (inside a swap) takes the partition offline, as any storage error.
  private failed(p: OpenOwned, err: unknown): unknown {
    const e = p.offline === null && !p.log.online ? this.ctx.storageFailed(p, err) : err
    const why = toWire(e).message
    this.uncleanable.set(p.spec.id, why)
    this.ctx.log(`${p.label}: cleaning failed; the daemon leaves this partition uncleaned until it restarts: ${why}`)
    return e
  }

  private offsetMap(): OffsetMap {
    this.map ??= new OffsetMap()
    return this.map
  }
}


function addStats(into: CleanerStats, add: CleanerStats): void {
  for (const k of Object.keys(into) as (keyof CleanerStats)[]) into[k] += add[k]
}

// What a queued partition's passes will read, about: the dirty bytes into the map (the active segment
// too, which the request rolls first), then everything below the active segment recopied.
function estimate(p: Owned): number {
  if (!p.log) return 0
  try {
    const s = p.log.cleanerState()
    const active = p.log.segments().at(-1)?.sizeInBytes ?? 0
    return s.cleanBytes + 2 * (s.dirtyBytes + active)
  } catch {
    return p.log.sizeInBytes
  }
}

function describePass(r: CleaningResult, ms: number): string {
  const s = r.stats
  const gone = s.superseded + s.tombstonesExpired + s.keyless
  return (
    `offsets ${r.firstDirtyOffset}..${r.endOffset - 1} in ${ms} ms: ${s.recordsRead} records read, ${gone} removed ` +
    `(${s.superseded} superseded, ${s.tombstonesExpired} tombstones expired, ${s.keyless} keyless), ` +
    `${s.segmentsReplaced} segment(s) replaced by ${s.segmentsWritten}, ${s.bytesRead} → ${s.bytesWritten} bytes${r.complete ? '' : '; more next pass'}`
  )
}
