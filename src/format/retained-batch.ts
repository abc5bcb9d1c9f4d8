// A RecordBatch v2 rebuilt with only some of its records: what the log cleaner writes for a batch that
// lost records to compaction (Kafka's MemoryRecords.filterTo and DefaultRecordBatch.writeEmptyHeader).
//
// What stays as it was (header layout: batch-header.ts): baseOffset, lastOffsetDelta (Kafka's
// overrideLastOffset: the offsets the batch spans never shrink, so a producer's last sequence and the
// log's offsets survive), partitionLeaderEpoch, attributes (the codec: LZ4 stays LZ4, none stays none;
// timestamp type, transactional and control bits), baseTimestamp, producerId, producerEpoch,
// baseSequence. Each kept record is copied byte for byte (its offsetDelta and timestampDelta are relative
// to the unchanged baseOffset and baseTimestamp, so offsets and timestamps read back the same; the
// deltas simply no longer start at 0). What changes: recordsCount, the records section (re-compressed with
// the batch's codec), batchLength, maxTimestamp (the largest kept timestamp, as Kafka recomputes it;
// LogAppendTime batches keep theirs: it is the time every record reports) and the CRC.
// An empty batch (no record kept) is the 61-byte header alone, codec none, recordsCount 0, base and max
// timestamp the original maxTimestamp — exactly Kafka's writeEmptyHeader.
// Scratch buffers are reused and only grow; build() returns a view of one, valid until the next build.
// Owner: the thread running the cleaner; one builder per cleaning pass.

import {gzipSync} from 'node:zlib'
import {SamsaError} from '../errors.js'
import {
  ATTRIBUTES_POS,
  BASE_TIMESTAMP_POS,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_POS,
  type BatchHeader,
  Compression,
  compressionName,
  compressionOf,
  CONTROL_MASK,
  CRC_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD,
  MAGIC_POS,
  MAGIC_V2,
  MAX_TIMESTAMP_POS,
  PARTITION_LEADER_EPOCH_POS,
  PRODUCER_EPOCH_POS,
  PRODUCER_ID_POS,
  BASE_SEQUENCE_POS,
  RECORDS_COUNT_POS,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  writeBaseOffset,
  writeBatchCrc,
  writeInt64,
} from './batch-header.js'
import {compressFrameInto, frameBound} from './lz4-frame.js'

export class RetainedBatchBuilder {
  private records: Buffer = Buffer.allocUnsafe(64 * 1024)
  private out: Buffer = Buffer.allocUnsafe(BATCH_HEADER_SIZE + frameBound(64 * 1024))
  private used = 0
  private kept = 0
  private maxTimestamp = 0

  /** Records kept since the last reset. */
  get count(): number {
    return this.kept
  }

  /** Forgets the kept records (the scratch buffers stay). */
  reset(): void {
    this.used = 0
    this.kept = 0
  }

  /** Keeps one record: section[start, end), its length varint included, copied as it is; `timestamp` is what it reads as. */
  keep(section: Uint8Array, start: number, end: number, timestamp: number): void {
    const n = end - start
    if (this.used + n > this.records.length) this.records = grow(this.records, this.used, this.used + n)
    this.records.set(section.subarray(start, end), this.used)
    this.used += n
    if (this.kept === 0 || timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    this.kept++
  }

  /**
   * The batch `h` (whose bytes start at src[pos]) holding only the kept records, in the order kept (see
   * the header for what stays). At least one record must have been kept. A view of a scratch buffer.
   */
  build(src: Buffer, pos: number, h: BatchHeader): Buffer {
    if (this.kept === 0) throw new SamsaError('INTERNAL', 'a rebuilt batch needs a record: use emptyBatchOf for none')
    const codec = compressionOf(h.attributes)
    let size: number
    if (codec === Compression.None) {
      size = BATCH_HEADER_SIZE + this.used
      this.ensureOut(size)
      this.records.copy(this.out, BATCH_HEADER_SIZE, 0, this.used)
    } else if (codec === Compression.Lz4) {
      this.ensureOut(BATCH_HEADER_SIZE + frameBound(this.used))
      size = compressFrameInto(this.records, 0, this.used, this.out, BATCH_HEADER_SIZE)
    } else if (codec === Compression.Gzip) {
      const gz = gzipSync(this.records.subarray(0, this.used))
      size = BATCH_HEADER_SIZE + gz.length
      this.ensureOut(size)
      gz.copy(this.out, BATCH_HEADER_SIZE)
    } else {
      throw new SamsaError('CORRUPT_MESSAGE', `${compressionName(codec)} compression is not supported`)
    }
    const out = this.out
    src.copy(out, 0, pos, pos + BATCH_HEADER_SIZE)
    out.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH_POS)
    out.writeInt32BE(this.kept, RECORDS_COUNT_POS)
    if ((h.attributes & TIMESTAMP_TYPE_MASK) === 0) writeInt64(out, MAX_TIMESTAMP_POS, this.maxTimestamp)
    writeBatchCrc(out, 0, size)
    return out.subarray(0, size)
  }

  private ensureOut(size: number): void {
    if (size > this.out.length) this.out = Buffer.allocUnsafe(Math.max(size, this.out.length * 2))
  }
}

/**
 * The header-only batch Kafka writes for a batch whose records all went but whose offsets must stay
 * (DefaultRecordBatch.writeEmptyHeader): same offsets, producer fields and timestamp type, no records.
 */
export function emptyBatchOf(h: BatchHeader): Buffer {
  const out = Buffer.alloc(BATCH_HEADER_SIZE)
  writeBaseOffset(out, 0, h.baseOffset)
  out.writeInt32BE(BATCH_HEADER_SIZE - LOG_OVERHEAD, BATCH_LENGTH_POS)
  out.writeInt32BE(h.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_POS)
  out[MAGIC_POS] = MAGIC_V2
  out.writeInt16BE(h.attributes & (TIMESTAMP_TYPE_MASK | TRANSACTIONAL_MASK | CONTROL_MASK), ATTRIBUTES_POS)
  out.writeInt32BE(h.lastOffsetDelta, LAST_OFFSET_DELTA_POS)
  writeInt64(out, BASE_TIMESTAMP_POS, h.maxTimestamp)
  writeInt64(out, MAX_TIMESTAMP_POS, h.maxTimestamp)
  writeInt64(out, PRODUCER_ID_POS, h.producerId)
  out.writeInt16BE(h.producerEpoch, PRODUCER_EPOCH_POS)
  out.writeInt32BE(h.baseSequence, BASE_SEQUENCE_POS)
  out.writeInt32BE(0, RECORDS_COUNT_POS)
  out.writeUInt32BE(0, CRC_POS)
  writeBatchCrc(out, 0, BATCH_HEADER_SIZE)
  return out
}

function grow(buf: Buffer, used: number, needed: number): Buffer {
  if (needed > 0x7fffffff) throw new SamsaError('MESSAGE_TOO_LARGE', 'a rebuilt batch would exceed 2 GiB')
  const grown = Buffer.allocUnsafe(Math.max(needed, buf.length * 2))
  buf.copy(grown, 0, 0, used)
  return grown
}
