// The line-to-record path of `samsa produce`: bytes → LineSplitter → LineParser → Producer, plus the
// --report writer and --skip-invalid handling. Input sources (stdin, a file, a tailed file), progress
// and signals stay in the command; this class only sees chunks of bytes.
//
// Errors in a line (bad JSON, missing key field, invalid envelope, too large for max.message.bytes) are
// SamsaErrors whose message starts with "line N:". With skipInvalid they are reported on stderr and the
// line is dropped; otherwise push() throws the first one — the lines before it were already handed to
// the producer, so the caller flushes them before exiting non-zero (nothing read before is lost).
import {SamsaError} from '../../errors.js'
import {DEFAULT_BATCH_BYTES, Producer, type ProduceAck, type ProducerOptions} from '../../client/producer.js'
import type {AdminApi, RecordApi} from '../../client/types.js'
import {BATCH_HEADER_SIZE} from '../../format/batch-header.js'
import {ByteArena} from '../../format/byte-arena.js'
import {bytesToJson, type EnvelopeHeader} from './envelope.js'
import {FILE_CHUNK_BYTES} from './file-chunks.js'
import {LineParser, type LineParserOptions} from './line-parser.js'
import {LineSplitter} from './line-splitter.js'

export interface ProduceSessionOptions {
  topic: string
  parser: LineParserOptions
  delimiter: Buffer
  stripCr: boolean
  partition: number // -1: partitioner (or the envelope's partition)
  ignoreEnvelopePartition: boolean
  skipInvalid: boolean
  report: boolean
  producer: Omit<ProducerOptions, 'onAck' | 'trackTags'>
  writeReport?: (text: string) => void
  warn?: (message: string) => void
  // The topic's retention.ms when records keep the time they carry (--timestamp-field, --jsonl) and the
  // topic keeps CreateTime: a record older than that is deleted by the daemon's next retention check, as
  // Kafka's would be. Warned about once. Undefined or -1: no check.
  retentionMs?: number
}

// The arena (format/byte-arena.ts) holds the input chunk of `--file` (file-chunks.ts) and the
// scratch of up to ARENA_BUILDERS batch builders, so values move from chunk to batch with copyWithin.
const ARENA_BUILDERS = 16

export class ProduceSession {
  readonly producer: Producer
  /** Memory for input chunks that the producer's batch builders share. */
  readonly arena: ByteArena
  skipped = 0
  private readonly o: ProduceSessionOptions
  private readonly parser: LineParser
  private splitter!: LineSplitter
  private readonly topicJson: string
  private now = 0
  private searched: Buffer | null = null // keyDelimiterIn(): the chunk searched, and its next delimiter there
  private nextDelimiter = 0
  private warnedOld = false

  constructor(client: {records: RecordApi; admin: AdminApi}, options: ProduceSessionOptions) {
    this.o = options
    this.parser = new LineParser(options.parser)
    this.topicJson = JSON.stringify(options.topic)
    const builderBytes = BATCH_HEADER_SIZE + (options.producer.batchBytes ?? DEFAULT_BATCH_BYTES) + 1024
    this.arena = new ByteArena(FILE_CHUNK_BYTES + ARENA_BUILDERS * Math.min(builderBytes, 1024 * 1024))
    this.producer = new Producer(client, {
      ...options.producer,
      arena: this.arena,
      trackTags: options.report,
      onAck: options.report ? (ack) => this.report(ack) : undefined,
    })
  }

  /** Looks the topic up (UNKNOWN_TOPIC when it does not exist) and sizes the line limit from it. */
  async open(): Promise<void> {
    const info = await this.producer.prepare(this.o.topic)
    if (this.o.partition >= info.partitions) {
      const n = info.partitions
      throw new SamsaError('UNKNOWN_PARTITION', `partition ${this.o.partition} does not exist: topic ${this.o.topic} has ${n} partition${n === 1 ? '' : 's'}`)
    }
    // An envelope line carries its bytes as JSON text, base64 at worst (4/3) plus field names.
    const maxRecord = this.producer.maxRecordBytes(this.o.topic)
    const maxLine = this.o.parser.jsonl ? Math.ceil(maxRecord * 1.4) + 4096 : maxRecord
    const plain = this.parser.plain
    const keyed = this.parser.keyedByByte
    this.splitter = new LineSplitter(
      {delimiter: this.o.delimiter, maxLineBytes: maxLine, stripCr: this.o.stripCr},
      (line, n) => this.onLine(line, n),
      (n) =>
        this.invalid(
          new SamsaError(
            'MESSAGE_TOO_LARGE',
            `line ${n}: longer than ${maxLine} bytes, too large for max.message.bytes (${info.maxMessageBytes}) of topic ${this.o.topic}`,
          ),
        ),
      // plain lines, and lines keyed at a one-byte delimiter, skip the parser and go to the producer as
      // ranges of the input chunk: no Buffer view and no parse() call per line (the hot path of `samsa produce`)
      plain !== null
        ? (buf, start, end, n) => this.onPlainLine(plain.key, plain.headers, buf, start, end, n)
        : keyed !== null
          ? (buf, start, end, n) => this.onKeyedLine(keyed.delimiter, keyed.headers, buf, start, end, n)
          : undefined,
    )
  }

  /** Lines seen so far (records sent plus lines skipped). */
  get lines(): number {
    return this.splitter.lineCount
  }

  /** Bytes pushed so far, and the stream offset where the current line starts (line-splitter.ts). */
  get bytesPushed(): number {
    return this.splitter.bytesPushed
  }

  get lineStart(): number {
    return this.splitter.currentLineStart
  }

  /** Bytes of an unfinished last line held back (not yet a record). */
  get heldBytes(): number {
    return this.splitter.bufferedBytes
  }

  push(chunk: Buffer): void {
    this.now = Date.now() // one clock read per chunk, not per line: its lines arrived together
    this.searched = null // a caller may refill the same buffer: search each chunk afresh
    this.splitter.push(chunk)
  }

  /** End of input (or of a rotated file): a last line without a delimiter becomes a record. */
  end(): void {
    this.now = Date.now()
    this.searched = null
    this.splitter.end()
  }

  /** Drops a held partial line (the file under it was truncated). */
  dropPartial(): void {
    this.splitter.reset()
  }

  private onLine(line: Buffer, n: number): void {
    let r
    try {
      r = this.parser.parse(line, n)
    } catch (err) {
      this.invalid(err)
      return
    }
    if (r.timestamp >= 0 && !this.warnedOld) this.checkRetention(r.timestamp, n)
    let partition = this.o.partition
    if (partition < 0 && !this.o.ignoreEnvelopePartition) partition = r.partition
    // --report needs the key after the ack; the line's bytes may be reused by then, so copy it
    const tag = this.o.report && r.key !== null ? Buffer.from(r.key) : null
    try {
      this.producer.append(this.o.topic, r.value, r.key, r.headers, r.timestamp < 0 ? this.now : r.timestamp, partition, tag)
    } catch (err) {
      this.appendFailed(err, n)
    }
  }

  // onLine() for a plain line, as parse() would have returned it (LineParser.plain). The --report tag is
  // the fixed key itself: unlike a key cut out of the line, it is never reused.
  private onPlainLine(key: Buffer | null, headers: EnvelopeHeader[] | undefined, buf: Buffer, start: number, end: number, n: number): void {
    try {
      this.producer.appendRange(this.o.topic, buf, start, end, key, headers, this.now, this.o.partition, this.o.report ? key : null)
    } catch (err) {
      this.appendFailed(err, n)
    }
  }

  // onLine() for a line keyed at a one-byte delimiter, cut as parse() would cut it (LineParser.keyedByByte).
  private onKeyedLine(delimiter: number, headers: EnvelopeHeader[] | undefined, buf: Buffer, start: number, end: number, n: number): void {
    const at = this.keyDelimiterIn(delimiter, buf, start, end)
    // --report needs the key after the ack; the chunk may be reused by then, so copy it
    const tag = this.o.report && at >= 0 ? Buffer.from(buf.subarray(start, at)) : null
    try {
      if (at < 0) this.producer.appendParts(this.o.topic, null, 0, 0, buf, start, end, headers, this.now, this.o.partition, tag)
      else this.producer.appendParts(this.o.topic, buf, start, at, buf, at + 1, end, headers, this.now, this.o.partition, tag)
    } catch (err) {
      this.appendFailed(err, n)
    }
  }

  // The first delimiter byte in buf[start, end), or -1. One indexOf over the chunk finds the next one
  // after start; when that lies beyond this line, it is remembered, so lines without a key do not each
  // search on into the lines after them (linear in the chunk, whatever the lines hold).
  private keyDelimiterIn(delimiter: number, buf: Buffer, start: number, end: number): number {
    if (buf !== this.searched || this.nextDelimiter < start) {
      this.searched = buf
      this.nextDelimiter = buf.indexOf(delimiter, start)
      if (this.nextDelimiter < 0) this.nextDelimiter = buf.length // none up to the end of buf
    }
    return this.nextDelimiter < end ? this.nextDelimiter : -1
  }

  private checkRetention(timestamp: number, n: number): void {
    const retention = this.o.retentionMs
    if (retention === undefined || retention < 0 || timestamp >= this.now - retention) return
    this.warnedOld = true
    this.o.warn?.(
      `line ${n}: timestamp ${new Date(timestamp).toISOString()} is older than retention.ms (${retention}) of topic ${this.o.topic}: ` +
        `the daemon's next retention check deletes such records (to keep them: samsa topic alter ${this.o.topic} --config retention.ms=-1)`,
    )
  }

  private appendFailed(err: unknown, n: number): void {
    if (err instanceof SamsaError && (err.code === 'MESSAGE_TOO_LARGE' || err.code === 'UNKNOWN_PARTITION' || err.code === 'INVALID_INPUT')) {
      this.invalid(new SamsaError(err.code, `line ${n}: ${err.message}`))
      return
    }
    throw err
  }

  private invalid(err: unknown): void {
    if (!(err instanceof SamsaError) || !this.o.skipInvalid) throw err
    this.skipped++
    this.o.warn?.(`${err.message} (skipped)`)
  }

  private report(ack: ProduceAck): void {
    const tags = ack.tags ?? []
    let text = ''
    const head = `{"topic":${this.topicJson},"partition":${ack.partition},"offset":`
    for (let i = 0; i < ack.count; i++) {
      const offset = ack.baseOffset < 0 ? 'null' : String(ack.baseOffset + i)
      text += `${head}${offset},"key":${bytesToJson((tags[i] as Buffer | null | undefined) ?? null)}}\n`
    }
    ;(this.o.writeReport ?? ((t: string) => process.stdout.write(t)))(text)
  }
}
