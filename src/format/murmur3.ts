// MurmurHash3 x86_128 (Austin Appleby's public-domain hash, written from the reference C code): 128 bits
// from 32-bit arithmetic only, which JavaScript does fast (Math.imul, >>> 0) — the log cleaner's key hash
// (storage/offset-map.ts), playing the part MD5 plays in Kafka's SkimpyOffsetMap at a fraction of the cost.
// Layout: input read as little-endian 32-bit lanes, 16-byte blocks feed four lanes h1..h4; the result is
// h1..h4 as unsigned 32-bit words (the reference writes them little-endian in that order).
// Not cryptographic: a hostile producer can make two keys collide, as with MD5 in Kafka. Pure, no state
// beyond the caller's output array.

const C1 = 0x239b961b
const C2 = 0xab0e9789
const C3 = 0x38b34ae5
const C4 = 0xa1e38b93

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function lane(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Writes MurmurHash3 x86_128 of b[start, end) into out[0..3] (unsigned 32-bit words h1..h4). */
export function murmur3x86128(b: Uint8Array, start: number, end: number, seed: number, out: Uint32Array): void {
  const length = end - start
  let h1 = seed | 0
  let h2 = h1
  let h3 = h1
  let h4 = h1
  let i = start
  for (const limit = end - 16; i <= limit; i += 16) {
    let k1 = lane(b, i)
    let k2 = lane(b, i + 4)
    let k3 = lane(b, i + 8)
    let k4 = lane(b, i + 12)
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2)
    h1 ^= k1
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3)
    h2 ^= k2
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4)
    h3 ^= k3
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1)
    h4 ^= k4
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0
  }
  // the tail: the reference's fall-through switch, lane by lane from the highest
  const tail = end - i
  if (tail > 12) {
    let k4 = 0
    for (let j = tail - 1; j >= 12; j--) k4 = (k4 << 8) | b[i + j]!
    h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1)
  }
  if (tail > 8) {
    let k3 = 0
    for (let j = Math.min(tail, 12) - 1; j >= 8; j--) k3 = (k3 << 8) | b[i + j]!
    h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4)
  }
  if (tail > 4) {
    let k2 = 0
    for (let j = Math.min(tail, 8) - 1; j >= 4; j--) k2 = (k2 << 8) | b[i + j]!
    h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3)
  }
  if (tail > 0) {
    let k1 = 0
    for (let j = Math.min(tail, 4) - 1; j >= 0; j--) k1 = (k1 << 8) | b[i + j]!
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2)
  }
  h1 ^= length
  h2 ^= length
  h3 ^= length
  h4 ^= length
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  h1 = fmix(h1)
  h2 = fmix(h2)
  h3 = fmix(h3)
  h4 = fmix(h4)
  h1 = (h1 + h2 + h3 + h4) | 0
  h2 = (h2 + h1) | 0
  h3 = (h3 + h1) | 0
  h4 = (h4 + h1) | 0
  out[0] = h1
  out[1] = h2
  out[2] = h3
  out[3] = h4
}
