// Kafka Java's Utils.murmur2 (MurmurHash2, seed 0x9747b28c) and the default partitioner built on it.
// Layout: the key's bytes (UTF-8 for strings: hashing UTF-16 code units gives wrong partitions for
// non-ASCII keys) read as little-endian 4-byte blocks, then a 1–3 byte tail.
// Invariants: all arithmetic wraps at 32 bits (Math.imul, `| 0`), shifts are logical (`>>>`), the result
// is a signed int32, and the partition is (h & 0x7fffffff) % n — Kafka's toPositive, not Math.abs.
// Used by the client/CLI producer so that keyed records land where Kafka Java and kafkajs put them.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 of bytes[start, end) (default: all of them), as a signed 32-bit integer. */
export function murmur2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const length = end - start
  let h = SEED ^ length
  const blocks = start + (length & ~3)
  for (let i = start; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // the tail falls through from 3 bytes to 1, as in Java's switch
  const tail = length & 3
  if (tail === 3) h ^= bytes[blocks + 2] << 16
  if (tail >= 2) h ^= bytes[blocks + 1] << 8
  if (tail >= 1) {
    h ^= bytes[blocks]
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** The partition Kafka's default partitioner picks for a keyed record (key = key[start, end), default all). */
export function partitionForKey(key: Uint8Array, numPartitions: number, start = 0, end = key.length): number {
  return (murmur2(key, start, end) & 0x7fffffff) % numPartitions
}
