// Whole-batch encode and decode of Kafka RecordBatch v2 (header layout in batch-header.ts, record layout
// in record.ts). encodeRecordBatch is the convenience path over RecordBatchBuilder; decodeRecordBatch
// returns plain objects and checks everything a hostile or torn batch could get wrong (see record-reader).
// Invariants of decoded records: key, value and header values are views into the input batch (or into
// the batch's decompressed records section): copy them if they must outlive it.
// Used by engine (produce validation), client (consume), the CLI and tests.

import type {BatchHeader} from './batch-header.js'
import {RecordBatchBuilder} from './record-batch-builder.js'
import type {DecodedRecord, EncodeOptions, Record} from './record.js'
import {decodeBatchRecords, DEFAULT_MAX_DECOMPRESSED_BYTES} from './record-reader.js'

export type {DecodedRecord, EncodeOptions, Record, RecordHeader} from './record.js'
export {RecordBatchBuilder, type BuilderOptions, type ProducerStamp} from './record-batch-builder.js'
export {forEachRecord, RecordView, DEFAULT_MAX_DECOMPRESSED_BYTES, type ReadOptions} from './record-reader.js'

/** Encodes records as one complete batch (CRC filled); compression defaults to LZ4. */
export function encodeRecordBatch(records: readonly Record[], options: EncodeOptions = {}): Buffer {
  const builder = new RecordBatchBuilder({...options, maxBytes: estimateSize(records)})
  for (const r of records) builder.append(r.value, r.key, r.timestamp, r.headers)
  return builder.build()
}

export interface DecodeOptions {
  /** Cap on a compressed batch's records section once decompressed. Default 64 MiB. */
  maxDecompressedBytes?: number
  /** Default true. When false, structure is still checked, so bad bytes still throw CORRUPT_MESSAGE. */
  verifyCrc?: boolean
}

/**
 * Decodes the batch at the start of buf (bytes after it are not examined). Throws SamsaError
 * CORRUPT_MESSAGE on any inconsistency, and never allocates more than the bytes present justify.
 */
export function decodeRecordBatch(buf: Buffer, options: DecodeOptions = {}): {header: BatchHeader; records: DecodedRecord[]} {
  return decodeBatchRecords(buf, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES, options.verifyCrc ?? true)
}

function estimateSize(records: readonly Record[]): number {
  let n = 0
  for (const r of records) n += (r.key?.length ?? 0) + (r.value?.length ?? 0) + 32
  return n
}
