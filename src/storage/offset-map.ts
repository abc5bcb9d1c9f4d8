// The log cleaner's key → last offset map (Kafka's SkimpyOffsetMap): a fixed-size open-addressing hash
// table over 128-bit key hashes, so its memory is set once, by its size, and never by the log's.
//
// Layout, per slot i of `slots` (a power of two): hashes[4i .. 4i+3] the key's MurmurHash3 x86_128
// (format/murmur3.ts) as four int32 words; offsets[i] the last offset seen for it, -1 for an empty slot.
// 24 bytes a slot, the same as Kafka's 16-byte MD5 + 8-byte offset. Probing is double hashing: start at
// word 0, step by word 1 made odd (odd steps visit every slot of a power-of-two table), so a probe
// sequence does not cluster the way linear probing does near full.
// Invariants: at most `maxEntries` (slots × loadFactor) keys are held, so a probe always finds an empty
// slot; put() refuses a NEW key beyond that (the map is full: the cleaner cleans up to there and
// leaves the rest for its next pass); `latestOffset` is the last offset the map covers (Kafka's
// updateLatestOffset: records above it were not read into the map, so they are kept as they are).
// Two keys whose 128-bit hashes are equal count as one key (the risk Kafka takes with MD5: ~2^-64 for
// billions of keys).
// Owner: one per worker thread, reused by every cleaning pass there (clear() between passes).

import {murmur3x86128} from '../format/murmur3.js'

/** 24 MiB: 2^20 slots, ~940 k keys per pass at the default load factor. */
export const DEFAULT_OFFSET_MAP_BYTES = 24 * 1024 * 1024
const SLOT_BYTES = 24
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
  private readonly hashes: Int32Array
  private readonly offsets: Float64Array
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
    this.hashes = new Int32Array(slots * 4)
    this.offsets = new Float64Array(slots).fill(-1)
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
    this.offsets.fill(-1)
    this.entries = 0
    this.latestOffset = -1
  }

  /**
   * Records `offset` as the last one for the key key[start, end). Returns false, changing nothing, when
   * the key is new and the map already holds maxEntries keys.
   */
  put(key: Uint8Array, start: number, end: number, offset: number): boolean {
    const slot = this.find(key, start, end)
    if (this.offsets[slot]! < 0) {
      if (this.entries >= this.maxEntries) return false
      const h = this.hash
      const at = slot * 4
      this.hashes[at] = h[0]!
      this.hashes[at + 1] = h[1]!
      this.hashes[at + 2] = h[2]!
      this.hashes[at + 3] = h[3]!
      this.entries++
    }
    this.offsets[slot] = offset
    return true
  }

  /** The last offset recorded for key[start, end), or -1 when it is not in the map. */
  get(key: Uint8Array, start: number, end: number): number {
    return this.offsets[this.find(key, start, end)]!
  }

  /** Raises latestOffset (the map covers the log up to here). */
  updateLatestOffset(offset: number): void {
    if (offset > this.latestOffset) this.latestOffset = offset
  }

  /** The slot holding the key's hash, or the empty slot where it would go; the hash is left in this.hash. */
  private find(key: Uint8Array, start: number, end: number): number {
    const h = this.hash
    murmur3x86128(key, start, end, SEED, h)
    const h0 = h[0]! | 0
    const h1 = h[1]! | 0
    const h2 = h[2]! | 0
    const h3 = h[3]! | 0
    const step = (h1 | 1) & this.mask
    const hashes = this.hashes
    const offsets = this.offsets
    for (let slot = h0 & this.mask; ; slot = (slot + step) & this.mask) {
      if (offsets[slot]! < 0) return slot
      const at = slot * 4
      if (hashes[at] === h0 && hashes[at + 1] === h1 && hashes[at + 2] === h2 && hashes[at + 3] === h3) return slot
    }
  }
}
