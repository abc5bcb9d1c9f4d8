// `consume --exec`: what happens to the records of one poll. Each record (or, with --exec-batch, each
// partition's run of records) goes to CMD, formatted as `consume` would print it (--format, --jsonl and
// --delimiter apply), in offset order per partition. After a success the records count as delivered
// (onDelivered), so their offsets may be committed; after a failure that outlasted --retries they are
// parked in the dead-letter topic and then count as delivered, or, without one, the consumer stops with
// EXEC_FAILED and nothing from the failed record on is committed.
// `stop()` is asked between runs: a rebalance or an interrupt leaves the rest undelivered (a group
// member's next owner, or its next consumer, reads them again from the committed offset).
import {SamsaError} from '../../errors.js'
import {OutputBuffer} from '../lines/output-buffer.js'
import type {FormatSource, RecordFormatter} from '../lines/record-format.js'
import type {DeadLetterQueue, ParkedRecord} from './dead-letter.js'
import {recordEnv, type ExecRunner} from './exec-runner.js'

export interface CollectedRecord extends ParkedRecord {
  index: number // the consumer cursor's
  source: FormatSource
}

export interface ExecProcessorOptions {
  runner: ExecRunner
  formatter: RecordFormatter
  batch: boolean
  group?: string
  deadLetter: DeadLetterQueue | null
  warn: (message: string) => void
}

export class ExecProcessor {
  constructor(private readonly o: ExecProcessorOptions) {}

  /** Runs CMD over `records`; returns how many were delivered (done or parked) before stop() said so. */
  async process(records: readonly CollectedRecord[], onDelivered: (index: number, lastOffset: number) => Promise<void>, stop: () => boolean): Promise<number> {
    let delivered = 0
    for (const run of this.o.batch ? runsByPartition(records) : records.map((r) => [r])) {
      if (stop()) break
      const first = run[0]!
      const last = run[run.length - 1]!
      const out = new OutputBuffer(1024)
      for (const r of run) this.o.formatter.write(out, r.source, r)
      const batch = this.o.batch ? {lastOffset: last.offset, count: run.length} : undefined
      const env = recordEnv(first.topic, first.partition, first.offset, first.timestamp, first.key, this.o.group, batch)
      const outcome = await this.o.runner.run(out.take() ?? Buffer.alloc(0), env)
      const where = `${first.topic}-${first.partition} offset ${first.offset}${run.length > 1 ? `..${last.offset}` : ''}`
      if (!outcome.ok) {
        if (stop()) break // interrupted while it ran: not a verdict on the record
        const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`
        if (!this.o.deadLetter) {
          throw new SamsaError('EXEC_FAILED', `--exec failed on ${where} (${outcome.status}, ${tries}); it is not committed`)
        }
        await this.o.deadLetter.park(run, outcome.status, outcome.attempts)
        this.o.warn(`--exec failed on ${where} (${outcome.status}, ${tries}): parked in dead-letter topic ${this.o.deadLetter.topic}`)
      }
      delivered += run.length
      await onDelivered(first.index, last.offset)
    }
    return delivered
  }
}

// Consecutive records of the same partition, in the order fetched.
function runsByPartition(records: readonly CollectedRecord[]): CollectedRecord[][] {
  const byIndex = new Map<number, CollectedRecord[]>()
  for (const r of records) {
    let run = byIndex.get(r.index)
    if (!run) byIndex.set(r.index, (run = []))
    run.push(r)
  }
  return [...byIndex.values()]
}
