// The log cleaner's key → last offset map (Kafka's SkimpyOffsetMap): an open-addressing hash table over
// 128-bit key hashes, in one array allocated once, so its memory is set by its size, never by the log's.
//
// Layout: one Int32Array of `slots` (a power of two) × 6 words (24 bytes, as Kafka's 16-byte MD5 + 8-byte
// offset): words 6i .. 6i+3 the key's MurmurHash3 x86_128 (format/murmur3.ts); 6i+4 and 6i+5 the last
// offset seen for it, high and low 32 bits (high -1: an empty slot; bit 30 of the high word marks an
// entry still to be moved while the table grows). One array, so a probe reads one cache line, not one in
// a hash array and one in an offset array.
// Growth: only a prefix of `active` slots is in use. It starts small and doubles, rehashing in place,
// whenever it is half full, until it spans the whole array; then it takes keys up to maxEntries (slots ×
// loadFactor). A table of tens of MiB misses the CPU caches on nearly every probe, so a pass over 100 k
// keys is ~30% faster in a 6 MiB prefix than spread over 24 MiB; the memory taken is still the whole
// array, from the start. Probing is double hashing over the active prefix: start at word 0, step by word 1
// made odd (odd steps visit every slot of a power-of-two table), so probes do not cluster near full.
// Invariants: at most maxEntries keys are held, so a probe always finds an empty slot; put() refuses a NEW
// key beyond that (the map is full: the cleaner cleans up to there and leaves the rest for its next pass);
// `latestOffset` is the last offset the map covers (Kafka's updateLatestOffset: records above it were not
// read into the map, so they are kept as they are). Two keys whose 128-bit hashes are equal count as one
// key (the risk Kafka takes with MD5: ~2^-64 for billions of keys).
// Owner: one per worker thread, reused by every cleaning pass there, one pass at a time (each pass
// clears it when it starts).

import {murmur3x86128} from '../format/murmur3.js'

/** 24 MiB: 2^20 slots, ~940 k keys per pass at the default load factor. */
export const DEFAULT_OFFSET_MAP_BYTES = 24 * 1024 * 1024
const SLOT_BYTES = 24
const WORDS = SLOT_BYTES / 4
const EMPTY = -1 // the high word of an empty slot's offset (offsets are ≥ 0)
const MOVING = 0x40000000 // set in the high word of an entry not yet rehashed (offsets < 2^53: bit 30 is free)
const TWO_32 = 2 ** 32
const SEED = 0x5a5a5a5a
const INITIAL_SLOTS = 1 << 16

export interface OffsetMapOptions {
  /** Memory for the table, in bytes (rounded down to a power-of-two number of 24-byte slots). */
  memoryBytes?: number
  /** Fraction of slots that may hold keys (Kafka's log.cleaner.io.buffer.load.factor, 0.9). */
  loadFactor?: number
  /** Slots in use before the first growth (tests make it tiny to exercise growth). Default 65536. */
  initialSlots?: number
}

export class OffsetMap {
  readonly slots: number
  readonly maxEntries: number
  private readonly initialSlots: number
  private readonly table: Int32Array
  private readonly hash = new Uint32Array(4)
  private active = 0
  private mask = 0
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
    this.maxEntries = Math.max(1, Math.floor(slots * loadFactor))
    this.initialSlots = Math.min(slots, Math.max(4, options.initialSlots ?? INITIAL_SLOTS))
    this.table = new Int32Array(slots * WORDS)
    for (let at = 4; at < this.table.length; at += WORDS) this.table[at] = EMPTY
    this.active = this.initialSlots
    this.mask = this.active - 1
  }

  /** Keys held. */
  get size(): number {
    return this.entries
  }

  /** Bytes the table takes (all of it, from construction on). */
  get memoryBytes(): number {
    return this.slots * SLOT_BYTES
  }

  /** Fraction of maxEntries in use (Kafka's buffer utilization). */
  get utilization(): number {
    return this.entries / this.maxEntries
  }

  clear(): void {
    const t = this.table
    for (let at = 4, end = this.active * WORDS; at < end; at += WORDS) t[at] = EMPTY
    this.active = this.initialSlots
    this.mask = this.active - 1
    this.entries = 0
    this.latestOffset = -1
  }

  /**
   * Records `offset` as the last one for the key key[start, end). Returns false, changing nothing, when
   * the key is new and the map already holds maxEntries keys.
   */
  put(key: Uint8Array, start: number, end: number, offset: number): boolean {
    let at = this.find(key, start, end)
    const t = this.table
    if (t[at + 4] === EMPTY) {
      if (this.entries >= this.maxEntries) return false
      if (this.active < this.slots && this.entries >= this.active >>> 1) {
        this.grow()
        at = this.probe(this.hash) // the hash of this key, still in this.hash
      }
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
    murmur3x86128(key, start, end, SEED, this.hash)
    return this.probe(this.hash)
  }

  private probe(h: Uint32Array): number {
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

  /**
   * Doubles the active prefix and rehashes in place: every entry of the old prefix is marked MOVING, then
   * each is taken out and inserted under the new mask; an insertion that lands on a MOVING entry swaps
   * with it and goes on inserting the displaced one. Entries already placed never move again, so their
   * probe sequences stay intact; each swap places one entry for good, so it ends.
   */
  private grow(): void {
    const t = this.table
    const old = this.active
    for (let at = 4, end = old * WORDS; at < end; at += WORDS) if (t[at] !== EMPTY) t[at] |= MOVING
    this.active = old * 2
    this.mask = this.active - 1
    let carried = new Int32Array(WORDS)
    let spare = new Int32Array(WORDS)
    for (let i = 0; i < old; i++) {
      const from = i * WORDS
      if (t[from + 4] === EMPTY || (t[from + 4]! & MOVING) === 0) continue
      carried.set(t.subarray(from, from + WORDS))
      t[from + 4] = EMPTY
      for (;;) {
        carried[4] = carried[4]! & ~MOVING
        const step = (carried[1]! | 1) & this.mask
        let at = -1
        for (let slot = carried[0]! & this.mask; ; slot = (slot + step) & this.mask) {
          at = slot * WORDS
          if (t[at + 4] === EMPTY || (t[at + 4]! & MOVING) !== 0) break
        }
        if (t[at + 4] === EMPTY) {
          t.set(carried, at)
          break
        }
        // a MOVING entry is in the way: it takes our place in the carry, ours takes its slot
        spare.set(t.subarray(at, at + WORDS))
        t.set(carried, at)
        ;[carried, spare] = [spare, carried]
      }
    }
  }
}
