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
import type {Consumer, ConsumerOptions, PartitionCursor} from '../client/consumer.js'
import type {GroupConsumer} from '../client/group-consumer.js'
import {validateTopicName, type ClientOptions} from '../client/index.js'
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
    'the reader of its output goes away (`| head -1`).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> logs',
    '<%= config.bin %> <%= command.id %> logs --follow | grep ERROR',
    '<%= config.bin %> <%= command.id %> logs --from -1h --format \'%T{iso} %k %s\\n\'',
    '<%= config.bin %> <%= command.id %> logs --from -10 --partition 0',
    '<%= config.bin %> <%= command.id %> orders payments --merge-by-time --jsonl',
    '<%= config.bin %> <%= command.id %> logs --from @2026-11-20T09:00:00Z --until @2026-11-20T10:00:00Z --count 100',
    '<%= config.bin %> <%= command.id %> logs --group alerting --follow',
  ]

  static override strict = false // several topics

  static override args = {
    topic: Args.string({description: 'topic(s) to read', required: true}),
  }

  static override enableJsonFlag = false // stdout is data; --jsonl is the structured output

  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'keep waiting for new records (like tail -f)'}),
    from: Flags.string({char: 'o', description: 'where to start: beginning|end|N|-N|@TIME|-DURATION', default: 'beginning'}),
    until: Flags.string({description: 'where to stop (exclusive), same syntax as --from'}),
    partition: Flags.integer({char: 'p', description: 'only this partition (repeatable)', min: 0, multiple: true, multipleNonGreedy: true}),
    count: Flags.integer({char: 'c', description: 'exit after this many records', min: 1}),
    format: Flags.string({
      description: 'kcat-style output: %s value, %k key, %t topic, %p partition, %o offset, %T timestamp ms, %T{iso}, %h headers, %S/%K sizes, \\n \\t',
      exclusive: ['jsonl'],
    }),
    jsonl: Flags.boolean({description: 'one lossless JSON envelope per record: {"topic","partition","offset","timestamp","key","value","headers"}'}),
    'merge-by-time': Flags.boolean({description: 'emit the records of all partitions and topics in timestamp order'}),
    group: Flags.string({char: 'g', description: 'consumer group: start from its committed offsets and commit what was printed'}),
    'null-marker': Flags.string({description: 'print null keys and values as this text (default: nothing)'}),
    delimiter: Flags.string({char: 'D', description: 'record separator when printing values (escapes \\n \\t \\0)', default: '\\n', exclusive: ['format', 'jsonl']}),
    'reconnect-timeout': reconnectTimeoutFlag({when: 'with --follow: '}),
  }

  private interrupted = false
  private wakeInterrupt: (() => void) | null = null
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
      },
    }
  }

  public async run(): Promise<ConsumeResult> {
    const {argv} = await this.parse(Consume)
    const topics = [...new Set(argv as string[])]
    for (const t of topics) validateTopicName(t)
    const f = this.flags
    if (f.follow) this.reconnectTimeoutMs = parseReconnectTimeout(f['reconnect-timeout'])
    const now = Date.now()
    const from = parseOffsetSpec(f.from, '--from', now)
    const until = f.until === undefined ? undefined : parseOffsetSpec(f.until, '--until', now)
    const formatter: RecordFormatter = f.jsonl
      ? new EnvelopeFormatter()
      : f.format !== undefined
        ? new TemplateFormatter(f.format, f['null-marker'])
        : new ValueFormatter(unescapeBytes(f.delimiter), f['null-marker'])

    const client = await this.client()
    if (f.group !== undefined && !client.supports('groups')) {
      throw new SamsaError('INVALID_REQUEST', '--group needs committed offsets (OffsetFetch/OffsetCommit), which this daemon does not support yet')
    }
    const options: ConsumerOptions = {
      topics,
      partitions: f.partition,
      from,
      until,
      follow: f.follow,
      reconnectTimeoutMs: this.reconnectTimeoutMs,
      onWarning: (m) => process.stderr.write(`samsa: ${m}\n`),
    }
    // loaded here, not at the top: oclif imports every command at startup, and these pull in LZ4
    let group: GroupConsumer | null = null
    let consumer: Consumer
    if (f.group === undefined) {
      const {Consumer} = await import('../client/consumer.js')
      consumer = await Consumer.open(client, options)
    } else {
      const {GroupConsumer} = await import('../client/group-consumer.js')
      group = await GroupConsumer.open(client, f.group, options)
      consumer = group.consumer
    }
    this.following = consumer
    // waiting for records, nothing is written that would show `| head -1` has gone: watch the pipe itself,
    // and leave as bin/run.js does on EPIPE (exit 0, quietly)
    if (f.follow) watchStdoutReader(() => process.exit(0))
    const sources = consumer.assignments.map((c) => formatSource(c.topic, c.partition))
    const out = new OutputBuffer()
    const limit = f.count ?? Infinity
    let records = 0

    this.trapSignals()
    const interrupt = new Promise<void>((resolve) => {
      this.wakeInterrupt = resolve
    })
    const write = async (): Promise<void> => {
      const chunk = out.take()
      if (chunk && !process.stdout.write(chunk)) await drain()
      // what a group commits is what was printed, once it is written out (at-least-once)
      await group?.commitIfDue()
    }

    if (f['merge-by-time']) {
      records = await this.mergeByTime(consumer, group, sources, formatter, out, limit, write, interrupt, f.follow)
    } else {
      const visit = (c: PartitionCursor, r: FormatRecord): boolean => {
        formatter.write(out, sources[c.index], r)
        group?.delivered(c.index, r.offset)
        return ++records >= limit
      }
      while (!consumer.done && !this.interrupted && !(f.follow && consumer.failure)) {
        const polled = await Promise.race([quiet(consumer.poll(visit)), interrupt.then(() => -1)])
        if (polled < 0) break
        await write()
      }
    }
    await write()
    if (group) await group.close()
    else consumer.stop()
    if (this.interrupted) return this.exit(130)
    const failed = consumer.failure
    if (failed) throw withSkipHint(failed)
    return {records, interrupted: false}
  }

  // k-way merge by timestamp: fetch only for partitions whose queue ran dry; emit while the order is sure.
  private async mergeByTime(
    consumer: Consumer,
    group: GroupConsumer | null,
    sources: FormatSource[],
    formatter: RecordFormatter,
    out: OutputBuffer,
    limit: number,
    write: () => Promise<void>,
    interrupt: Promise<void>,
    follow: boolean,
  ): Promise<number> {
    const cursors = consumer.assignments
    const merger = new TimeMerger<FormatRecord>(cursors.length)
    // a partition already at its end when following holds nothing back (else its first long poll would)
    for (const c of cursors) if (c.done || (follow && consumer.caughtUp(c))) merger.setState(c.index, c.done ? 'done' : 'idle')
    let records = 0
    const batches: FormatRecord[][] = cursors.map(() => [])
    const collect = (c: PartitionCursor, r: FormatRecord): void => {
      // the view is reused and its bytes may be a shared scratch: copy what the queue keeps
      batches[c.index].push({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        headers: r.headers.map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value)})),
      })
    }
    while (!merger.finished && !this.interrupted && records < limit && !(follow && consumer.failure)) {
      merger.drain((i, r) => {
        formatter.write(out, sources[i], r)
        group?.delivered(i, r.offset)
        records++
      }, limit - records)
      await write()
      if (records >= limit || merger.finished) break
      const hungry = merger.hungry().map((i) => cursors[i])
      if (hungry.length === 0) continue
      const polled = await Promise.race([quiet(consumer.poll(collect, hungry)), interrupt.then(() => -1)])
      if (polled < 0) break
      for (const c of hungry) {
        merger.add(c.index, batches[c.index])
        batches[c.index] = []
        merger.setState(c.index, c.done ? 'done' : follow && consumer.caughtUp(c) ? 'idle' : 'active')
      }
    }
    return records
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

// A partition that stopped at a corrupt batch: its error, plus the flags that read past the damage.
function withSkipHint(c: PartitionCursor): SamsaError {
  const e = c.error!
  if (c.nextOffset === null) return e
  return new SamsaError(e.code, `${e.message}; to skip the damage: --partition ${c.partition} --from ${c.nextOffset}`)
}

// A poll abandoned by Ctrl-C fails later, when the connection closes: that must not surface as an
// unhandled rejection. The promise itself still rejects for whoever awaits it.
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
