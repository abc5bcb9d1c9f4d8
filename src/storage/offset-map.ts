// The log cleaner's key → last offset map (Kafka's SkimpyOffsetMap): a fixed-size open-addressing hash
// table over 128-bit key hashes, so its memory is set once, by its size, and never by the log's.
//
// Layout: one Int32Array, 6 words (24 bytes) per slot i of `slots` (a power of two): words 6i .. 6i+3
// the key's MurmurHash3 x86_128 (format/murmur3.ts); 6i+4 and 6i+5 the last offset seen for it, high and
// low 32 bits (high -1: an empty slot). 24 bytes a slot, as Kafka's 16-byte MD5 + 8-byte offset, and in
// one array so that a probe reads one cache line, not one in a hash array and one in an offset array (a
// table of tens of MiB misses the CPU caches on nearly every probe: this halves the misses). Probing is
// double hashing: start at word 0, step by word 1 made odd (odd steps visit every slot of a power-of-two
// table), so a probe sequence does not cluster the way linear probing does near full.
// Invariants: at most `maxEntries` (slots × loadFactor) keys are held, so a probe always finds an empty
// slot; put() refuses a NEW key beyond that (the map is full: the cleaner cleans up to there and
// leaves the rest for its next pass); `latestOffset` is the last offset the map covers (Kafka's
// updateLatestOffset: records above it were not read into the map, so they are kept as they are).
// Two keys whose 128-bit hashes are equal count as one key (the risk Kafka takes with MD5: ~2^-64 for
// billions of keys).
// Owner: one per worker thread, reused by every cleaning pass there, one pass at a time (each pass
// clears it when it starts).

import {murmur3x86128} from '../format/murmur3.js'

/** 24 MiB: 2^20 slots, ~940 k keys per pass at the default load factor. */
export const DEFAULT_OFFSET_MAP_BYTES = 24 * 1024 * 1024
const SLOT_BYTES = 24
const WORDS = SLOT_BYTES / 4
const EMPTY = -1 // the high word of an empty slot's offset (offsets are ≥ 0)
const TWO_32 = 2 ** 32
const SEED = 0x5a5a5a5a

export interface OffsetMapOptions {
  /** Memory for the table, in bytes (rounded down to a power-of-two number of 24-byte slots). */
  memoryBytes?: number
  /** Fraction of slots that may hold keys (Kafka's log.cleaner.io.buffer.load.factor, 0.9). */
  loadFactor?: number
}

export class OffsetMap {
  readonly slots: number
  readonly maxEntries: number
  private readonly mask: number
  private readonly table: Int32Array
  private readonly hash = new Uint32Array(4)
  private entries = 0
  /** The last offset read into the map (-1: none). */
  latestOffset = -1

  constructor(options: OffsetMapOptions = {}) {
    const bytes = options.memoryBytes ?? DEFAULT_OFFSET_MAP_BYTES
    const loadFactor = options.loadFactor ?? 0.9
    if (!(loadFactor > 0 && loadFactor < 1)) throw new RangeError(`load factor ${loadFactor} is not between 0 and 1`)
    let slots = 1
    while (slots * 2 * SLOT_BYTES <= bytes) slots *= 2
    if (slots < 4) throw new RangeError(`an offset map of ${bytes} bytes holds no key: give it at least ${4 * SLOT_BYTES}`)
    this.slots = slots
    this.mask = slots - 1
    this.maxEntries = Math.max(1, Math.floor(slots * loadFactor))
    this.table = new Int32Array(slots * WORDS)
    this.clear()
  }

  /** Keys held. */
  get size(): number {
    return this.entries
  }

  /** Bytes the table takes (fixed at construction). */
  get memoryBytes(): number {
    return this.slots * SLOT_BYTES
  }

  /** Fraction of maxEntries in use (Kafka's buffer utilization). */
  get utilization(): number {
    return this.entries / this.maxEntries
  }

  clear(): void {
    const t = this.table
    for (let at = 4; at < t.length; at += WORDS) t[at] = EMPTY
    this.entries = 0
    this.latestOffset = -1
  }

  /**
   * Records `offset` as the last one for the key key[start, end). Returns false, changing nothing, when
   * the key is new and the map already holds maxEntries keys.
   */
  put(key: Uint8Array, start: number, end: number, offset: number): boolean {
    const at = this.find(key, start, end)
    const t = this.table
    if (t[at + 4] === EMPTY) {
      if (this.entries >= this.maxEntries) return false
      const h = this.hash
      t[at] = h[0]!
      t[at + 1] = h[1]!
      t[at + 2] = h[2]!
      t[at + 3] = h[3]!
      this.entries++
    }
    const high = Math.floor(offset / TWO_32)
    t[at + 4] = high
    t[at + 5] = offset - high * TWO_32
    return true
  }

  /** The last offset recorded for key[start, end), or -1 when it is not in the map. */
  get(key: Uint8Array, start: number, end: number): number {
    const at = this.find(key, start, end)
    const t = this.table
    const high = t[at + 4]!
    return high === EMPTY ? -1 : high * TWO_32 + (t[at + 5]! >>> 0)
  }

  /** Raises latestOffset (the map covers the log up to here). */
  updateLatestOffset(offset: number): void {
    if (offset > this.latestOffset) this.latestOffset = offset
  }

  /** Where the slot holding the key's hash starts, or the empty one where it would go; the hash is left in this.hash. */
  private find(key: Uint8Array, start: number, end: number): number {
    const h = this.hash
    murmur3x86128(key, start, end, SEED, h)
    const h0 = h[0]! | 0
    const h1 = h[1]! | 0
    const h2 = h[2]! | 0
    const h3 = h[3]! | 0
    const mask = this.mask
    const step = (h1 | 1) & mask
    const t = this.table
    for (let slot = h0 & mask; ; slot = (slot + step) & mask) {
      const at = slot * WORDS
      if (t[at + 4] === EMPTY) return at
      if (t[at] === h0 && t[at + 1] === h1 && t[at + 2] === h2 && t[at + 3] === h3) return at
    }
  }
}
