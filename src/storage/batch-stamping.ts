// What append does to the bytes it is handed, before the one write: check that the buffer is exactly
// whole RecordBatch v2 frames (the caller validated CRC and records; this only guards the offsets we are
// about to assign), then stamp each batch's baseOffset (bytes 0–7, outside the CRC: no re-checksum) and,
// for message.timestamp.type=LogAppendTime, the broker's time (attributes bit 3 + maxTimestamp; the CRC is
// recomputed by setLogAppendTime).
// Layout: batch-header.ts. Owner: the partition's worker thread, inside PartitionLog.appendBatches.

import {SamsaError} from '../errors.js'
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD,
  MAGIC_POS,
  MAGIC_V2,
  MAX_TIMESTAMP_POS,
  setLogAppendTime,
  writeBaseOffset,
} from '../format/batch-header.js'

export interface Framed {
  /** Whole batches in the buffer. */
  batches: number
  /** Offsets they take: Σ (lastOffsetDelta + 1). */
  offsets: number
}

/** Checks buf is one or more whole v2 batch frames; CORRUPT_MESSAGE otherwise. */
export function frameBatches(buf: Buffer): Framed {
  let batches = 0
  let offsets = 0
  let p = 0
  while (p < buf.length) {
    if (buf.length - p < BATCH_HEADER_SIZE) throw corrupt(`${buf.length - p} trailing bytes do not hold a batch header`)
    const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (size < BATCH_HEADER_SIZE || p + size > buf.length) {
      throw corrupt(`batch length ${size - LOG_OVERHEAD} at byte ${p} does not fit the ${buf.length} bytes given`)
    }
    if (buf[p + MAGIC_POS] !== MAGIC_V2) throw corrupt(`magic ${buf[p + MAGIC_POS]} at byte ${p} is not ${MAGIC_V2}`)
    const lastOffsetDelta = buf.readInt32BE(p + LAST_OFFSET_DELTA_POS)
    if (lastOffsetDelta < 0) throw corrupt(`negative lastOffsetDelta at byte ${p}`)
    // checked before the write, so nothing after it can fail on these bytes
    const tsHigh = buf.readInt32BE(p + MAX_TIMESTAMP_POS)
    if (tsHigh > 0x1fffff || tsHigh < -0x200000) throw corrupt(`maxTimestamp at byte ${p} is beyond ±2^53`)
    offsets += lastOffsetDelta + 1
    p += size
    batches++
  }
  if (batches === 0) throw corrupt('no batch to append')
  return {batches, offsets}
}

/** Stamps baseOffsets from `baseOffset` on (and LogAppendTime when ≥ 0); returns the next offset. */
export function stampBatches(buf: Buffer, baseOffset: number, logAppendTime: number): number {
  let next = baseOffset
  for (let p = 0; p < buf.length; ) {
    const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
    writeBaseOffset(buf, p, next)
    if (logAppendTime >= 0) setLogAppendTime(buf, p, size, logAppendTime)
    next += buf.readInt32BE(p + LAST_OFFSET_DELTA_POS) + 1
    p += size
  }
  return next
}

function corrupt(message: string): SamsaError {
  return new SamsaError('CORRUPT_MESSAGE', message)
}
