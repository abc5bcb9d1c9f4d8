// How the log cleaner reads a closed segment: batch by batch through one read window, each batch's frame
// and CRC-32C checked before anything of it is used, its records decompressed into a reused scratch and
// walked with the shared reader (format/record-reader.ts), so the cleaner allocates nothing per record.
//
// The cleaner never trusts bytes it has not checked: a batch that fails its frame, CRC or record checks
// stops the pass with CORRUPT_LOG naming the segment file and byte (the cleaner would otherwise copy the
// damage into a new segment, or drop records it could not read). Reads serve such a batch as damage anyway.
// Views (current(), the RecordView a walk hands out) are valid until the next call of next().
// Owner: one per cleaning pass, on the partition's worker thread.

import {SamsaError} from '../errors.js'
import type {BatchHeader} from '../format/batch-header.js'
import type {Lz4Output} from '../format/lz4-frame.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../format/record-batch.js'
import {openBatch, recordsSection, type RecordsSection, RecordView, walkRecords} from '../format/record-reader.js'
import {BatchScanner, isProblem} from './batch-scanner.js'
import {corruptLog, type LogSegment} from './log-segment.js'

const EMPTY = Buffer.alloc(0)
const WINDOW_BYTES = 1024 * 1024

export class CleanerReader {
  private readonly window = Buffer.allocUnsafe(WINDOW_BYTES)
  private scanner: BatchScanner | null = null
  private segment: LogSegment | null = null
  private pending = false // a batch was returned by next() and not stepped over yet
  private readonly scratch: Lz4Output = {buf: EMPTY, length: 0}
  private readonly section: RecordsSection = {buf: EMPTY, start: 0, end: 0}
  private readonly view = new RecordView()
  private header: BatchHeader | null = null
  private bytes: {buf: Buffer; at: number} = {buf: EMPTY, at: 0}
  /** Byte position and size of the current batch in its segment. */
  position = 0
  size = 0

  /** Starts reading `segment` at byte `from` (a batch boundary). */
  open(segment: LogSegment, from = 0): void {
    this.segment = segment
    this.scanner = new BatchScanner(segment.logFile(), from, segment.size, this.window)
    this.pending = false
  }

  /** The next batch's header (frame and CRC checked), or null at the end of the segment. */
  next(): BatchHeader | null {
    const scanner = this.scanner!
    if (this.pending) scanner.advance()
    this.pending = false
    const b = scanner.peek()
    if (b === null) return null
    if (isProblem(b)) throw corruptLog(this.segment!.logPath, b.position, `${b.problem} (found by the log cleaner)`)
    this.bytes = scanner.body()
    this.position = b.position
    this.size = b.size
    try {
      this.header = openBatch(this.bytes.buf, this.bytes.at, this.bytes.at + b.size, true)
    } catch (err) {
      throw this.damage(err)
    }
    this.pending = true
    return this.header
  }

  /** The current batch's bytes: buf[at, at + size). */
  current(): {buf: Buffer; at: number} {
    return this.bytes
  }

  /** Calls visit for every record of the current batch (decompressed into the reader's scratch). */
  walk(visit: (r: RecordView) => void): void {
    const {buf, at} = this.bytes
    try {
      recordsSection(buf, at, this.header!, DEFAULT_MAX_DECOMPRESSED_BYTES, this.scratch, this.section)
      walkRecords(this.section, this.header!, this.view, visit)
    } catch (err) {
      throw this.damage(err)
    }
  }

  /** Drops the segment and a large decompression scratch (between groups, and when the pass ends). */
  close(): void {
    this.scanner = null
    this.segment = null
    if (this.scratch.buf.length > 4 * 1024 * 1024) this.scratch.buf = EMPTY
  }

  private damage(err: unknown): unknown {
    if (!(err instanceof SamsaError) || err.code !== 'CORRUPT_MESSAGE') return err
    return corruptLog(this.segment!.logPath, this.position, `${err.message} (found by the log cleaner)`)
  }
}
