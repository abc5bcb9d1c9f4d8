import {createReadStream, statSync, type Stats} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import type {Readable} from 'node:stream'
// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../cli/base-command.js'
import {parseByteSize} from '../cli/lines/byte-size.js'
import {unescapeBytes} from '../cli/lines/escapes.js'
import {FILE_CHUNK_BYTES, fileChunks} from '../cli/lines/file-chunks.js'
import type {FileTailer} from '../cli/lines/file-tailer.js'
import {parseHeaderFlag} from '../cli/lines/line-parser.js'
import type {ProduceSession} from '../cli/lines/produce-session.js'
import {checkpointPath, readTailCheckpoint, writeTailCheckpoint} from '../cli/lines/tail-checkpoint.js'
import {listPositions, parseReconnectTimeout, reconnectTimeoutFlag, restartedLine} from '../cli/reconnect.js'
import {count} from '../cli/output.js'
import {progressFrame, StatusLine} from '../cli/status-line.js'
import {validateTopicName, type Acks, type Client, type ClientOptions} from '../client/index.js'
import {SamsaError} from '../errors.js'

export interface ProduceResult {
  topic: string
  records: number // appended to the producer
  acknowledged: number | null // null with --acks 0: nothing is acknowledged
  skipped: number
  interrupted: boolean
}

// Flag defaults: the Producer's own (client/producer.ts), repeated here because importing that module at
// load time would load the record-batch and LZ4 code for every samsa command (oclif imports them all).
const DEFAULT_LINGER_MS = 0
const DEFAULT_BATCH_SIZE = '256k'

// While following, flush and checkpoint at least this often while reading a backlog.
const CHECKPOINT_EVERY_BYTES = 16 * 1024 * 1024

export default class Produce extends BaseCommand<typeof Produce> {
  static override summary = 'Write lines from stdin or a file to a topic, one record per line'
  static override description =
    'Reads stdin (or --file) and sends one record per line (--delimiter for another separator). Exits 0 only ' +
    'when every record was acknowledged; on an error, prints one line and exits non-zero after sending what ' +
    'was read before it. Lines keep their bytes exactly (a trailing \\r too, unless --crlf); empty lines are ' +
    'empty records. Keys: --key, --key-delimiter or --key-field; keyed records go to Kafka\'s murmur2 ' +
    'partition, unkeyed ones to a sticky partition. --jsonl reads the envelope `samsa consume --jsonl` writes. ' +
    'Ctrl-C stops reading, sends what was read and exits 130. A daemon restart is ridden out (within ' +
    '--reconnect-timeout): what was not acknowledged is sent again, in order, and the daemon appends it ' +
    'once (the producer is idempotent with --acks 1 or all); meanwhile reading stops once the buffer is full.'

  static override examples = [
    'tail -F /var/log/app.log | <%= config.bin %> <%= command.id %> logs',
    '<%= config.bin %> <%= command.id %> events --file data/app.jsonl --key-field user',
    "<%= config.bin %> <%= command.id %> users --key-delimiter ':' <<< 'alice:{\"plan\":\"pro\"}'",
    "find . -print0 | <%= config.bin %> <%= command.id %> files --delimiter '\\0'",
    '<%= config.bin %> <%= command.id %> logs --file /var/log/app.log --follow',
    '<%= config.bin %> consume orders --jsonl | <%= config.bin %> <%= command.id %> orders-copy --jsonl',
    "<%= config.bin %> <%= command.id %> users --key-delimiter '\\t' --null-marker NULL --report < changes.tsv",
  ]

  // oclif's generated usage nests the dependsOn/exclusive flags into something unreadable
  static override usage = '<%= command.id %> TOPIC [--file PATH [--follow [--from-start]]] [--key K | --key-delimiter D | --key-field F | --jsonl [--repartition]] [FLAGS]'

  static override args = {
    topic: Args.string({description: 'topic to write to', required: true}),
  }

  static override flags = {
    file: Flags.string({description: 'read this file instead of stdin', helpGroup: 'INPUT'}),
    follow: Flags.boolean({
      char: 'F',
      description: 'with --file: keep following the file like tail -F (rotation and truncation survive; the position is checkpointed in the data dir)',
      dependsOn: ['file'],
      helpGroup: 'INPUT',
    }),
    'from-start': Flags.boolean({description: 'with --follow: ignore the checkpoint and read the file from its start', dependsOn: ['follow'], helpGroup: 'INPUT'}),
    delimiter: Flags.string({char: 'D', description: 'record separator; escapes \\n \\t \\0 \\xHH', default: '\\n', helpGroup: 'INPUT'}),
    crlf: Flags.boolean({description: 'strip a trailing \\r from each line (Windows line ends)', helpGroup: 'INPUT'}),
    jsonl: Flags.boolean({
      description: 'each line is a JSON envelope {"key","value","headers","timestamp","partition"} as written by consume --jsonl',
      exclusive: ['key', 'key-delimiter', 'key-field', 'timestamp-field', 'null-marker'],
      helpGroup: 'INPUT',
    }),
    'skip-invalid': Flags.boolean({description: 'report a bad line on stderr and go on, instead of stopping', helpGroup: 'INPUT'}),
    key: Flags.string({char: 'k', description: 'the same key for every record', exclusive: ['key-delimiter', 'key-field'], helpGroup: 'RECORD'}),
    'key-delimiter': Flags.string({char: 'K', description: 'key = text before the first delimiter, value = text after', exclusive: ['key-field'], helpGroup: 'RECORD'}),
    'key-field': Flags.string({description: 'lines are JSON: the key is this field (dotted path such as user.id)', helpGroup: 'RECORD'}),
    header: Flags.string({char: 'H', description: 'a header k=v on every record (repeatable)', multiple: true, multipleNonGreedy: true, helpGroup: 'RECORD'}),
    'null-marker': Flags.string({description: 'a value (or key) equal to this is sent as null (a tombstone)', helpGroup: 'RECORD'}),
    'timestamp-field': Flags.string({description: 'lines are JSON: the record time from this field (ISO-8601 or epoch ms)', helpGroup: 'RECORD'}),
    partition: Flags.integer({char: 'p', description: 'send every record to this partition', min: 0, helpGroup: 'RECORD'}),
    repartition: Flags.boolean({description: 'with --jsonl: ignore the envelopes\' partitions and partition by key', dependsOn: ['jsonl'], helpGroup: 'RECORD'}),
    acks: Flags.string({description: 'acknowledgement: 0 (none), 1 (written to the log), all (fsynced)', options: ['0', '1', 'all', '-1'], default: '1', helpGroup: 'DELIVERY'}),
    'linger-ms': Flags.integer({description: "wait up to this long to fill a batch (default 0: a batch goes when the input pauses, or fills while the partition's previous request is in flight)", min: 0, default: DEFAULT_LINGER_MS, helpGroup: 'DELIVERY'}),
    'batch-size': Flags.string({description: 'batch size before compression (e.g. 65536, 64k, 1m)', default: DEFAULT_BATCH_SIZE, helpGroup: 'DELIVERY'}),
    compression: Flags.string({description: 'batch compression', options: ['lz4', 'none'], default: 'lz4', helpGroup: 'DELIVERY'}),
    'reconnect-timeout': reconnectTimeoutFlag({helpGroup: 'DELIVERY'}),
    report: Flags.boolean({description: 'print {"topic","partition","offset","key"} per acknowledged record on stdout', helpGroup: 'OUTPUT'}),
  }

  private interrupted = false
  private onInterrupt: (() => void) | null = null
  private reconnectTimeoutMs = 0
  private session: ProduceSession | null = null // whose unacknowledged records a reconnect reports
  private acks: Acks = 1
  private readonly status: StatusLine | null = process.stderr.isTTY ? new StatusLine(process.stderr) : null // progress, on a terminal

  // A daemon restart is ridden out: the client waits for it, the producer sends again what was not
  // acknowledged (its batches carry producer id and sequence numbers, so nothing is appended twice).
  protected override get clientOptions(): ClientOptions {
    return {
      ...super.clientOptions,
      reconnectTimeoutMs: this.reconnectTimeoutMs,
      onReconnected: ({startedPid}) => {
        const r = this.session?.producer.retrying() ?? {records: 0, partitions: []}
        const what = r.records > 0 ? `resumed; re-sending ${r.records} unacknowledged record${r.records === 1 ? '' : 's'} to ${listPositions(r.partitions)}` : 'resumed'
        this.message(restartedLine(startedPid, what).trimEnd())
      },
    }
  }

  public async run(): Promise<ProduceResult> {
    const f = this.flags
    const topic = this.args.topic
    validateTopicName(topic)
    const delimiter = unescapeBytes(f.delimiter)
    if (delimiter.length === 0) throw new SamsaError('USAGE', '--delimiter must not be empty')
    const acks: Acks = f.acks === 'all' || f.acks === '-1' ? -1 : f.acks === '0' ? 0 : 1
    this.acks = acks
    const batchBytes = parseByteSize(f['batch-size'], '--batch-size')
    const keyDelimiter = f['key-delimiter'] === undefined ? undefined : unescapeBytes(f['key-delimiter'])
    if (keyDelimiter !== undefined && keyDelimiter.length === 0) throw new SamsaError('USAGE', '--key-delimiter must not be empty')
    const headers = (f.header ?? []).map(parseHeaderFlag)
    if (f.file !== undefined && !f.follow) statOrThrow(f.file)
    // acks=0 has no acknowledgement to lose: nothing to send again
    if (acks !== 0) this.reconnectTimeoutMs = parseReconnectTimeout(f['reconnect-timeout'])

    const client = await this.client()
    const idempotent = acks !== 0 && client.supports('idempotence')
    const {ProduceSession} = await import('../cli/lines/produce-session.js') // see DEFAULT_LINGER_MS
    const warn = (m: string): void => this.message(`samsa: ${m}`)
    const session = new ProduceSession(client, {
      topic,
      retentionMs: f.jsonl || f['timestamp-field'] !== undefined ? await retentionOf(client, topic) : undefined,
      parser: {
        jsonl: f.jsonl,
        key: f.key === undefined ? undefined : Buffer.from(f.key, 'utf8'),
        keyDelimiter,
        keyField: f['key-field'],
        timestampField: f['timestamp-field'],
        nullMarker: f['null-marker'] === undefined ? undefined : Buffer.from(f['null-marker'], 'utf8'),
        headers,
      },
      delimiter,
      stripCr: f.crlf,
      partition: f.partition ?? -1,
      ignoreEnvelopePartition: f.repartition,
      skipInvalid: f['skip-invalid'],
      report: f.report,
      writeReport: f.report ? reportWriter() : undefined,
      producer: {
        acks,
        lingerMs: f['linger-ms'],
        batchBytes,
        compression: f.compression as 'lz4' | 'none',
        idempotent,
        retryTimeoutMs: idempotent ? this.reconnectTimeoutMs : 0,
      },
      warn,
    })
    this.session = session
    await session.open()

    this.trapSignals()
    let inputError: unknown = null
    try {
      if (f.follow) await this.follow(session, f.file!, f['from-start'], warn)
      else await this.readAll(session, f.file)
    } catch (err) {
      inputError = err
    }
    // Whatever happened to the input, send what was read and wait for every acknowledgement.
    let flushError: unknown = null
    await session.producer.flush().catch((err: unknown) => {
      flushError = err
    })
    const p = session.producer
    this.progress?.(true) // the last frame: what was read and what was acknowledged, in the end
    // skipped lines were each reported as they came; the sum says whether anything went in at all
    if (session.skipped > 0) this.message(`samsa: skipped ${count(session.skipped, 'invalid line')} of ${count(session.lines, 'line')} read`)
    const error = flushError ?? inputError
    if (error) {
      // one line: the failure, and how many records it left unacknowledged
      if (flushError instanceof SamsaError && p.acknowledged < p.appended) {
        throw new SamsaError(flushError.code, `${flushError.message} (${p.appended - p.acknowledged} of ${count(p.appended, 'record')} not acknowledged)`, {cause: flushError})
      }
      throw error
    }
    const acknowledged = acks === 0 ? null : p.acknowledged
    const result: ProduceResult = {topic, records: p.appended, acknowledged, skipped: session.skipped, interrupted: this.interrupted}
    if (this.interrupted) {
      if (this.jsonEnabled()) this.logJson(result)
      return this.exit(130)
    }
    return result
  }

  // "1200 lines read, 1100 acknowledged" (with --acks 0: sent, since nothing is acknowledged)
  private counts(session: ProduceSession, read: string): string {
    return `${count(session.lines, 'line')}${read}, ${session.producer.acknowledged} ${this.acks === 0 ? 'sent' : 'acknowledged'}`
  }

  // A line on stderr, above the progress bar on a terminal.
  private message(line: string): void {
    if (this.status) this.status.message(line)
    else process.stderr.write(`${line}\n`)
  }

  private progress: ((last?: boolean) => void) | null = null // draws the progress bar of a file import

  // stdin or --file, to its end (or Ctrl-C). A progress bar for a file when stderr is a terminal.
  private async readAll(session: ProduceSession, file: string | undefined): Promise<void> {
    const st = file !== undefined ? statOrThrow(file) : null
    const total = st?.size ?? 0
    // a regular file is read into reused memory beside the batch builders (file-chunks.ts); stdin and
    // a named pipe as a stream, which Ctrl-C can end while a read waits
    const fh = file !== undefined && st!.isFile() ? await openFile(file) : null
    const stream: Readable | null = fh !== null ? null : file === undefined ? process.stdin : createReadStream(file, {highWaterMark: FILE_CHUNK_BYTES})
    const input: AsyncIterable<Buffer> = fh !== null ? fileChunks(fh, FILE_CHUNK_BYTES, session.arena) : stream!
    let stopped = false
    const stop = (): void => {
      stopped = true
      stream?.destroy()
    }
    this.onInterrupt = stop
    // a failure (a daemon that did not come back) ends the command now, not at the next line of input
    void session.producer.whenFailed().then(stop)
    let read = 0
    const producer = session.producer
    const status = this.status
    if (status && total > 0) {
      const started = Date.now()
      let drawn = 0
      this.progress = (last = false) => {
        const now = Date.now()
        if (!last && now - drawn < 100) return // at most 10 frames a second
        drawn = now
        const frame = progressFrame(read, total, now - started, this.counts(session, ' read'))
        if (last) status.end(frame)
        else status.draw(frame)
      }
      this.progress()
    }
    try {
      for await (const chunk of input) {
        if (stopped) break
        session.push(chunk)
        read += chunk.length
        this.progress?.()
        if (!producer.ready) await producer.whenReady()
        if (producer.failed) throw producer.failed
        if (this.interrupted) break
      }
    } catch (err) {
      if (!this.interrupted) {
        throw (err as NodeJS.ErrnoException).code !== undefined && !(err instanceof SamsaError)
          ? new SamsaError('INVALID_INPUT', `cannot read ${file ?? 'stdin'}: ${(err as Error).message}`)
          : err
      }
    } finally {
      await fh?.close()
    }
    // a last line without a delimiter is a record — unless Ctrl-C cut the input mid-line
    if (!this.interrupted) session.end()
  }

  // --file PATH --follow: tail -F with a durable checkpoint of the last acknowledged line's end.
  private async follow(session: ProduceSession, file: string, fromStart: boolean, warn: (m: string) => void): Promise<void> {
    const cpFile = checkpointPath(this.dataDir, file, session.producer.topicInfo(this.args.topic)!.name)
    const start = fromStart ? null : readTailCheckpoint(cpFile) ?? null
    const producer = session.producer
    let sinceCheckpoint = 0
    let lastCheckpoint = ''
    let badLine: {inode: number; position: number} | null = null
    const {FileTailer} = await import('../cli/lines/file-tailer.js') // chokidar: loaded only to follow
    const tailer: FileTailer = new FileTailer(
      file,
      {
        onData: async (chunk) => {
          const chunkStart = tailer.position - chunk.length
          const pushedBefore = session.bytesPushed
          try {
            session.push(chunk)
          } catch (err) {
            // where the bad line starts in the file: the checkpoint goes there, so a restart neither
            // repeats the lines before it nor skips it
            badLine = {inode: tailer.inode, position: chunkStart - (pushedBefore - session.lineStart)}
            throw err
          }
          sinceCheckpoint += chunk.length
          if (sinceCheckpoint >= CHECKPOINT_EVERY_BYTES) await checkpoint()
          else if (!producer.ready) await producer.whenReady()
          if (producer.failed) throw producer.failed
        },
        onEndOfFile: () => checkpoint(),
        onRotate: async () => {
          session.end() // the old file's last line, even without a newline, is complete now
          await checkpoint()
        },
        onTruncate: () => session.dropPartial(),
        onWarning: warn,
      },
      start ? {inode: start.inode, position: start.position} : null,
    )
    const checkpoint = async (): Promise<void> => {
      sinceCheckpoint = 0
      await producer.flush()
      const position = tailer.position - session.heldBytes
      const key = `${tailer.inode}:${position}`
      if (key === lastCheckpoint) return
      writeTailCheckpoint(cpFile, {path: file, topic: this.args.topic, inode: tailer.inode, position})
      lastCheckpoint = key
    }
    const line = this.status
    const status = line ? setInterval(() => line.draw(`following ${file}: ${this.counts(session, '')}`), 1000) : null
    this.onInterrupt = () => void tailer.stop()
    void producer.whenFailed().then(() => tailer.stop())
    try {
      await tailer.run()
      await checkpoint()
    } catch (err) {
      const at = badLine as {inode: number; position: number} | null
      if (at !== null && !producer.failed) {
        await producer.flush() // the lines before the bad one
        writeTailCheckpoint(cpFile, {path: file, topic: this.args.topic, inode: at.inode, position: at.position})
      }
      throw err
    } finally {
      if (status) {
        clearInterval(status)
        line!.clear()
      }
    }
  }

  private trapSignals(): void {
    const handler = (): void => {
      if (this.interrupted) process.exit(130) // a second Ctrl-C: leave now
      this.interrupted = true
      this.onInterrupt?.()
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
  }
}

// --report lines on stdout. bin/run.js exits 0 at once on EPIPE, which suits consume; here it would drop
// records read but not yet acknowledged. So when the report's reader goes away (`| head -1`), reports
// stop and producing goes on: the exit code still says whether every record was acknowledged.
function reportWriter(): (text: string) => void {
  let closed = false
  process.stdout.removeAllListeners('error')
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    closed = true
  })
  return (text) => {
    if (!closed) process.stdout.write(text)
  }
}

// retention.ms of a topic whose records keep the time they carry (CreateTime); undefined otherwise.
async function retentionOf(client: Client, topic: string): Promise<number | undefined> {
  const configs = (await client.admin.describeTopic(topic)).configs
  const value = (name: string): string | undefined => configs.find((c) => c.name === name)?.value
  if (value('message.timestamp.type') === 'LogAppendTime') return undefined
  const ms = Number(value('retention.ms'))
  return Number.isSafeInteger(ms) ? ms : undefined
}

async function openFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SamsaError('NOT_FOUND', `no such file: ${file}`)
    throw new SamsaError('INVALID_INPUT', `cannot read ${file}: ${(err as Error).message}`)
  }
}

function statOrThrow(file: string): Stats {
  try {
    const st = statSync(file)
    if (!st.isFile() && !st.isFIFO()) throw new SamsaError('INVALID_INPUT', `${file} is not a file`)
    return st
  } catch (err) {
    if (err instanceof SamsaError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SamsaError('NOT_FOUND', `no such file: ${file}`)
    throw new SamsaError('INVALID_INPUT', `cannot read ${file}: ${(err as Error).message}`)
  }
}
