// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF), the checksum of
// RecordBatch v2: bytes 21 (attributes) to the end of the batch. Check value: "123456789" → 0xE3069283.
// Node's zlib.crc32 is the IEEE polynomial and must not be used here.
// Used by batch-header.ts (batch CRC), and by storage for its own framed metadata files.
// Backed by @node-rs/crc32 (SIMD, ~5 GB/s); a range is passed as a subarray view, never copied.

import {crc32c as nativeCrc32c} from '@node-rs/crc32'

/** CRC-32C of buf[start, end) as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end)
  return nativeCrc32c(view) >>> 0
}
