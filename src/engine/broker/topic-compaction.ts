// `samsa topic compact` on the main thread: ask the workers that own a compacted topic's partitions to
// clean them now (worker/cleaner.ts does the passes, in slices between the worker's other messages) and
// gather their answers, and report how far they are. Main thread.
//
// Only a topic whose cleanup.policy has compact is compacted: any other is INVALID_CONFIG naming the topic
// and its policy. Internal topics may be compacted (cleaning changes no record a reader can see as the
// latest of its key). The request resolves when every partition is done, each with its own result or
// error; the workers of a topic work in parallel, the partitions of one worker one after another.
// Progress: the bytes each partition's passes have read and about how many they will read in all.
import {SamsaError} from '../../errors.js'
import type {CleanerStats} from '../../storage/log-cleaner-types.js'
import {fromWireError, type WireError} from '../../wire-error.js'
import {untouchedPartition, type CompactResult, type PartitionStats} from '../worker/messages.js'
import {forEachWorker} from './partition-opener.js'
import type {PartitionRef, PartitionTable, TopicEntry} from './partition-table.js'
import type {WorkerPool} from './worker-pool.js'

export interface CompactedPartition {
  partition: number
  passes: number // cleaning passes run (0: nothing to clean)
  complete: boolean // the whole dirty section was cleaned (false on a dry run when the offset map filled)
  firstDirtyOffset: number // where the first pass began (-1: no pass)
  endOffset: number // the log is clean below this now (a dry run: would be)
  sizeBefore: number // bytes, after the roll
  sizeAfter: number
  stats: CleanerStats // summed over the passes: records read, kept, and removed by reason
  retention: {deletedSegments: number; deletedBytes: number} | null // compact,delete: what retention deleted after
  abandoned: string | null // why the last pass gave up (the log changed under it), or null
  error?: SamsaError
}

export interface TopicCompaction {
  topic: string
  dryRun: boolean
  partitions: CompactedPartition[]
}

export interface CompactionProgressEntry {
  partition: number
  state: 'idle' | 'queued' | 'cleaning' // idle: no requested compaction covers it now
  done: number // bytes read so far
  total: number // about how many in all
}

export class TopicCompactor {
  constructor(
    private readonly table: PartitionTable,
    private readonly pool: WorkerPool,
    private readonly stats: (refs: PartitionRef[], cleaner: boolean) => Promise<Map<number, PartitionStats>>,
  ) {}

  async compact(name: string, dryRun: boolean): Promise<TopicCompaction> {
    const entry = compacted(this.table.topic(name))
    const results = new Map<number, CompactedPartition>()
    await forEachWorker(entry.partitions, async (worker, ids) => {
      try {
        const r = await this.pool.request<CompactResult>(worker, {type: 'compact', partitions: ids, dryRun})
        for (const {error, ...p} of r.partitions) results.set(p.partition, {...p, ...(error ? {error: fromWireError(error)} : {})})
      } catch (err) {
        for (const id of ids) results.set(id, failed(id, err))
      }
    })
    const partitions = entry.partitions.map((ref) => ({...(results.get(ref.id) ?? failed(ref.id, null)), partition: ref.partition}))
    return {topic: entry.meta.name, dryRun, partitions}
  }

  async progress(name: string): Promise<CompactionProgressEntry[]> {
    const entry = compacted(this.table.topic(name))
    const stats = await this.stats(entry.partitions, true)
    return entry.partitions.map((ref) => {
      const c = stats.get(ref.id)?.compaction
      return c ? {partition: ref.partition, ...c} : {partition: ref.partition, state: 'idle', done: 0, total: 0}
    })
  }
}

function compacted(entry: TopicEntry): TopicEntry {
  const policy = entry.config['cleanup.policy']
  if (!policy.includes('compact')) {
    const name = entry.meta.name
    throw new SamsaError(
      'INVALID_CONFIG',
      `topic ${name} has cleanup.policy=${policy}: only a compacted topic (compact, or compact,delete) is compacted; ` +
        `make it one with: samsa topic alter ${name} --config cleanup.policy=compact`,
    )
  }
  return entry
}

function failed(id: number, err: unknown): CompactedPartition {
  const error = err instanceof SamsaError ? err : err ? fromWireError(err as WireError) : new SamsaError('INTERNAL', 'the owning worker gave no answer')
  return {...untouchedPartition(id), complete: false, error}
}
