// One cleaning pass over a compacted log (Kafka's Cleaner.doClean), run in bounded steps so the worker
// thread that owns the partition can interleave it with appends and fetches of its other partitions.
//
// Phases, each step doing about `budgetBytes` of reading (a swap or the checkpoint is one step):
//   map     read the cleanable dirty section into the offset map (offset-map-builder.ts); the pass will
//           clean up to endOffset = what the map covers + 1 (all of the dirty section, or where the map
//           filled: the rest waits for the next pass)
//   copy    for each group of the segments below endOffset (log-to-clean.ts groupSegmentsBySize),
//           oldest first, recopy it into one `.cleaned` segment (group-cleaner.ts)
//   swap    replace the group by its cleaned segment (segment-swap.ts replaceSegments: Kafka's suffix
//           protocol); a single segment that lost nothing is left as it is
//   finish  write cleaner-offset.checkpoint = endOffset, then apply retention when cleanup.policy is
//           compact,delete
// Crash safety: groups go oldest first, so a tombstone's group is never swapped before the groups that
// hold the records it deletes (a crash between them cannot bring a deleted key back); the checkpoint
// file exists before the first swap ever (the loader then accepts the gaps cleaning leaves, log-loader.ts)
// and moves only after every swap, so a crash re-cleans at worst. Each swap reopens as the old or the new
// segments (segment-swap.ts); a crash while writing `.cleaned` files leaves files the loader deletes.
// Between steps the log may be appended to, read, rolled, truncated or have retention applied: before
// each step the pass checks that the segments it works on are still in the log, as a run, and gives up
// (deleting its `.cleaned` files) when they are not, or when the log was closed or went offline.
// Failures: damage found while reading (CORRUPT_LOG) or a failed write of a `.cleaned` file
// (STORAGE_ERROR) ends the pass with its `.cleaned` files deleted and the log as it was, online; a
// failure inside a swap takes the log offline (replaceSegments), its files left for the next open.
// Owner: the partition's worker thread; one pass per log at a time, and one pass per offset map at a
// time (a thread's passes share its map: a dry run and a real pass must not interleave on one map).

import {join} from 'node:path'
import {SamsaError} from '../errors.js'
import {RetainedBatchBuilder} from '../format/retained-batch.js'
import {CleanerReader} from './cleaner-reader.js'
import {CLEANER_OFFSET_CHECKPOINT} from './file-names.js'
import {CLEANER_OUT_BYTES, GroupCleaner} from './group-cleaner.js'
import type {LocalLog} from './local-log.js'
import {type CleaningOptions, type CleaningResult, type CleanerStats, emptyCleanerStats} from './log-cleaner-types.js'
import {applyRetention} from './log-deletion.js'
import type {LogSegment} from './log-segment.js'
import {cleanerState, type CleanerState, groupSegmentsBySize} from './log-to-clean.js'
import type {OffsetMap} from './offset-map.js'
import {type DirtySegment, OffsetMapBuilder} from './offset-map-builder.js'
import {replaceSegments} from './segment-swap.js'

/** About 1 MiB of reading per step: a few milliseconds of work between the worker's other jobs. */
export const DEFAULT_CLEANER_STEP_BYTES = 1024 * 1024

type Phase = 'map' | 'copy' | 'swap' | 'finish' | 'done'

/**
 * A pass over the log's cleanable section, or null when there is nothing to clean now (the dirty ratio is
 * below min.cleanable.dirty.ratio and no segment is past max.compaction.lag.ms; with `force`, when no
 * closed segment is below the first uncleanable offset). INVALID_CONFIG for a log that is not compacted.
 */
export function startCleaning(log: LocalLog, map: OffsetMap, options: CleaningOptions = {}): CleaningPass | null {
  if (log.closed || !options.dryRun) log.ensureWritable()
  const policy = log.config['cleanup.policy']
  if (!policy.includes('compact')) {
    throw new SamsaError('INVALID_CONFIG', `${log.dir}: cleanup.policy is ${policy}: only a compacted log (compact, or compact,delete) is cleaned`)
  }
  const now = options.now ?? log.now()
  const state = cleanerState(log, now)
  const segs = log.segments
  const anythingBelow = segs.length > 1 && segs.at(0).baseOffset < state.firstUncleanableOffset
  if (options.force ? !anythingBelow : state.cleanableBecause === null) return null
  return new CleaningPass(log, map, state, now, options.dryRun === true)
}

export class CleaningPass {
  readonly stats: CleanerStats = emptyCleanerStats()
  private phase: Phase = 'map'
  private readonly reader = new CleanerReader()
  private readonly builder = new RetainedBatchBuilder()
  private readonly out = Buffer.allocUnsafe(CLEANER_OUT_BYTES)
  private readonly mapBuilder: OffsetMapBuilder
  private groups: LogSegment[][] = []
  private groupIndex = 0
  private group: GroupCleaner | null = null
  private endOffset = -1
  private swapping = false
  private outcome: CleaningResult | null = null

  constructor(
    private readonly log: LocalLog,
    private readonly map: OffsetMap,
    /** The log's cleaner state when the pass began: its sections. */
    readonly state: CleanerState,
    private readonly now: number,
    readonly dryRun: boolean,
  ) {
    const segs = log.segments.all
    const dirty: DirtySegment[] = []
    for (let i = 0; i < segs.length - 1; i++) {
      const end = segs[i + 1]!.baseOffset
      if (end > state.firstDirtyOffset && segs[i]!.baseOffset < state.firstUncleanableOffset) dirty.push({segment: segs[i]!, end})
    }
    this.mapBuilder = new OffsetMapBuilder(dirty, map, this.reader, state.firstDirtyOffset, this.stats)
  }

  get done(): boolean {
    return this.phase === 'done'
  }

  /**
   * Bytes read so far and about how many the pass reads in all (the dirty section once for the map, then
   * every segment it recopies), for a progress bar; done equals total once the pass is.
   */
  get progress(): {done: number; total: number} {
    const done = this.stats.mapBytes + this.stats.bytesRead
    if (this.done) return {done, total: done}
    const recopy = this.phase === 'map' ? this.state.cleanBytes + this.state.dirtyBytes : this.groups.flat().reduce((n, s) => n + s.size, 0)
    const mapped = this.phase === 'map' ? this.state.dirtyBytes : this.stats.mapBytes
    return {done, total: Math.max(done, mapped + recopy)}
  }

  /** What the pass did (or, on a dry run, would do); null until it is done. */
  get result(): CleaningResult | null {
    return this.outcome
  }

  /**
   * Does about `budgetBytes` of work; returns true while there is more. Gives up quietly (result.abandoned)
   * when the log changed under the pass; throws CORRUPT_LOG or STORAGE_ERROR as described in the header.
   */
  step(budgetBytes = DEFAULT_CLEANER_STEP_BYTES): boolean {
    if (this.phase === 'done') return false
    const why = this.whyAbandon()
    if (why !== null) {
      this.abandon(why)
      return false
    }
    try {
      if (this.phase === 'map') this.mapStep(budgetBytes)
      else if (this.phase === 'copy') this.copyStep(budgetBytes)
      else if (this.phase === 'swap') this.swapStep()
      else this.finish()
    } catch (err) {
      // a swap that failed half way took the log offline: its files are the next open's to finish or roll
      // back; anything else (a swap refused before it began included) leaves no file of the pass behind
      if (!this.swapping || this.log.failure === null) this.discardQuietly()
      this.end(null, 'failed')
      throw err
    }
    return !this.done
  }

  /** Runs every remaining step (tests, the bench, an offline tool); returns the result. */
  run(budgetBytes = DEFAULT_CLEANER_STEP_BYTES): CleaningResult {
    while (this.step(budgetBytes));
    return this.outcome!
  }

  /** Gives the pass up between steps: its `.cleaned` files are deleted, the log stays as it is. */
  abandon(reason = 'abandoned by the caller'): void {
    if (this.phase === 'done') return
    this.discardQuietly()
    this.end(null, reason)
  }

  /** Best effort: a `.cleaned` file that cannot be deleted now goes with the next pass or the next open. */
  private discardQuietly(): void {
    try {
      this.group?.discard()
    } catch (err) {
      this.log.log(`could not delete the cleaner's .cleaned files (${String(err)}); the next open will`)
    }
    this.group = null
  }

  private mapStep(budgetBytes: number): void {
    if (this.mapBuilder.step(budgetBytes)) return
    this.endOffset = this.map.latestOffset + 1
    if (this.mapBuilder.filled && this.endOffset <= this.state.firstDirtyOffset) {
      throw new SamsaError(
        'INVALID_CONFIG',
        `${this.log.dir}: the cleaner's offset map (${this.map.maxEntries} keys) cannot hold the keys of the batch at offset ` +
          `${this.state.firstDirtyOffset}: give the cleaner more memory`,
      )
    }
    const segs = this.log.segments
    // the segments holding offsets below endOffset (none when the pass only re-cleans the clean section)
    const below = this.endOffset <= segs.at(0).baseOffset ? 0 : segs.floorIndex(this.endOffset - 1) + 1
    const bound = segs.at(below).baseOffset
    this.groups = groupSegmentsBySize(segs.all.slice(0, below), this.log.config['segment.bytes'], bound)
    this.phase = this.groups.length > 0 ? 'copy' : 'finish'
  }

  private copyStep(budgetBytes: number): void {
    this.group ??= new GroupCleaner({
      log: this.log,
      group: this.groups[this.groupIndex]!,
      map: this.map,
      reader: this.reader,
      builder: this.builder,
      out: this.out,
      stats: this.stats,
      deleteHorizon: this.now - this.log.config['delete.retention.ms'],
      dryRun: this.dryRun,
    })
    if (this.group.step(budgetBytes)) return
    const g = this.group
    const old = this.groups[this.groupIndex]!
    if (this.dryRun) this.nextGroup()
    else if (g.cleaned!.size === 0 || (old.length === 1 && !g.changed)) {
      g.discard() // nothing to gain from a swap
      this.nextGroup()
    } else {
      this.phase = 'swap'
    }
  }

  private swapStep(): void {
    const old = this.groups[this.groupIndex]!
    const log = this.log
    // the loader accepts gaps once this file exists: it must before the first cleaned segment goes in
    if (log.io.stat(join(log.dir, CLEANER_OFFSET_CHECKPOINT)) === null) log.writeCleanerCheckpoint(this.state.firstDirtyOffset, null)
    this.swapping = true
    replaceSegments(log, [this.group!.cleaned!], old)
    this.swapping = false
    this.stats.segmentsReplaced += old.length
    this.stats.segmentsWritten++
    this.nextGroup()
  }

  private nextGroup(): void {
    this.group = null
    this.groupIndex++
    this.phase = this.groupIndex < this.groups.length ? 'copy' : 'finish'
  }

  private finish(): void {
    let retention = null
    if (!this.dryRun) {
      this.log.writeCleanerCheckpoint(this.endOffset, this.log.now())
      if (this.log.config['cleanup.policy'].includes('delete')) retention = applyRetention(this.log, this.now)
    }
    this.end(retention, null)
  }

  private end(retention: CleaningResult['retention'], abandoned: string | null): void {
    this.phase = 'done'
    this.reader.close()
    const endOffset = this.endOffset >= 0 ? this.endOffset : this.state.firstDirtyOffset
    this.outcome = {
      dryRun: this.dryRun,
      firstDirtyOffset: this.state.firstDirtyOffset,
      endOffset,
      complete: endOffset >= this.state.firstUncleanableOffset,
      stats: this.stats,
      retention,
      abandoned,
    }
  }

  /** Why the pass cannot go on (the log closed, offline, or its segments changed), or null. */
  private whyAbandon(): string | null {
    const log = this.log
    if (log.closed) return 'the log was closed'
    if (!this.dryRun && !log.online) return 'the log went offline'
    const runs = this.phase === 'map' ? [this.mapBuilder.segments] : this.groups.slice(this.groupIndex)
    const all = log.segments.all
    for (const run of runs) {
      if (run.length === 0) continue
      const first = all.indexOf(run[0]!)
      if (first < 0 || first + run.length >= all.length || run.some((s, j) => all[first + j] !== s)) {
        return `segment ${run[0]!.baseOffset} changed under the cleaner (retention, truncation or a roll): cleaning again later`
      }
    }
    return null
  }
}
