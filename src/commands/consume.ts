// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../cli/base-command.js'
import {unescapeBytes} from '../cli/lines/escapes.js'
import {TimeMerger} from '../cli/lines/merge-by-time.js'
import {OutputBuffer} from '../cli/lines/output-buffer.js'
import {listPositions, parseReconnectTimeout, reconnectTimeoutFlag, restartedLine} from '../cli/reconnect.js'
import {watchStdoutReader} from '../cli/stdout-reader.js'
import {
  EnvelopeFormatter,
  formatSource,
  TemplateFormatter,
  ValueFormatter,
  type FormatRecord,
  type FormatSource,
  type RecordFormatter,
} from '../cli/lines/record-format.js'
import {parseDurationFlag} from '../cli/durations.js'
import type {CollectedRecord, ExecProcessor} from '../cli/exec/exec-processor.js'
import type {Consumer, ConsumerOptions, PartitionCursor} from '../client/consumer.js'
import type {GroupConsumer} from '../client/group-consumer.js'
import {validateGroupId, validateTopicName, type Client, type ClientOptions} from '../client/index.js'
import {parseOffsetSpec} from '../client/offset-spec.js'
import {SamsaError} from '../errors.js'

export interface ConsumeResult {
  records: number
  interrupted: boolean
}

export default class Consume extends BaseCommand<typeof Consume> {
  static override summary = 'Print the records of one or more topics, one per line'
  static override description =
    'By default reads every partition from the beginning to the end as it was when the command started, ' +
    'then exits (like cat); --follow keeps waiting for new records (like tail -f). Output is written once per ' +
    'fetched batch, never held back in a pipe. --from/--until take beginning, end, an offset N, -N (the last ' +
    'N records of each partition), @TIME (ISO-8601, UTC unless a zone is given, or epoch ms) or -DURATION ' +
    '(-10s, -30m, -1h, -2d); --until is exclusive. --jsonl writes a lossless envelope that produce --jsonl ' +
    'reads back: byte fields that are not UTF-8 appear as {"base64": "…"}. A partition that fails (a corrupt ' +
    'batch on disk, a partition offline) stops there after printing every record below the failure; the ' +
    'other partitions are read to their end, then the command exits with that error (7 for a corrupt batch, ' +
    'whose message names the file, byte and the --from that reads past it). With --follow it exits at once on ' +
    'such a failure, but rides out a daemon restart: it reconnects (within --reconnect-timeout), says so in one ' +
    'line on stderr and goes on from the record after the last one it printed; and it exits quietly as soon as ' +
    'the reader of its output goes away (`| head -1`). ' +
    'With --group G the command is a member of consumer group G: the group\'s members share the partitions ' +
    '(the daemon assigns them and hands them over as members come and go), each starts at the group\'s ' +
    'committed offset (--from applies where there is none), and what was printed and flushed is committed. ' +
    '--exec CMD runs CMD once per record (or per partition batch with --exec-batch) with the record on its ' +
    'stdin, as it would be printed, and SAMSA_TOPIC, SAMSA_PARTITION, SAMSA_OFFSET, SAMSA_TIMESTAMP, ' +
    'SAMSA_KEY (or SAMSA_KEY_BASE64), SAMSA_GROUP and SAMSA_ATTEMPT in its environment (with --exec-batch: ' +
    'SAMSA_LAST_OFFSET and SAMSA_COUNT); a record counts as done, and may be committed, only once CMD exits 0.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> logs',
    '<%= config.bin %> <%= command.id %> logs --follow | grep ERROR',
    '<%= config.bin %> <%= command.id %> logs --from -1h --format \'%T{iso} %k %s\\n\'',
    '<%= config.bin %> <%= command.id %> logs --from -10 --partition 0',
    '<%= config.bin %> <%= command.id %> orders payments --merge-by-time --jsonl',
    '<%= config.bin %> <%= command.id %> logs --from @2026-11-20T09:00:00Z --until @2026-11-20T10:00:00Z --count 100',
    '<%= config.bin %> <%= command.id %> logs --group alerting --follow',
    '<%= config.bin %> <%= command.id %> jobs --group workers --follow --exec \'./handle.sh\' --retries 3 --dead-letter jobs-failed',
    '<%= config.bin %> <%= command.id %> events --group loader --follow --jsonl --exec-batch --exec \'psql -c "\\copy t from stdin"\'',
  ]

  static override strict = false // several topics

  // oclif's generated usage nests the dependsOn/exclusive flags into something unreadable
  static override usage = '<%= command.id %> TOPIC... [--follow] [--from SPEC] [--until SPEC] [--partition P... | --group G] [--format FMT | --jsonl] [FLAGS]'

  static override args = {
    topic: Args.string({description: 'topic(s) to read', required: true}),
  }

  // The records are this command's result: --json is --jsonl (kcat's -J), and stdout stays a stream of
  // records, errors included (they go to stderr only), so `consume --json | produce --jsonl` always works.
  static override enableJsonFlag = false

  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'keep waiting for new records (like tail -f)'}),
    from: Flags.string({char: 'o', description: 'where to start: beginning|end|N|-N|@TIME|-DURATION', default: 'beginning'}),
    until: Flags.string({description: 'where to stop (exclusive), same syntax as --from'}),
    partition: Flags.integer({char: 'p', description: 'only this partition (repeatable)', min: 0, multiple: true, multipleNonGreedy: true}),
    count: Flags.integer({char: 'c', description: 'exit after this many records', min: 1}),
    format: Flags.string({
      description: 'kcat-style output: %s value, %k key, %t topic, %p partition, %o offset, %T timestamp ms, %T{iso}, %h headers, %S/%K sizes, %R value size as a 4-byte big-endian integer (kcat), %% a percent sign, \\n \\t',
      exclusive: ['jsonl', 'json'],
    }),
    jsonl: Flags.boolean({description: 'one lossless JSON envelope per record: {"topic","partition","offset","timestamp","key","value","headers"}'}),
    json: Flags.boolean({description: 'the same as --jsonl: the records are the result, one JSON envelope per line', helpGroup: 'GLOBAL'}),
    'merge-by-time': Flags.boolean({description: 'emit the records of all partitions and topics in timestamp order', exclusive: ['exec']}),
    group: Flags.string({char: 'g', description: 'consumer group: share the partitions with its other members, start from its committed offsets, commit what was printed'}),
    'commit-interval': Flags.string({description: 'with --group: commit at most this often while reading (default 1s; 0: after every batch)', dependsOn: ['group']}),
    commit: Flags.boolean({description: 'with --group: commit what was printed (--no-commit: read as a member, commit nothing)', allowNo: true, default: true}),
    'instance-id': Flags.string({description: 'with --group: static membership — a member that restarts within the session timeout gets its partitions back without a rebalance', dependsOn: ['group']}),
    assignor: Flags.string({description: 'with --group: how the daemon shares the partitions', options: ['sticky', 'range', 'roundrobin'], dependsOn: ['group']}),
    'session-timeout': Flags.string({description: 'with --group: a member not heard from this long is removed and its partitions move (default 10s)', dependsOn: ['group']}),
    exec: Flags.string({description: 'run this shell command once per record (or batch), the record on its stdin; commit only when it exits 0'}),
    'exec-batch': Flags.boolean({description: 'with --exec: run the command once per fetched batch of a partition instead of once per record', dependsOn: ['exec']}),
    retries: Flags.integer({description: 'with --exec: run a failing command again up to N times, with backoff (100 ms doubling, at most 5 s)', min: 0, dependsOn: ['exec']}),
    'dead-letter': Flags.string({description: 'with --exec: park a record the command keeps failing on in this topic, and go on', dependsOn: ['exec']}),
    'null-marker': Flags.string({description: 'print null keys and values as this text (default: nothing)'}),
    delimiter: Flags.string({char: 'D', description: 'record separator when printing values (escapes \\n \\t \\0)', default: '\\n', exclusive: ['format', 'jsonl', 'json']}),
    'reconnect-timeout': reconnectTimeoutFlag({when: 'with --follow: '}),
  }

  private interrupted = false
  private wakeInterrupt: (() => void) | null = null
  private records = 0
  private limit = Infinity
  private readonly out = new OutputBuffer(64 * 1024, {stage: true})
  private formatter!: RecordFormatter
  private group: GroupConsumer | null = null
  private failed: PartitionCursor | undefined
  private reconnectTimeoutMs = 0
  private following: Consumer | null = null // whose positions a reconnect reports

  // --follow rides out a daemon restart: the client waits for it, the consumer fetches again from where
  // it was, and one line says so.
  protected override get clientOptions(): ClientOptions {
    return {
      ...super.clientOptions,
      reconnectTimeoutMs: this.reconnectTimeoutMs,
      onReconnected: ({startedPid}) => {
        const at = (this.following?.assignments ?? []).filter((c) => !c.done).map((c) => ({topic: c.topic, partition: c.partition, offset: c.position}))
        process.stderr.write(restartedLine(startedPid, `resumed at ${listPositions(at) || 'the end'}`))
        this.group?.reconnected()
      },
    }
  }

  public async run(): Promise<ConsumeResult> {
    const topics = [...new Set(this.positional)]
    for (const t of topics) validateTopicName(t)
    const f = this.flags
    if (f.follow) this.reconnectTimeoutMs = parseReconnectTimeout(f['reconnect-timeout'])
    const now = Date.now()
    const from = parseOffsetSpec(f.from, '--from', now)
    const until = f.until === undefined ? undefined : parseOffsetSpec(f.until, '--until', now)
    if (f.group !== undefined) validateGroupId(f.group)
    if (f.group !== undefined && f.partition !== undefined) {
      throw new SamsaError('USAGE', '--partition cannot be combined with --group: the members of a group share the partitions between them')
    }
    if (!f.commit && f.group === undefined) throw new SamsaError('USAGE', '--no-commit needs --group')
    const commitIntervalMs = f['commit-interval'] === undefined ? undefined : parseDurationFlag(f['commit-interval'], '--commit-interval')
    const sessionTimeoutMs = f['session-timeout'] === undefined ? undefined : parseDurationFlag(f['session-timeout'], '--session-timeout', {min: 1000, max: 1_800_000})
    if (f['dead-letter'] !== undefined) validateTopicName(f['dead-letter'])
    this.formatter = f.jsonl || f.json
      ? new EnvelopeFormatter()
      : f.format !== undefined
        ? new TemplateFormatter(f.format, f['null-marker'])
        : new ValueFormatter(unescapeBytes(f.delimiter), f['null-marker'])
    this.limit = f.count ?? Infinity

    const client = await this.client()
    if (f.group !== undefined && !(client.supports('groups') && client.supports('membership'))) {
      throw new SamsaError('INVALID_REQUEST', '--group needs consumer groups (GroupHeartbeat, OffsetFetch/OffsetCommit), which this daemon does not support yet')
    }
    const exec = f.exec === undefined ? null : await this.execProcessor(client, f.exec)
    const options: ConsumerOptions = {
      topics,
      partitions: f.partition,
      from,
      until,
      follow: f.follow,
      reconnectTimeoutMs: this.reconnectTimeoutMs,
      onWarning: (m) => process.stderr.write(`samsa: ${m}\n`),
      // batches are decompressed beside the output, and each value is moved, not viewed and copied
      decompressInto: this.out.stage,
    }
    // waiting for records, nothing is written that would show `| head -1` has gone: watch the pipe itself,
    // and leave as bin/run.js does on EPIPE (exit 0, quietly)
    if (f.follow) watchStdoutReader(() => process.exit(0))
    this.trapSignals()
    const interrupt = new Promise<void>((resolve) => {
      this.wakeInterrupt = resolve
    })
    let failed: unknown = null
    try {
      // loaded here, not at the top: oclif imports every command at startup, and these pull in LZ4
      if (f.group === undefined) {
        const {Consumer} = await import('../client/consumer.js')
        const consumer = await Consumer.open(client, options)
        await this.read(consumer, interrupt, exec)
        consumer.stop()
      } else {
        const {GroupConsumer} = await import('../client/group-consumer.js')
        const group = await GroupConsumer.join(client, f.group, {
          ...options,
          commitIntervalMs,
          autoCommit: f.commit,
          instanceId: f['instance-id'],
          assignor: f.assignor,
          sessionTimeoutMs,
          clientId: `samsa-cli/${this.config.version}`,
          clientHost: `pid ${process.pid}`,
        })
        this.group = group
        // one round per assignment: read what this member owns until it changes, then hand over
        for (;;) {
          if (group.consumer) await this.read(group.consumer, Promise.race([interrupt, group.changed]), exec)
          await this.write()
          if (this.interrupted || this.records >= this.limit || (f.follow && this.failed) || group.done) break
          if (!group.needsRebalance) await Promise.race([group.changed, interrupt])
          if (this.interrupted) break
          await group.rebalance()
        }
      }
      await this.write()
    } catch (err) {
      failed = err
      throw err
    } finally {
      // commit what was flushed and leave, also when reading failed (then the first error is the one shown)
      await this.group?.close().catch((err: unknown) => {
        if (failed === null) throw err
      })
    }
    if (this.interrupted) return this.exit(130)
    if (this.failed) throw withSkipHint(this.failed)
    return {records: this.records, interrupted: false}
  }

  // Reads one Consumer until it is done, the limit is reached, or `wake` (an interrupt, a rebalance).
  private async read(consumer: Consumer, wake: Promise<void>, exec: ExecProcessor | null): Promise<void> {
    this.following = consumer
    const sources = consumer.assignments.map((c) => formatSource(c.topic, c.partition))
    const follow = this.flags.follow
    const {group, out, formatter} = this
    // merge-by-time still drains its queues once the consumer is done: it stops on the rest only
    const halted = (): boolean => this.interrupted || this.records >= this.limit || (follow && consumer.failure !== undefined) || (group?.needsRebalance ?? false)
    const stop = (): boolean => consumer.done || halted()
    if (this.flags['merge-by-time']) await this.mergeByTime(consumer, sources, wake, halted)
    else if (exec) await this.execLoop(consumer, sources, exec, wake, stop)
    else {
      const limit = this.limit
      const visit = (c: PartitionCursor, r: FormatRecord): boolean => {
        formatter.write(out, sources[c.index], r)
        group?.delivered(c.index, r.offset)
        return ++this.records >= limit
      }
      while (!stop()) {
        const polled = await Promise.race([quiet(consumer.poll(visit)), wake.then(() => -1)])
        if (polled < 0) {
          consumer.stop() // the abandoned poll visits nothing when it returns
          break
        }
        await this.write()
      }
    }
    this.failed ??= consumer.failure
  }

  // Writes out what was formatted; a group member commits it once the write is flushed (at-least-once).
  private async write(): Promise<void> {
    const chunk = this.out.take()
    if (chunk === null) return void (await this.group?.commitIfDue())
    const written = this.group?.writing()
    const flushed = (err?: Error | null): void => {
      if (!err) this.out.reuse(chunk)
      written?.(err)
    }
    if (!process.stdout.write(chunk, flushed)) await drain()
    await this.group?.commitIfDue()
  }

  // --exec: each poll's records, copied, go through the command before the next poll.
  private async execLoop(consumer: Consumer, sources: FormatSource[], exec: ExecProcessor, wake: Promise<void>, stop: () => boolean): Promise<void> {
    const group = this.group
    const delivered = async (index: number, lastOffset: number): Promise<void> => {
      if (!group) return
      group.delivered(index, lastOffset)
      group.writing()() // nothing of ours to flush: CMD's output is its own
      await group.commitIfDue()
    }
    while (!stop()) {
      const collected: CollectedRecord[] = []
      const room = this.limit - this.records
      const collect = (c: PartitionCursor, r: FormatRecord): boolean => {
        collected.push({index: c.index, source: sources[c.index]!, topic: c.topic, partition: c.partition, ...copyRecord(r)})
        return collected.length >= room
      }
      const polled = await Promise.race([quiet(consumer.poll(collect)), wake.then(() => -1)])
      if (polled < 0) {
        consumer.stop()
        break
      }
      const done = await exec.process(collected, delivered, () => this.interrupted || (group?.needsRebalance ?? false))
      this.records += done
      if (done < collected.length) break
    }
  }

  // --exec: the command checked before anything is read, the dead-letter topic looked up.
  private async execProcessor(client: Client, command: string): Promise<ExecProcessor> {
    const [{checkCommand, ExecRunner}, {ExecProcessor}, {DeadLetterQueue}] = await Promise.all([
      import('../cli/exec/exec-runner.js'),
      import('../cli/exec/exec-processor.js'),
      import('../cli/exec/dead-letter.js'),
    ])
    await checkCommand(command)
    const f = this.flags
    let deadLetter = null
    if (f['dead-letter'] !== undefined) {
      deadLetter = await DeadLetterQueue.open(client, f['dead-letter']).catch((err: unknown) => {
        if (err instanceof SamsaError && err.code === 'UNKNOWN_TOPIC') {
          throw new SamsaError('UNKNOWN_TOPIC', `dead-letter topic ${f['dead-letter']} does not exist (create it: samsa topic create ${f['dead-letter']})`)
        }
        throw err
      })
    }
    const warn = (m: string): void => void process.stderr.write(`samsa: ${m}\n`)
    const runner = new ExecRunner(command, {
      retries: f.retries ?? 0,
      interrupted: () => this.interrupted,
      onRetry: (status, attempt, waitMs) => warn(`--exec: ${status} (attempt ${attempt}); retrying in ${waitMs} ms`),
    })
    return new ExecProcessor({runner, formatter: this.formatter, batch: f['exec-batch'], group: f.group, deadLetter, warn})
  }

  // k-way merge by timestamp: fetch only for partitions whose queue ran dry; emit while the order is sure.
  private async mergeByTime(consumer: Consumer, sources: FormatSource[], wake: Promise<void>, stop: () => boolean): Promise<void> {
    const {group, out, formatter} = this
    const follow = this.flags.follow
    const cursors = consumer.assignments
    const merger = new TimeMerger<FormatRecord>(cursors.length)
    // a partition already at its end when following holds nothing back (else its first long poll would)
    for (const c of cursors) if (c.done || (follow && consumer.caughtUp(c))) merger.setState(c.index, c.done ? 'done' : 'idle')
    const batches: FormatRecord[][] = cursors.map(() => [])
    const collect = (c: PartitionCursor, r: FormatRecord): void => {
      // the view is reused and its bytes may be a shared scratch: copy what the queue keeps
      batches[c.index].push(copyRecord(r))
    }
    while (!merger.finished && !stop()) {
      merger.drain((i, r) => {
        formatter.write(out, sources[i], r)
        group?.delivered(i, r.offset)
        this.records++
      }, this.limit - this.records)
      await this.write()
      if (this.records >= this.limit || merger.finished) break
      const hungry = merger.hungry().map((i) => cursors[i])
      if (hungry.length === 0) continue
      const polled = await Promise.race([quiet(consumer.poll(collect, hungry)), wake.then(() => -1)])
      if (polled < 0) {
        consumer.stop()
        break
      }
      for (const c of hungry) {
        merger.add(c.index, batches[c.index])
        batches[c.index] = []
        merger.setState(c.index, c.done ? 'done' : follow && consumer.caughtUp(c) ? 'idle' : 'active')
      }
    }
  }

  private trapSignals(): void {
    const handler = (): void => {
      if (this.interrupted) process.exit(130)
      this.interrupted = true
      this.wakeInterrupt?.()
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  }
}

function copyRecord(r: FormatRecord): FormatRecord & {key: Buffer | null; value: Buffer | null} {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: r.headers.map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})),
  }
}

// A partition that stopped at a corrupt batch: its error, plus the flags that read past the damage.
function withSkipHint(c: PartitionCursor): SamsaError {
  const e = c.error!
  if (c.nextOffset === null) return e
  return new SamsaError(e.code, `${e.message}; to skip the damage: --partition ${c.partition} --from ${c.nextOffset}`)
}

// A poll abandoned by Ctrl-C or a rebalance fails later, when the connection closes: that must not
// surface as an unhandled rejection. The promise itself still rejects for whoever awaits it.
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}

function drain(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done)
      process.stdout.off('close', done)
      resolve()
    }
    process.stdout.once('drain', done)
    process.stdout.once('close', done)
  })
}
