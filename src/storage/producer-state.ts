// The idempotent producers of one partition (Kafka's ProducerStateManager, for one replica): for each
// producer id that wrote here, its epoch and the sequence ranges and offsets of its last few batches, so
// that a batch a producer retries after losing its acknowledgement (a daemon killed between the write and
// the reply, a connection lost) is answered with the offsets it was first given instead of being appended
// again, and a batch that skips sequence numbers is refused rather than appended with a hole before it.
//
// The rules, per batch with a producerId ≥ 0 (batch-header.ts: producerId, producerEpoch, baseSequence;
// the batch's last sequence is baseSequence + lastOffsetDelta, wrapping from 2^31−1 to 0 as Kafka's do):
//   - epoch below the producer's current one                        → INVALID_PRODUCER_EPOCH (fenced)
//   - same epoch, the sequence range of a retained batch              → a duplicate: not appended, answered
//                                                                       with that batch's offsets
//   - same epoch, baseSequence = last sequence + 1                    → appended
//   - same epoch, the range wholly at or below the last sequence      → DUPLICATE_SEQUENCE_NUMBER (stored
//     but older than the retained batches: its offsets are unknown)
//   - same epoch, any other baseSequence                              → OUT_OF_ORDER_SEQUENCE_NUMBER
//   - a higher epoch starts over at sequence 0 (else OUT_OF_ORDER_SEQUENCE_NUMBER)
//   - a producer with no state here (its first batch, or its state expired) may start at any sequence, as
//     in Kafka: its earlier batches may have gone with expiry or retention.
// Batches without a producer id (−1: plain producers; −2: the daemon's own internal writes) are not checked. A request
// of several batches is all new, all duplicates (its retry carries the same batches), or duplicates then new
// ones: the retry of a request a crash cut between two runs of its append (a roll between them); only its
// new batches are appended. New batches before duplicates are refused.
//
// State: producerId → {epoch, lastSeen, the last RETAINED_BATCHES batches (Kafka's 5), oldest first}.
// lastSeen is the broker's clock at the producer's last append (not the batch's timestamp, which a producer
// chooses: a replay of old data must not expire at once); an entry idle for producer.id.expiration.ms
// (1 day, Kafka's default) is dropped by expire(), so memory stays bounded by the producers of one day.
// The state is kept across restarts by producer-snapshot.ts (snapshot files, rebuilt from the log tail).
// Owner: the partition's worker thread, inside PartitionLog (LocalLog.producers); no I/O here.

import {SamsaError} from '../errors.js'
import {
  BASE_SEQUENCE_POS,
  BATCH_LENGTH_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD,
  nextSequence,
  PRODUCER_EPOCH_POS,
  PRODUCER_ID_POS,
} from '../format/batch-header.js'

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: how far back a retry is recognised, per producer. */
export const RETAINED_BATCHES = 5
/** Kafka's producer.id.expiration.ms default. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000

export interface BatchMetadata {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
}

export interface ProducerEntry {
  producerId: number
  epoch: number
  lastSeen: number
  batches: BatchMetadata[] // oldest first, at most RETAINED_BATCHES, all of `epoch`
}

/** One batch of an append, as the checks saw it: applied to the state once the batch is written. */
interface PlannedBatch {
  producerId: number // < 0: not idempotent
  epoch: number
  firstSeq: number
  lastSeq: number
  offsets: number // lastOffsetDelta + 1
}

/** The first batches of a request that are already in the log: their offsets, and their length in the request. */
export interface RetriedPrefix {
  firstOffset: number
  lastOffset: number
  bytes: number
}

/**
 * What check() decided: append (and then apply() the plan) — all of the request, or what follows its
 * `retried` prefix — or answer with the offsets first given.
 */
export type AppendPlan = {duplicate: null; batches: PlannedBatch[]; retried?: RetriedPrefix} | {duplicate: {firstOffset: number; lastOffset: number}}

export class ProducerStateManager {
  private readonly entries = new Map<number, ProducerEntry>()

  get size(): number {
    return this.entries.size
  }

  /** The state of one producer (a copy is not made: do not modify). */
  entry(producerId: number): ProducerEntry | undefined {
    return this.entries.get(producerId)
  }

  all(): IterableIterator<ProducerEntry> {
    return this.entries.values()
  }

  clear(): void {
    this.entries.clear()
  }

  /**
   * Checks the batches of one append, buf being whole batch frames (checked by frameBatches). Throws the
   * sequence and epoch errors above; returns the plan to apply() after the write, or the duplicate's offsets.
   */
  check(buf: Buffer): AppendPlan {
    const batches: PlannedBatch[] = []
    // this append's batches so far, per producer: later ones must follow them (a working copy)
    let pending: Map<number, {epoch: number; lastSeq: number}> | null = null
    let duplicates = 0
    let firstOffset = -1
    let lastOffset = -1
    let newFrom = -1 // byte position of the first new batch
    let retriedUpTo: Map<number, number> | null = null // producer → last sequence of its retried batches here
    for (let p = 0; p < buf.length; ) {
      const size = buf.readInt32BE(p + BATCH_LENGTH_POS) + LOG_OVERHEAD
      const offsets = buf.readInt32BE(p + LAST_OFFSET_DELTA_POS) + 1
      // no producer id (Kafka's hasProducerId: producerId > −1; the daemon marks its own batches −2): the
      // high int32 alone tells, without building a 64-bit number (the common case)
      if (buf.readInt32BE(p + PRODUCER_ID_POS) < 0) {
        batches.push({producerId: -1, epoch: -1, firstSeq: -1, lastSeq: -1, offsets})
        if (newFrom < 0) newFrom = p
        p += size
        continue
      }
      const b = readProducerFields(buf, p, offsets)
      const entry = this.entries.get(b.producerId)
      const current = pending?.get(b.producerId) ?? (entry ? {epoch: entry.epoch, lastSeq: entry.batches.at(-1)?.lastSeq ?? -1} : null)
      if (current !== null && b.epoch < current.epoch) {
        throw new SamsaError('INVALID_PRODUCER_EPOCH', `producer ${b.producerId} epoch ${b.epoch} is fenced: epoch ${current.epoch} has written to this partition`)
      }
      const dup = pending?.has(b.producerId) ? undefined : entry?.epoch === b.epoch ? entry.batches.find((m) => m.firstSeq === b.firstSeq && m.lastSeq === b.lastSeq) : undefined
      if (dup && newFrom >= 0) {
        throw new SamsaError('INVALID_REQUEST', `a produce request has a batch already appended after new ones: send a retry as it was first sent`)
      }
      if (dup) {
        if (duplicates === 0) firstOffset = dup.firstOffset
        lastOffset = dup.lastOffset
        duplicates++
        ;(retriedUpTo ??= new Map()).set(b.producerId, dup.lastSeq)
      } else {
        // after retried batches, new ones must follow them, and they must be the producer's latest
        const retriedLast = retriedUpTo?.get(b.producerId)
        if (retriedLast !== undefined && !pending?.has(b.producerId)) checkSequence(b, {epoch: b.epoch, lastSeq: retriedLast})
        if (current !== null) checkSequence(b, current)
        ;(pending ??= new Map()).set(b.producerId, {epoch: b.epoch, lastSeq: b.lastSeq})
        if (newFrom < 0) newFrom = p
      }
      batches.push(b)
      p += size
    }
    if (duplicates === 0) return {duplicate: null, batches}
    if (newFrom < 0) return {duplicate: {firstOffset, lastOffset}}
    return {duplicate: null, batches: batches.slice(duplicates), retried: {firstOffset, lastOffset, bytes: newFrom}}
  }

  /**
   * Records the batches of a plan — all, or those with index in [from, to), one run of an append that rolls
   * between runs — as written from offset `baseOffset` on, at broker time `now`.
   */
  apply(plan: AppendPlan, baseOffset: number, now: number, from = 0, to = Infinity): void {
    if (plan.duplicate !== null) return
    let offset = baseOffset
    for (const b of plan.batches.slice(from, to)) {
      if (b.producerId >= 0) this.record(b.producerId, b.epoch, {firstSeq: b.firstSeq, lastSeq: b.lastSeq, firstOffset: offset, lastOffset: offset + b.offsets - 1}, now)
      offset += b.offsets
    }
  }

  /** Adds one batch found in the log (a rebuild: the log is the truth, nothing is checked). */
  record(producerId: number, epoch: number, batch: BatchMetadata, now: number): void {
    let entry = this.entries.get(producerId)
    if (entry === undefined) this.entries.set(producerId, (entry = {producerId, epoch, lastSeen: now, batches: []}))
    if (entry.epoch !== epoch) {
      entry.epoch = epoch
      entry.batches = []
    }
    entry.batches.push(batch)
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift()
    entry.lastSeen = Math.max(entry.lastSeen, now)
  }

  /** Puts back an entry read from a snapshot. */
  restore(entry: ProducerEntry): void {
    this.entries.set(entry.producerId, entry)
  }

  /** Drops producers idle for expirationMs or longer; returns how many. */
  expire(now: number, expirationMs: number): number {
    let dropped = 0
    for (const [id, e] of this.entries) {
      if (now - e.lastSeen >= expirationMs) {
        this.entries.delete(id)
        dropped++
      }
    }
    return dropped
  }
}

function readProducerFields(buf: Buffer, p: number, offsets: number): PlannedBatch {
  const high = buf.readInt32BE(p + PRODUCER_ID_POS)
  if (high > 0x1fffff) throw new SamsaError('CORRUPT_MESSAGE', `producer id ${buf.readBigInt64BE(p + PRODUCER_ID_POS)} is beyond 2^53`)
  const producerId = high * 2 ** 32 + buf.readUInt32BE(p + PRODUCER_ID_POS + 4)
  const epoch = buf.readInt16BE(p + PRODUCER_EPOCH_POS)
  const firstSeq = buf.readInt32BE(p + BASE_SEQUENCE_POS)
  if (epoch < 0 || firstSeq < 0) {
    throw new SamsaError('CORRUPT_MESSAGE', `a batch of producer ${producerId} has producer epoch ${epoch} and base sequence ${firstSeq}: an idempotent batch needs both ≥ 0`)
  }
  return {producerId, epoch, firstSeq, lastSeq: nextSequence(firstSeq, offsets - 1), offsets}
}

function checkSequence(b: PlannedBatch, current: {epoch: number; lastSeq: number}): void {
  if (b.epoch > current.epoch) {
    if (b.firstSeq !== 0) {
      throw new SamsaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${b.producerId}: a new epoch ${b.epoch} must start at sequence 0, not ${b.firstSeq}`)
    }
    return
  }
  if (current.lastSeq < 0 || b.firstSeq === nextSequence(current.lastSeq)) return
  if (b.firstSeq <= current.lastSeq && b.lastSeq <= current.lastSeq && b.firstSeq <= b.lastSeq) {
    throw new SamsaError(
      'DUPLICATE_SEQUENCE_NUMBER',
      `producer ${b.producerId}: sequences ${b.firstSeq}..${b.lastSeq} were already written here, before the last ${RETAINED_BATCHES} batches this partition keeps (last sequence ${current.lastSeq})`,
    )
  }
  throw new SamsaError(
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
    `producer ${b.producerId}: base sequence ${b.firstSeq} does not follow the last sequence ${current.lastSeq} written to this partition (expected ${nextSequence(current.lastSeq)})`,
  )
}
