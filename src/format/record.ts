// The record types of RecordBatch v2 as the rest of samsa sees them, and the options of a batch writer.
// Record layout inside a batch (all varints zigzag):
//   length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint
//   | keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
//   | headerCount varint | headers: keyLength varint, key UTF-8, valueLength varint (-1 = null), value
// Kept in its own leaf module so the encoder, decoder and reader can share it without import cycles.

import type {Compression} from './batch-header.js'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface Record {
  key: Buffer | null
  value: Buffer | null
  /** Milliseconds since the epoch (CreateTime), or the batch's append time when it is LogAppendTime. */
  timestamp: number
  headers: RecordHeader[]
}

export interface DecodedRecord extends Record {
  offset: number
}

export interface EncodeOptions {
  /** Default Compression.Lz4. Snappy and zstd are not supported. */
  compression?: Compression
  /** Default 0: producers write 0 and the broker assigns the real offset. */
  baseOffset?: number
  /** Default -1 (Kafka Java's NO_PARTITION_LEADER_EPOCH): the broker sets it. */
  partitionLeaderEpoch?: number
  /** Default -1: not an idempotent producer. */
  producerId?: number
  /** Default -1 (Java and librdkafka; kafkajs writes 0). */
  producerEpoch?: number
  /** Default -1 (Java and librdkafka; kafkajs writes 0). */
  baseSequence?: number
  /**
   * Default false. When true the batch is marked LogAppendTime: maxTimestamp is the largest record
   * timestamp given, and readers report that time for every record.
   */
  logAppendTime?: boolean
}
