// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {humanBytes, table} from '../../cli/output.js'
import {validateTopicName, type Client, type CompactTopicResult} from '../../client/index.js'
import {SamsaError} from '../../errors.js'

const PROGRESS_POLL_MS = 250

export default class TopicCompact extends BaseCommand<typeof TopicCompact> {
  static override summary = 'Compact a topic now: keep the latest record of every key'
  static override description =
    'Rolls the active segment of every partition and runs the log cleaner over it now, whatever the dirty ' +
    'ratio (min.compaction.lag.ms still holds): records a later record of the same key supersedes go, and ' +
    'tombstones older than delete.retention.ms. Offsets never change. Only a compacted topic ' +
    '(cleanup.policy=compact or compact,delete) is compacted. --dry-run counts, per partition, what would go ' +
    'and why (superseded, tombstone expired, keyless) and changes nothing but the roll. On a terminal a ' +
    'progress bar shows the bytes read.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> users',
    '<%= config.bin %> <%= command.id %> users --dry-run',
    '<%= config.bin %> <%= command.id %> users --json',
  ]

  static override args = {
    name: Args.string({description: 'topic name', required: true}),
  }

  static override flags = {
    'dry-run': Flags.boolean({description: 'count what would be removed, per partition and why; change nothing'}),
  }

  public async run(): Promise<CompactTopicResult> {
    const name = this.args.name
    validateTopicName(name) // before connecting: a bad name never starts a daemon
    const dryRun = this.flags['dry-run']
    const client = await this.client()
    const compaction = client.admin.compactTopic(name, {dryRun})
    const result = process.stderr.isTTY ? await withProgressBar(client, name, compaction, dryRun) : await compaction
    this.render(result)
    const failed = result.partitions.find((p) => p.error)
    if (failed?.error) {
      for (const p of result.partitions) if (p.error) process.stderr.write(`samsa: ${name}-${p.partition}: ${p.error.message}\n`)
      if (this.jsonEnabled()) this.logJson(result)
      const e = new SamsaError(failed.error.code, `${name}-${failed.partition}: ${failed.error.message}`)
      return this.exit(e.exitCode)
    }
    return result
  }

  private render(r: CompactTopicResult): void {
    const ok = r.partitions.filter((p) => !p.error)
    let removed = 0
    let records = 0
    for (const p of ok) {
      removed += p.stats.superseded + p.stats.tombstonesExpired + p.stats.keyless
      records += p.stats.recordsRead
    }
    const before = ok.reduce((n, p) => n + p.sizeBefore, 0)
    const after = ok.reduce((n, p) => n + p.sizeAfter, 0)
    if (r.dryRun) {
      this.log(`dry run of topic ${r.topic}: ${removed} of ${records} records would go; nothing was changed`)
    } else {
      this.log(`compacted topic ${r.topic}: ${removed} of ${records} records removed, ${humanBytes(before)} → ${humanBytes(after)}`)
    }
    const gone = r.dryRun ? 'WOULD GO' : 'REMOVED'
    this.log(
      table(
        ['PARTITION', 'RECORDS', gone, 'SUPERSEDED', 'TOMBSTONES EXPIRED', 'KEYLESS', r.dryRun ? 'SIZE' : 'SIZE BEFORE → AFTER', 'PASSES'],
        r.partitions.map((p) => {
          if (p.error) return [p.partition, '', '', '', '', '', '', p.error.code]
          const s = p.stats
          const size = r.dryRun ? humanBytes(p.sizeBefore) : `${humanBytes(p.sizeBefore)} → ${humanBytes(p.sizeAfter)}`
          const passes = p.complete ? p.passes : `${p.passes} (incomplete)`
          return [p.partition, s.recordsRead, s.superseded + s.tombstonesExpired + s.keyless, s.superseded, s.tombstonesExpired, s.keyless, size, passes]
        }),
        {align: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']},
      ),
    )
    if (r.dryRun && ok.some((p) => !p.complete)) {
      this.logToStderr("samsa: note: the cleaner's offset map could not hold every key of a partition marked incomplete: its counts cover the first pass only")
    }
  }
}

// A bar on stderr while the daemon works: the bytes its passes have read, polled on the same connection.
async function withProgressBar(client: Client, name: string, compaction: Promise<CompactTopicResult>, dryRun: boolean): Promise<CompactTopicResult> {
  const cliProgress = (await import('cli-progress')).default // loaded only when drawn
  const bar = new cliProgress.SingleBar(
    {format: `${dryRun ? 'counting' : 'compacting'} {bar} {percentage}% | {read} of {all} read`, stream: process.stderr, hideCursor: true},
    cliProgress.Presets.shades_classic,
  )
  const seen = new Map<number, {done: number; total: number}>()
  let settled = false
  const finished = compaction.finally(() => (settled = true))
  bar.start(1, 0, {read: humanBytes(0), all: '?'})
  let total = 0
  try {
    while (!settled) {
      const progress = await client.admin.compactionProgress(name).catch(() => null)
      for (const p of progress ?? []) {
        const last = seen.get(p.partition)
        // a partition done with its passes is idle again: it stays at its last total
        if (p.state === 'idle') {
          if (last) last.done = last.total
        } else {
          seen.set(p.partition, {done: p.done, total: p.total})
        }
      }
      let done = 0
      total = 0
      for (const s of seen.values()) {
        done += s.done
        total += s.total
      }
      if (total > 0) {
        bar.setTotal(total)
        bar.update(Math.min(done, total), {read: humanBytes(done), all: humanBytes(total)})
      }
      await Promise.race([finished.catch(() => {}), new Promise((r) => setTimeout(r, PROGRESS_POLL_MS))])
    }
    const result = await finished
    bar.update(bar.getTotal(), {read: humanBytes(total), all: humanBytes(total)})
    return result
  } finally {
    bar.stop()
  }
}
