// xxHash32 (Yann Collet's non-cryptographic hash), written from the published algorithm description.
// In the LZ4 frame format it checks the frame descriptor (HC = second byte of the hash, seed 0), each
// block when the block-checksum flag is set, and the whole content when the content-checksum flag is set.
// Layout: input is read as little-endian 32-bit lanes; 16-byte stripes feed four accumulators.
// All arithmetic is 32-bit wrapping (Math.imul, >>> 0). Used by lz4-frame.ts only.

const PRIME1 = 0x9e3779b1
const PRIME2 = 0x85ebca77
const PRIME3 = 0xc2b2ae3d
const PRIME4 = 0x27d4eb2f
const PRIME5 = 0x165667b1

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function lane(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)
}

function round(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, PRIME2)) | 0, 13), PRIME1)
}

/** xxHash32 of b[start, end) with the given seed, as an unsigned 32-bit number. */
export function xxhash32(b: Uint8Array, start = 0, end = b.length, seed = 0): number {
  const length = end - start
  let i = start
  let h: number
  if (length >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0
    let v2 = (seed + PRIME2) | 0
    let v3 = seed | 0
    let v4 = (seed - PRIME1) | 0
    const limit = end - 16
    while (i <= limit) {
      v1 = round(v1, lane(b, i))
      v2 = round(v2, lane(b, i + 4))
      v3 = round(v3, lane(b, i + 8))
      v4 = round(v4, lane(b, i + 12))
      i += 16
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + PRIME5) | 0
  }
  h = (h + length) | 0
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(lane(b, i), PRIME3)) | 0, 17), PRIME4)
    i += 4
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(b[i], PRIME5)) | 0, 11), PRIME1)
    i++
  }
  h ^= h >>> 15
  h = Math.imul(h, PRIME2)
  h ^= h >>> 13
  h = Math.imul(h, PRIME3)
  h ^= h >>> 16
  return h >>> 0
}
