// One produce request of one partition, from the moment the Producer (producer.ts) sends it until it is
// acknowledged: the sealed batches it carries, in order, as one buffer. At most one is in flight per
// partition. An idempotent producer's request that fails with a retriable error (a lost connection, a
// daemon restarting) is kept and sent again — the same bytes, so the same producer id and sequence numbers,
// which the daemon appends once (storage/producer-state.ts) — while retry.ts says the outage is young enough.
import {retryDelay} from './retry.js'

// At most the batches a partition keeps per producer to recognise retries (storage/producer-state.ts
// RETAINED_BATCHES, Kafka's 5 — why Kafka caps max.in.flight.requests.per.connection at 5 for idempotence)
export const IDEMPOTENT_REQUEST_BATCHES = 5

export interface SealedBatch {
  batch: Buffer
  count: number
  tags: unknown[] | null
}

export class ProduceRequest {
  readonly raw: Buffer
  readonly bytes: number
  readonly count: number // records
  attempts = 0 // failures so far
  private firstFailureAt = 0

  private constructor(readonly parts: SealedBatch[]) {
    let bytes = 0
    let count = 0
    for (const s of parts) {
      bytes += s.batch.length
      count += s.count
    }
    this.bytes = bytes
    this.count = count
    this.raw = parts.length === 1 ? parts[0]!.batch : Buffer.concat(parts.map((s) => s.batch), bytes)
  }

  /** Takes the next request off a partition's queue: up to maxBytes (at least one batch), maxBatches. */
  static take(queue: SealedBatch[], maxBytes: number, maxBatches: number): ProduceRequest {
    let take = 0
    let bytes = 0
    while (take < queue.length && take < maxBatches && (take === 0 || bytes + queue[take]!.batch.length <= maxBytes)) {
      bytes += queue[take]!.batch.length
      take++
    }
    return new ProduceRequest(queue.splice(0, take))
  }

  /** append()'s tags of every record, in offset order. */
  tags(): unknown[] | null {
    return this.parts.length === 1 ? this.parts[0]!.tags : this.parts.flatMap((s) => s.tags ?? [])
  }

  /** It failed with `err`: the wait before sending it again, or null to give up (retry.ts). */
  retryAfter(err: unknown, timeoutMs: number): number | null {
    if (this.attempts === 0) this.firstFailureAt = Date.now()
    return retryDelay(err, this.firstFailureAt, ++this.attempts, timeoutMs)
  }
}
