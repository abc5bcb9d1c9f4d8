// The 61-byte header of a Kafka RecordBatch (magic v2), big-endian:
//
//   pos size field                    pos size field
//    0   8   baseOffset int64          27   8   baseTimestamp int64
//    8   4   batchLength int32         35   8   maxTimestamp int64
//   12   4   partitionLeaderEpoch      43   8   producerId int64
//   16   1   magic int8 (= 2)          51   2   producerEpoch int16
//   17   4   crc uint32 (CRC-32C)      53   4   baseSequence int32
//   21   2   attributes int16          57   4   recordsCount int32
//   23   4   lastOffsetDelta int32     61   …   records (possibly one compressed blob)
//
// Invariants: batch size on disk/wire = batchLength + LOG_OVERHEAD (12). The CRC covers bytes 21 to the
// end of the batch, so baseOffset, batchLength and partitionLeaderEpoch can be rewritten without touching
// it; anything from attributes onward (maxTimestamp, the LogAppendTime bit) needs a new CRC.
// int64 fields are exposed as JS numbers: a value beyond ±2^53 cannot be exact and is rejected as corrupt.
// Used by storage (segment scans, recovery, offset assignment), engine (produce path) and protocol.

import {SamsaError} from '../errors.js'
import {crc32c} from './crc32c.js'

export const BATCH_HEADER_SIZE = 61
export const LOG_OVERHEAD = 12
export const MAGIC_V2 = 2

export const BASE_OFFSET_POS = 0
export const BATCH_LENGTH_POS = 8
export const PARTITION_LEADER_EPOCH_POS = 12
export const MAGIC_POS = 16
export const CRC_POS = 17
export const ATTRIBUTES_POS = 21
export const LAST_OFFSET_DELTA_POS = 23
export const BASE_TIMESTAMP_POS = 27
export const MAX_TIMESTAMP_POS = 35
export const PRODUCER_ID_POS = 43
export const PRODUCER_EPOCH_POS = 51
export const BASE_SEQUENCE_POS = 53
export const RECORDS_COUNT_POS = 57

export enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const COMPRESSION_MASK = 0x07
export const TIMESTAMP_TYPE_MASK = 0x08
export const TRANSACTIONAL_MASK = 0x10
export const CONTROL_MASK = 0x20

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

/** The codec bits (0–2) of a batch's attributes. Values 5–7 are not a known codec. */
export function compressionOf(attributes: number): Compression {
  return (attributes & COMPRESSION_MASK) as Compression
}

export function compressionName(c: Compression): string {
  switch (c) {
    case Compression.None:
      return 'none'
    case Compression.Gzip:
      return 'gzip'
    case Compression.Snappy:
      return 'snappy'
    case Compression.Lz4:
      return 'lz4'
    case Compression.Zstd:
      return 'zstd'
    default:
      return `unknown(${c as number})`
  }
}

const TWO_32 = 2 ** 32

/** Reads a big-endian int64 as a number; throws CORRUPT_MESSAGE beyond ±2^53 where a double is inexact. */
export function readInt64(buf: Buffer, pos: number, field = 'int64'): number {
  // two 32-bit reads are several times cheaper than readBigInt64BE plus a BigInt → Number conversion
  const high = buf.readInt32BE(pos)
  const low = buf.readUInt32BE(pos + 4)
  if (high > 0x200000 || high < -0x200000 || (high === 0x200000 && low !== 0)) {
    throw new SamsaError('CORRUPT_MESSAGE', `${field} ${buf.readBigInt64BE(pos)} is beyond ±2^53`)
  }
  return high * TWO_32 + low
}

/** Writes an integer with |value| ≤ 2^53 as a big-endian int64. */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / TWO_32)
  buf.writeInt32BE(high, pos)
  buf.writeUInt32BE(value - high * TWO_32, pos + 4)
}

/** Parses the header at pos. The caller guarantees BATCH_HEADER_SIZE bytes are present. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_POS, 'baseOffset'),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_POS),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_POS),
    magic: buf.readInt8(pos + MAGIC_POS),
    crc: buf.readUInt32BE(pos + CRC_POS),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_POS),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_POS, 'baseTimestamp'),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_POS, 'maxTimestamp'),
    producerId: readInt64(buf, pos + PRODUCER_ID_POS, 'producerId'),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_POS),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_POS),
    recordsCount: buf.readInt32BE(pos + RECORDS_COUNT_POS),
  }
}

/** Bytes the whole batch occupies, header included. */
export function batchSizeOf(h: BatchHeader): number {
  return h.batchLength + LOG_OVERHEAD
}

/** An idempotent producer's sequence `by` after `seq`, wrapping from 2^31−1 to 0 (Kafka's incrementSequence). */
export function nextSequence(seq: number, by = 1): number {
  const next = seq + by
  return next > 0x7fffffff ? next - 0x7fffffff - 1 : next
}

/** Offset of the batch's last record (also correct for compacted batches with gaps). */
export function lastOffsetOf(h: BatchHeader): number {
  return h.baseOffset + h.lastOffsetDelta
}

/** The offset after the last record of buf's whole batches (stored ones: offsets assigned); -1 if none is whole. */
export function endOffsetOf(buf: Buffer): number {
  let end = -1
  for (let pos = 0; pos + BATCH_HEADER_SIZE <= buf.length; ) {
    const next = pos + buf.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
    if (next > buf.length || next <= pos) break
    end = readInt64(buf, pos + BASE_OFFSET_POS, 'baseOffset') + buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS) + 1
    pos = next
  }
  return end
}

/** CRC-32C of the batch buf[pos, pos+size) from the attributes to the end, as stored at CRC_POS. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf, pos + ATTRIBUTES_POS, pos + size)
}

export function crcMatches(buf: Buffer, pos: number, size: number): boolean {
  return buf.readUInt32BE(pos + CRC_POS) === computeBatchCrc(buf, pos, size)
}

/** Rewrites the batch's first offset in place: outside the CRC, so no re-checksum (offset assignment). */
export function writeBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET_POS, offset)
}

/** Rewrites maxTimestamp in place. It is covered by the CRC: call writeBatchCrc afterwards. */
export function writeMaxTimestamp(buf: Buffer, pos: number, timestamp: number): void {
  writeInt64(buf, pos + MAX_TIMESTAMP_POS, timestamp)
}

/** Recomputes and stores the CRC of the batch buf[pos, pos+size). */
export function writeBatchCrc(buf: Buffer, pos: number, size: number): void {
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + CRC_POS)
}

/**
 * What a broker does for message.timestamp.type=LogAppendTime: mark the batch LogAppendTime and make
 * `now` its maxTimestamp, which readers then report for every record; the CRC is recomputed.
 */
export function setLogAppendTime(buf: Buffer, pos: number, size: number, now: number): void {
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_POS)
  buf.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, pos + ATTRIBUTES_POS)
  writeInt64(buf, pos + MAX_TIMESTAMP_POS, now)
  writeBatchCrc(buf, pos, size)
}
