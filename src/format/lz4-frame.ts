// The standard LZ4 frame format (lz4_Frame_format.md v1.6), which Kafka uses for attribute codec 3:
//
//   magic 04 22 4D 18 | FLG | BD | [content size u64 LE] | [dict id u32 LE] | HC
//   blocks: u32 LE size (high bit = stored uncompressed; 0 = end mark) | data | [block xxh32]
//   end mark 00 00 00 00 | [content xxh32]
//   FLG: version 01 (bits 7-6), block independence (5), block checksum (4), content size (3),
//        content checksum (2), reserved (1), dict id (0). BD: block max size id 4..7 (64K..4M) in bits 6-4.
//   HC = second byte of xxHash32 (seed 0) over FLG .. the byte before HC.
//
// We write what Kafka Java and librdkafka write: FLG 0x60, BD 0x40, 64 KiB independent blocks, no
// checksums, a block stored raw when LZ4 does not shrink it. We read any conforming frame (checksums
// verified, concatenated and skippable frames accepted). Linked blocks (independence flag clear) are
// decoded only while the frame has a single block, which needs no history; Kafka's broker rejects such
// frames outright, and a second linked block is rejected here with "LZ4 frame uses linked blocks".
// Hostile input: every length is checked against the bytes present before it is used, and the output
// never grows past maxSize nor past what the bytes present could possibly expand to (LZ4 expands at most
// ~255×), so a lying header cannot drive a large allocation.
// Used by record-batch encode/decode, validate-batch, and the CLI's tools. Block codec: the `lz4`
// package's native raw block functions (its own frame stream is slow and mis-handles linked blocks).

import {createRequire} from 'node:module'
import {SamsaError} from '../errors.js'
import {xxhash32} from './xxhash32.js'

interface Lz4Binding {
  // reads input[sIdx, eIdx) and writes output[0, output.length); returns < 0 on bad input. The binding
  // does not check eIdx against input's length: every caller here has checked it already.
  uncompress(input: Uint8Array, output: Uint8Array, sIdx: number, eIdx: number): number
  // writes output[sIdx, eIdx) from all of input; returns 0 when the result does not fit
  compress(input: Uint8Array, output: Uint8Array, sIdx: number, eIdx: number): number
}
// The bare native binding (the same file the package's own lib loads): loading the package's entry point
// also loads its stream classes and costs ~6 ms more at CLI startup.
const lz4 = createRequire(import.meta.url)('lz4/build/Release/lz4.node') as Lz4Binding

const MAGIC = 0x184d2204
const SKIPPABLE_MAGIC_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const BLOCK_SIZE = 64 * 1024
const FLG_KAFKA = 0x60
const BD_64K = 0x40
const UNCOMPRESSED_BIT = 0x80000000
// a block's decompressed size is at most ~255× its compressed size (one length byte adds 255 bytes)
const MAX_EXPANSION = 256
// HC of our fixed descriptor [FLG 0x60, BD 0x40], computed once rather than per frame
const HC_KAFKA = (xxhash32(Uint8Array.of(FLG_KAFKA, BD_64K)) >>> 8) & 0xff
const EMPTY = Buffer.alloc(0)

function corrupt(reason: string): never {
  throw new SamsaError('CORRUPT_MESSAGE', `LZ4 frame ${reason}`)
}

/** The largest frame compressFrame can produce for n input bytes (raw-stored blocks are the worst case). */
export function frameBound(n: number): number {
  return 7 + n + 4 * Math.ceil(n / BLOCK_SIZE) + 4
}

/**
 * Writes the frame of input[start, end) into out at outPos, which must have frameBound(end - start)
 * bytes of room; returns the position after the frame. The hot path of batch building: no allocation
 * beyond one subarray view per 64 KiB block, which the native binding needs to know the block's end.
 */
export function compressFrameInto(input: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number): number {
  out[outPos] = 0x04
  out[outPos + 1] = 0x22
  out[outPos + 2] = 0x4d
  out[outPos + 3] = 0x18
  out[outPos + 4] = FLG_KAFKA
  out[outPos + 5] = BD_64K
  out[outPos + 6] = HC_KAFKA
  let pos = outPos + 7
  for (let blockStart = start; blockStart < end; blockStart += BLOCK_SIZE) {
    const blockEnd = Math.min(blockStart + BLOCK_SIZE, end)
    const rawSize = blockEnd - blockStart
    // capacity rawSize-1: LZ4 gives up (returns 0) as soon as it cannot beat storing the block raw
    const n = lz4.compress(input.subarray(blockStart, blockEnd), out, pos + 4, pos + 4 + rawSize - 1)
    if (n > 0) {
      writeU32LE(out, pos, n)
      pos += 4 + n
    } else {
      writeU32LE(out, pos, (rawSize | UNCOMPRESSED_BIT) >>> 0)
      out.set(input.subarray(blockStart, blockEnd), pos + 4)
      pos += 4 + rawSize
    }
  }
  writeU32LE(out, pos, 0)
  return pos + 4
}

// compressFrame reuses one scratch frame, then copies the exact result: one copy beats an oversized
// allocation per call, and the scratch only grows (to the largest frame seen).
let scratch = Buffer.allocUnsafe(frameBound(BLOCK_SIZE))

/** Compresses input into one LZ4 frame as Kafka writes it (FLG 0x60, BD 0x40). */
export function compressFrame(input: Uint8Array): Buffer {
  const bound = frameBound(input.length)
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, scratch.length * 2))
  const n = compressFrameInto(input, 0, input.length, scratch, 0)
  const frame = Buffer.allocUnsafe(n)
  scratch.copy(frame, 0, 0, n)
  return frame
}

/** A reusable decompression target: buf grows (doubling, up to maxSize); the output is buf[0, length). */
export interface Lz4Output {
  buf: Buffer
  length: number
}

/** Decompresses a whole frame (or concatenated frames) into a new Buffer of at most maxSize bytes. */
export function decompressFrame(frame: Uint8Array, maxSize: number): Buffer {
  const out: Lz4Output = {buf: EMPTY, length: 0}
  decompressFrameInto(frame, 0, frame.length, maxSize, out)
  return out.buf.subarray(0, out.length)
}

/**
 * Decompresses the frame(s) in frame[start, end) into out.buf (reused when big enough, else replaced by
 * a larger one); sets out.length. Throws SamsaError CORRUPT_MESSAGE with a one-line reason.
 */
export function decompressFrameInto(frame: Uint8Array, start: number, end: number, maxSize: number, out: Lz4Output): void {
  out.length = 0
  let pos = start
  if (end - pos < 4) corrupt(`is truncated: ${end - pos} bytes, too short for a magic number`)
  while (pos < end) {
    if (end - pos < 4) corrupt(`has ${end - pos} trailing bytes after the end mark`)
    const magic = readU32LE(frame, pos)
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (end - pos < 8) corrupt('skippable frame is truncated')
      const size = readU32LE(frame, pos + 4)
      if (size > end - pos - 8) corrupt(`skippable frame of ${size} bytes runs past the end (${end - pos - 8} left)`)
      pos += 8 + size
      continue
    }
    if (magic !== MAGIC) corrupt(`has bad magic 0x${magic.toString(16).padStart(8, '0')}`)
    pos = decodeOneFrame(frame, pos + 4, end, maxSize, out)
  }
}

// Decodes one frame whose magic ends at pos; returns the position after it.
function decodeOneFrame(frame: Uint8Array, pos: number, end: number, maxSize: number, out: Lz4Output): number {
  if (end - pos < 3) corrupt('header is truncated')
  const descriptorStart = pos
  const flg = frame[pos]
  const bd = frame[pos + 1]
  if (flg >>> 6 !== 1) corrupt(`version ${flg >>> 6} is not 1`)
  if (flg & 0x02 || bd & 0x8f) corrupt('header has reserved bits set')
  if (flg & 0x01) corrupt('uses a dictionary, which Kafka does not support')
  const independent = (flg & 0x20) !== 0
  const blockChecksums = (flg & 0x10) !== 0
  const hasContentSize = (flg & 0x08) !== 0
  const contentChecksum = (flg & 0x04) !== 0
  const blockSizeId = (bd >>> 4) & 0x07
  if (blockSizeId < 4) corrupt(`block size id ${blockSizeId} is not 4..7`)
  const blockMax = 1 << (8 + 2 * blockSizeId)
  pos += 2
  let contentSize = -1
  if (hasContentSize) {
    if (end - pos < 9) corrupt('header is truncated')
    const high = readU32LE(frame, pos + 4)
    contentSize = high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 2 ** 32 + readU32LE(frame, pos)
    if (contentSize > maxSize - out.length) {
      corrupt(`content size ${contentSize} exceeds the ${maxSize}-byte limit`)
    }
    pos += 8
  }
  const hc = frame[pos]
  const expectedHc = (xxhash32(frame, descriptorStart, pos) >>> 8) & 0xff
  if (hc !== expectedHc) corrupt(`header checksum 0x${hex2(hc)} should be 0x${hex2(expectedHc)}`)
  pos += 1

  const contentStart = out.length
  if (contentSize >= 0) ensureRoom(out, Math.min(contentSize, (end - pos) * MAX_EXPANSION), maxSize)
  let blocks = 0
  for (;;) {
    if (end - pos < 4) corrupt('is truncated: no end mark')
    const word = readU32LE(frame, pos)
    pos += 4
    if (word === 0) break
    const stored = word >= UNCOMPRESSED_BIT
    const size = stored ? word - UNCOMPRESSED_BIT : word
    if (size > blockMax) corrupt(`block of ${size} bytes exceeds the ${blockMax}-byte block size`)
    const trailer = blockChecksums ? 4 : 0
    if (size + trailer > end - pos) corrupt(`is truncated: block of ${size} bytes, ${end - pos} left`)
    if (!independent && blocks > 0) corrupt('uses linked blocks (block independence flag not set)')
    if (blockChecksums) {
      const stated = readU32LE(frame, pos + size)
      const computed = xxhash32(frame, pos, pos + size)
      if (stated !== computed) corrupt(`block checksum 0x${hex8(stated)} should be 0x${hex8(computed)}`)
    }
    const limit = maxSize - out.length
    if (stored) {
      if (size > limit) corrupt(`decompresses past the ${maxSize}-byte limit`)
      ensureRoom(out, size, maxSize)
      out.buf.set(frame.subarray(pos, pos + size), out.length)
      out.length += size
    } else {
      const room = Math.min(blockMax, size * MAX_EXPANSION + 64, limit)
      ensureRoom(out, room, maxSize)
      const n = lz4.uncompress(frame, out.buf.subarray(out.length, out.length + room), pos, pos + size)
      if (n < 0) {
        corrupt(room === limit ? `block is corrupt or decompresses past the ${maxSize}-byte limit` : 'block is corrupt')
      }
      out.length += n
    }
    pos += size + trailer
    blocks++
  }
  const produced = out.length - contentStart
  if (contentSize >= 0 && produced !== contentSize) corrupt(`content size says ${contentSize} bytes but blocks hold ${produced}`)
  if (contentChecksum) {
    if (end - pos < 4) corrupt('is truncated: no content checksum')
    const stated = readU32LE(frame, pos)
    const computed = xxhash32(out.buf, contentStart, out.length)
    if (stated !== computed) corrupt(`content checksum 0x${hex8(stated)} should be 0x${hex8(computed)}`)
    pos += 4
  }
  return pos
}

// Makes room for `more` bytes after out.length, doubling capacity but never beyond maxSize.
function ensureRoom(out: Lz4Output, more: number, maxSize: number): void {
  const needed = out.length + more
  if (needed <= out.buf.length) return
  const grown = Buffer.allocUnsafe(Math.min(maxSize, Math.max(needed, out.buf.length * 2, 1024)))
  out.buf.copy(grown, 0, 0, out.length)
  out.buf = grown
}

function readU32LE(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
}

function writeU32LE(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff
  b[i + 1] = (v >>> 8) & 0xff
  b[i + 2] = (v >>> 16) & 0xff
  b[i + 3] = v >>> 24
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0')
const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
