// Opening and closing partitions on their workers, for topic administration (main thread): open (startup,
// a replacement worker, a new topic), with recovery's findings logged per partition; openNew, all or
// nothing for a topic being created or grown; abandon and destroy, which close partitions on their
// workers and delete their directories. Delete order matters for a failed create: every worker closes
// its share first, then a directory still there is removed, so a delete cannot fail on the descriptors
// (EMFILE) that the create's other partitions still held.
import {rmSync} from 'node:fs'
import {SamsaError} from '../../errors.js'
import {toWireError} from '../../wire-error.js'
import type {LogConfig} from '../../storage/log-config.js'
import type {PartitionRef, PartitionTable} from './partition-table.js'
import {refuseSymlink} from './topic-catalog.js'
import type {OpenResult} from '../worker/messages.js'
import type {WorkerPool} from './worker-pool.js'

// Calls fn once per worker with the ids of its partitions among refs, all workers at once.
export async function forEachWorker(refs: PartitionRef[], fn: (worker: number, ids: number[]) => Promise<unknown>): Promise<void> {
  const byWorker = new Map<number, number[]>()
  for (const r of refs) {
    let ids = byWorker.get(r.worker)
    if (!ids) byWorker.set(r.worker, (ids = []))
    ids.push(r.id)
  }
  await Promise.all([...byWorker].map(([worker, ids]) => fn(worker, ids)))
}

export class PartitionOpener {
  constructor(
    private readonly table: PartitionTable,
    private readonly pool: WorkerPool,
    private readonly log: (line: string) => void,
  ) {}

  // Opens partitions of a topic being created or grown (`what`, for the error). Their directories have no
  // catalog entry yet, so anything already there is a leftover (a failed delete) and is removed first.
  // All or nothing: when one fails (EMFILE, ENOSPC, …), every one is closed and its directory removed.
  async openNew(refs: PartitionRef[], config: LogConfig, what: string): Promise<void> {
    for (const ref of refs) {
      refuseSymlink(ref.dir)
      rmSync(ref.dir, {recursive: true, force: true})
    }
    await this.open(refs, false, config)
    const failed = refs.find((r) => r.offline !== null)
    if (failed) {
      const left = await this.abandon(refs)
      const why = /\b(EMFILE|ENFILE)\b/.test(failed.offline!) ? ' (the daemon ran out of file descriptors: each partition keeps 3 files open; raise `ulimit -n` for the daemon)' : ''
      throw new SamsaError('STORAGE_ERROR', `cannot ${what}: partition ${failed.topic}-${failed.partition}: ${failed.offline}${why}${left}`)
    }
  }

  // Undoes openNew: the workers close and delete the partitions; a directory still there (a worker's
  // delete failed while the descriptors of the others were still open) is removed here, after every
  // worker has closed its share. Returns a note for the error when one still could not be removed.
  async abandon(refs: PartitionRef[]): Promise<string> {
    await this.destroy(refs)
    const left: string[] = []
    for (const ref of refs) {
      try {
        refuseSymlink(ref.dir)
        rmSync(ref.dir, {recursive: true, force: true})
      } catch (err) {
        left.push(ref.dir)
        this.log(`removing ${ref.dir} after a failed create: ${(err as Error).message} (removed at the next start)`)
      }
    }
    return left.length > 0 ? `; ${left.length} partition director(ies) are removed at the next start` : ''
  }

  async open(refs: PartitionRef[], startup: boolean, config?: LogConfig): Promise<{clean: number; recovered: number; offline: number}> {
    const summary = {clean: 0, recovered: 0, offline: 0}
    const {table, log} = this
    const byId = new Map(refs.map((r) => [r.id, r]))
    await forEachWorker(refs, async (worker, ids) => {
      const specs = ids.map((id) => {
        const ref = byId.get(id)!
        try {
          refuseSymlink(ref.dir)
        } catch (err) {
          ref.offline = (err as Error).message
        }
        return {id, topic: ref.topic, partition: ref.partition, dir: ref.dir, config: config ?? table.topic(ref.topic).config}
      })
      const usable = specs.filter((s) => byId.get(s.id)!.offline === null)
      for (const s of specs) {
        const ref = byId.get(s.id)!
        if (ref.offline === null) continue
        summary.offline++
        log(`partition ${ref.topic}-${ref.partition} is offline: ${ref.offline}`)
      }
      const result = await this.pool.request<OpenResult>(worker, {type: 'open', partitions: usable}).catch(
        (err: Error): OpenResult => ({
          partitions: usable.map((s) => ({id: s.id, stats: null, recovery: null, error: toWireError(new SamsaError('PARTITION_OFFLINE', err.message))})),
        }),
      )
      for (const r of result.partitions) {
        const ref = byId.get(r.id)!
        const label = `${ref.topic}-${ref.partition}`
        if (r.error || !r.stats) {
          ref.offline = r.error?.message ?? 'did not open'
          log(`partition ${label} is offline: ${ref.offline}`)
          continue
        }
        ref.highWatermark = r.stats.highWatermark
        ref.logStartOffset = r.stats.logStartOffset
        ref.tail = null // a reopened log (a replacement worker's recovery) may end below the last tail
        if (!r.stats.online) ref.offline = r.recovery?.quarantined?.problem ?? 'offline after recovery'
        const rec = r.recovery
        if (rec && startup) {
          for (const m of rec.messages) log(`recovery ${label}: ${m}`)
          if (rec.clean) summary.clean++
          else {
            summary.recovered++
            log(`recovery ${label}: unclean shutdown; re-read from offset ${rec.recoveredFrom ?? 0}, truncated ${rec.truncatedBytes} byte(s); log end offset ${r.stats.logEndOffset}`)
          }
        }
        if (ref.offline !== null) {
          summary.offline++
          log(`partition ${label} is offline: ${ref.offline}`)
        }
      }
    })
    return summary
  }

  async destroy(refs: PartitionRef[]): Promise<void> {
    await forEachWorker(refs, (worker, ids) =>
      this.pool.request(worker, {type: 'close', partitions: ids, destroy: true}).catch((err: Error) => {
        this.log(`deleting partitions on worker ${worker}: ${err.message} (leftovers are removed at the next start)`)
      }),
    )
  }
}
