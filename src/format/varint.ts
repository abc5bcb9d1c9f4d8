// Kafka's variable-length integers, as used inside RecordBatch v2 records and flexible protocol versions.
//
// Layout: little-endian groups of 7 bits, high bit = "more bytes follow".
//   unsigned varint : 0 .. 2^32-1, at most 5 bytes (5th byte ≤ 0x0f)
//   varint          : zigzag int32 ((n << 1) ^ (n >> 31)), at most 5 bytes
//   varlong         : zigzag int64, at most 10 bytes; we hold it in a double, so only |n| ≤ 2^53 is
//                     accepted (timestamps and their deltas fit; anything larger is treated as corrupt)
// Invariants: every read is bounded by an explicit `end`; running past it, a too-long encoding or a value
// out of range throws SamsaError CORRUPT_MESSAGE. Readers advance a caller-owned Cursor so that a read
// returns one number without allocating a {value, pos} pair on hot paths.
// Used by record-batch.ts, validate-batch.ts and src/protocol (compact strings/arrays).

import {SamsaError} from '../errors.js'

/** A read position that read functions advance. Reuse one per parse: it is a plain mutable object. */
export interface Cursor {
  pos: number
}

const TWO_26 = 2 ** 26
const TWO_27 = 2 ** 27
const TWO_53 = 2 ** 53

function corrupt(msg: string): never {
  throw new SamsaError('CORRUPT_MESSAGE', msg)
}

/** Bytes needed for the zigzag varint of an int32. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0)
}

/** Bytes needed for an unsigned varint (0 .. 2^32-1). */
export function sizeOfUnsignedVarint(u: number): number {
  // comparisons beat a loop of shifts: this runs several times per record on the producer path
  if (u < 0x80) return 1
  if (u < 0x4000) return 2
  if (u < 0x200000) return 3
  if (u < 0x10000000) return 4
  return 5
}

/** Bytes needed for the zigzag varlong of an integer with |value| ≤ 2^53. */
export function sizeOfVarlong(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value)
  let m = value >= 0 ? value : -value - 1 // zigzag value is 2m (+1 when negative)
  let n = 1
  m = Math.floor(m / 64) // the first byte carries the sign bit and 6 bits of m
  while (m > 0) {
    n++
    m = Math.floor(m / 128)
  }
  return n
}

/** Writes an unsigned varint at pos; returns the position after it. Caller ensures room (≤ 5 bytes). */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, u: number): number {
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80
    u >>>= 7
  }
  buf[pos++] = u
  return pos
}

/** Writes the zigzag varint of an int32 at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0)
}

/** Writes the zigzag varlong of an integer with |value| ≤ 2^53; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, pos, value)
  if (!Number.isInteger(value) || value > TWO_53 || value < -TWO_53) {
    throw new SamsaError('INVALID_INPUT', `varlong ${value} is not an integer within ±2^53`)
  }
  // 2m+1 for m near 2^53 is not exact in a double, so emit the sign bit and m's bits separately.
  const negative = value < 0
  let m = negative ? -value - 1 : value
  let b = ((m % 64) << 1) | (negative ? 1 : 0)
  m = Math.floor(m / 64)
  while (m > 0) {
    buf[pos++] = b | 0x80
    b = m % 128
    m = Math.floor(m / 128)
  }
  buf[pos++] = b
  return pos
}

/** Reads an unsigned varint (≤ 5 bytes, value < 2^32) from buf[cursor.pos, end). */
export function readUnsignedVarint(buf: Uint8Array, cursor: Cursor, end: number): number {
  let pos = cursor.pos
  if (pos >= end) corrupt('varint runs past the end of data')
  let b = buf[pos++]
  if (b < 0x80) {
    cursor.pos = pos
    return b
  }
  let u = b & 0x7f
  for (let shift = 7; ; shift += 7) {
    if (pos >= end) corrupt('varint runs past the end of data')
    b = buf[pos++]
    if (shift === 28) {
      if (b > 0x0f) corrupt('varint is longer than 5 bytes or overflows 32 bits')
      u = (u | (b << 28)) >>> 0
      break
    }
    u |= (b & 0x7f) << shift
    if (b < 0x80) break
  }
  cursor.pos = pos
  return u >>> 0
}

/** Reads a zigzag varint (int32) from buf[cursor.pos, end). */
export function readVarint(buf: Uint8Array, cursor: Cursor, end: number): number {
  const u = readUnsignedVarint(buf, cursor, end)
  return (u >>> 1) ^ -(u & 1)
}

/** Reads a zigzag varlong from buf[cursor.pos, end); values beyond ±2^53 are rejected as corrupt. */
export function readVarlong(buf: Uint8Array, cursor: Cursor, end: number): number {
  let pos = cursor.pos
  // low holds bits 0..27 exactly as an int; high accumulates bits 28..63 as an exact double (< 2^36·2^7)
  let low = 0
  let high = 0
  let i = 0
  for (; ; i++) {
    if (pos >= end) corrupt('varlong runs past the end of data')
    if (i === 10) corrupt('varlong is longer than 10 bytes')
    const b = buf[pos++]
    if (i < 4) low |= (b & 0x7f) << (7 * i)
    else high += (b & 0x7f) * 2 ** (7 * i - 28)
    if (b < 0x80) break
  }
  cursor.pos = pos
  if (high === 0) return (low >>> 1) ^ -(low & 1)
  // zigzag u = high·2^28 + low must be ≤ 2^54 (that is n = 2^53) for n to be exact in a double
  if (high > TWO_26 || (high === TWO_26 && low !== 0)) corrupt('varlong exceeds ±2^53')
  const half = high * TWO_27 + (low >>> 1)
  return low & 1 ? -half - 1 : half
}
