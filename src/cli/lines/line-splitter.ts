// Splits a byte stream (stdin, a file, a tailed file) into records at a delimiter, like `cat` reads lines.
//
// Rules (documented in the README under `samsa produce`):
//   - the delimiter is any non-empty byte string; default "\n"; `\0` gives NUL-separated input (find -print0);
//   - bytes are kept exactly: a trailing "\r" stays part of the line unless `stripCr` (--crlf) is set, so a
//     file round-trips byte for byte through produce | consume, as through kcat;
//   - an empty line is an empty record (not skipped); a final line without a delimiter is still a record,
//     and a delimiter at the very end of input does not make an extra empty record;
//   - memory is bounded: a line longer than maxLineBytes is never buffered. onOverflow is called with its
//     line number once it passes the limit (throw to stop; return to skip it: the rest of that line is
//     discarded up to the next delimiter and its line number is still counted).
// A line that lies wholly inside one chunk is handed out as a view into that chunk (no copy); only a line
// spanning chunks is assembled, once, when its end arrives. The handler must copy what it keeps beyond
// the call (RecordBatchBuilder.append copies). With a LineRangeHandler instead, a line inside a chunk is
// handed out as (chunk, start, end), without even a view; an assembled line as (line, 0, line.length).

export type LineHandler = (line: Buffer, lineNumber: number) => void
export type LineRangeHandler = (buf: Buffer, start: number, end: number, lineNumber: number) => void
export type OverflowHandler = (lineNumber: number, bytesSoFar: number) => void

export interface LineSplitterOptions {
  delimiter?: Buffer | string
  maxLineBytes?: number
  stripCr?: boolean
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024 + 12 // Kafka's default max.message.bytes (1048588)

export class LineSplitter {
  private readonly delimiter: Buffer
  private readonly delimiterByte: number // ≥ 0 when the delimiter is one byte: a faster indexOf
  private readonly maxLineBytes: number
  private readonly stripCr: boolean
  private readonly onLine: LineHandler
  private readonly onRange: LineRangeHandler | null
  private readonly onOverflow: OverflowHandler
  private pending: Buffer[] = [] // parts of the line that began in an earlier chunk
  private pendingBytes = 0
  private discarding = false // inside an over-long line that is being skipped
  private lines = 0 // lines completed so far; the current line is lines + 1
  private pushed = 0 // bytes pushed since construction (stream offsets count from here)
  private lineStart = 0 // stream offset of the first byte of the current line

  /** onRange, when given, receives every line instead of onLine (see above). */
  constructor(options: LineSplitterOptions, onLine: LineHandler, onOverflow: OverflowHandler, onRange?: LineRangeHandler) {
    const d = options.delimiter ?? '\n'
    this.delimiter = typeof d === 'string' ? Buffer.from(d, 'utf8') : d
    if (this.delimiter.length === 0) throw new RangeError('the delimiter must not be empty')
    this.delimiterByte = this.delimiter.length === 1 ? this.delimiter[0] : -1
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
    this.stripCr = options.stripCr ?? false
    this.onLine = onLine
    this.onRange = onRange ?? null
    this.onOverflow = onOverflow
  }

  /** Lines completed (handed out or skipped) so far. */
  get lineCount(): number {
    return this.lines
  }

  /** Bytes pushed so far. */
  get bytesPushed(): number {
    return this.pushed
  }

  /**
   * Stream offset where the current line starts: while a handler runs (and so when it throws), the start
   * of that line; between pushes, the start of the held partial line. A tailer that stops on a bad line
   * checkpoints here, so a restart neither repeats the lines before it nor skips it.
   */
  get currentLineStart(): number {
    return this.lineStart
  }

  /** Bytes held for an unfinished line (what a tailer must re-read after a restart). */
  get bufferedBytes(): number {
    return this.pendingBytes
  }

  push(chunk: Buffer): void {
    let buf = chunk
    const pushedBefore = this.pushed
    this.pushed += chunk.length
    // A multi-byte delimiter may straddle the chunk boundary: move the last (d−1) held bytes in front
    // of the chunk so that the search sees them (a copy of at most one chunk, only while a line spans).
    if (this.delimiterByte < 0 && this.pendingBytes > 0) {
      const carry = this.takePendingTail(this.delimiter.length - 1)
      buf = Buffer.concat([carry, chunk])
    }
    const dlen = this.delimiter.length
    const base = pushedBefore - (buf.length - chunk.length) // stream offset of buf[0]
    let start = 0
    for (;;) {
      const at = this.delimiterByte >= 0 ? buf.indexOf(this.delimiterByte, start) : buf.indexOf(this.delimiter, start)
      if (at < 0) break
      this.finishLine(buf, start, at)
      start = at + dlen
      this.lineStart = base + start
    }
    if (start < buf.length) this.hold(buf, start, buf.length)
  }

  /** End of input: a final line without a delimiter is still a record. */
  end(): void {
    if (this.discarding) {
      this.discarding = false
      this.pending = []
      this.pendingBytes = 0
      this.lines++
      this.lineStart = this.pushed
      return
    }
    if (this.pendingBytes === 0) return
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    this.emit(line)
    this.lineStart = this.pushed
  }

  /** Forget a held partial line (a tailed file was truncated or replaced). */
  reset(): void {
    this.pending = []
    this.pendingBytes = 0
    this.discarding = false
    this.lineStart = this.pushed
  }

  private finishLine(buf: Buffer, start: number, end: number): void {
    if (this.discarding) {
      this.discarding = false
      this.pending = []
      this.pendingBytes = 0
      this.lines++
      return
    }
    if (this.pendingBytes === 0) {
      if (end - start > this.maxLineBytes) {
        this.overflow(end - start)
        this.discarding = false
        this.lines++
        return
      }
      if (this.onRange !== null) this.emitRange(buf, start, end)
      else this.emit(buf.subarray(start, end))
      return
    }
    const total = this.pendingBytes + (end - start)
    if (total > this.maxLineBytes) {
      this.pending = []
      this.pendingBytes = 0
      this.overflow(total)
      this.discarding = false
      this.lines++
      return
    }
    this.pending.push(buf.subarray(start, end))
    const line = Buffer.concat(this.pending, total)
    this.pending = []
    this.pendingBytes = 0
    this.emit(line)
  }

  private emit(line: Buffer): void {
    if (this.onRange !== null) {
      this.emitRange(line, 0, line.length)
      return
    }
    this.lines++
    if (this.stripCr && line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
    this.onLine(line, this.lines)
  }

  // emit() without the view: the handler copies buf[start, end) itself
  private emitRange(buf: Buffer, start: number, end: number): void {
    this.lines++
    if (this.stripCr && end > start && buf[end - 1] === 0x0d) end--
    this.onRange!(buf, start, end, this.lines)
  }

  private hold(buf: Buffer, start: number, end: number): void {
    if (!this.discarding) {
      const total = this.pendingBytes + (end - start)
      // A multi-byte delimiter may still be completed by the next chunk: its first d−1 bytes may be held
      // beyond the limit without the line being over-long yet.
      const slack = this.delimiterByte >= 0 ? 0 : this.delimiter.length - 1
      if (total <= this.maxLineBytes + slack) {
        // Copy: the chunk may be a reused read buffer, and a view would pin the whole chunk in memory.
        this.pending.push(Buffer.from(buf.subarray(start, end)))
        this.pendingBytes = total
        return
      }
      this.pending = []
      this.pendingBytes = 0
      this.overflow(total)
    }
    // Skipping an over-long line: keep only the last d−1 bytes, where a multi-byte delimiter may begin.
    if (this.delimiterByte < 0) {
      const keep = Math.min(this.delimiter.length - 1, end - start)
      this.pending = [Buffer.from(buf.subarray(end - keep, end))]
      this.pendingBytes = keep
    }
  }

  private overflow(bytes: number): void {
    this.discarding = true
    this.onOverflow(this.lines + 1, bytes)
  }

  private takePendingTail(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    const k = Math.min(n, all.length)
    const head = all.subarray(0, all.length - k)
    this.pending = head.length > 0 ? [head] : []
    this.pendingBytes = head.length
    return all.subarray(all.length - k)
  }
}
