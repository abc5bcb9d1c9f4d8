// Produce on the worker thread. Every batch of a request is validated (structure, CRC-32C, record count,
// LZ4, decompressed size, max.message.bytes; on a compacted topic, a key on every record: INVALID_RECORD
// otherwise, as Kafka answers) before any is appended: all or nothing. Storage then checks an idempotent
// producer's sequence numbers and answers a retry with its first offsets (producer-state.ts). acks=all is a group
// commit: the appends done in one turn of this thread's event loop share one flush() per partition, and
// their replies go out after it (an fdatasync that began after every one of those writes).
import {SamsaError} from '../../errors.js'
import {BATCH_HEADER_SIZE, BATCH_LENGTH_POS, LOG_OVERHEAD} from '../../format/batch-header.js'
import {DEFAULT_MAX_DECOMPRESSED_BYTES} from '../../format/record-batch.js'
import {validateBatchProblem} from '../../format/validate-batch.js'
import type {Owned, WorkerContext} from './context.js'
import type {Failpoints} from './failpoints.js'
import type {ProduceResult, ProduceWorkerRequest} from './messages.js'

export class Appender {
  private readonly pendingSync = new Map<Owned, {id: number; result: ProduceResult}[]>()
  private syncScheduled = false
  private readonly commitSoon = (): void => this.groupCommit()

  constructor(
    private readonly ctx: WorkerContext,
    private readonly failpoints: Failpoints,
  ) {}

  produce(msg: ProduceWorkerRequest): void {
    const {ctx} = this
    const p = ctx.online(msg.partition)
    if (this.failpoints.crash !== null && this.failpoints.crashOnProduce(p.spec.topic)) return // tests only: the worker dies here
    const buf = Buffer.from(msg.bytes)
    const config = p.spec.config
    const maxMessageBytes = config['max.message.bytes']
    const requireKeys = config['cleanup.policy'].includes('compact') // a compacted topic keeps the latest record per key
    // First pass: check every batch; nothing is appended unless all are good.
    let batches = 0
    let pos = 0
    while (pos < buf.length) {
      const left = buf.length - pos
      if (left < BATCH_HEADER_SIZE) {
        throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos} is truncated: ${left} bytes, a header alone is ${BATCH_HEADER_SIZE}`)
      }
      const size = buf.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD
      if (size < BATCH_HEADER_SIZE || size > left) {
        throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos} claims ${size} bytes; ${left} remain in the request`)
      }
      if (size > maxMessageBytes) {
        throw new SamsaError('MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes=${maxMessageBytes} of topic ${p.spec.topic}`)
      }
      const problem = validateBatchProblem(buf, pos, pos + size, {deep: true, maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES, producer: true, requireKeys})
      if (problem?.kind === 'keyless') {
        throw new SamsaError('INVALID_RECORD', `produce to ${p.label} refused, nothing appended: in the record batch at byte ${pos}, ${problem.message}`)
      }
      if (problem !== null) throw new SamsaError('CORRUPT_MESSAGE', `record batch at byte ${pos}: ${problem.message}`)
      batches++
      pos += size
    }
    if (batches === 0) throw new SamsaError('INVALID_REQUEST', 'produce request carries no record batch')
    let result: ProduceResult
    try {
      result = p.log.appendBatches(buf) // one write per run of batches that fits a segment (rolls between)
    } catch (err) {
      throw ctx.storageFailed(p, err)
    }
    if (this.failpoints.afterWrite !== null) this.failpoints.reached(this.failpoints.afterWrite, p.spec.topic) // tests only
    // storage is done with the buffer (it may be reused after append): hand it to the parked fetches as is —
    // unless it was an idempotent producer's retry, which appended nothing
    if (ctx.watched.has(p.spec.id) && !result.duplicate) {
      ctx.tails.push({partition: p.spec.id, from: result.baseOffset, bytes: result.retried ? msg.bytes.slice(result.retried.bytes) : msg.bytes})
    }
    ctx.markChanged(p)
    if (msg.acks === -1) {
      let waiting = this.pendingSync.get(p)
      if (!waiting) this.pendingSync.set(p, (waiting = []))
      waiting.push({id: msg.id, result})
      if (!this.syncScheduled) {
        this.syncScheduled = true
        setImmediate(this.commitSoon)
      }
    } else {
      if (this.failpoints.beforeAck !== null) this.failpoints.reached(this.failpoints.beforeAck, p.spec.topic) // tests only
      ctx.reply(msg.id, result)
    }
  }

  // One flush per partition for every acks=all append of this turn; then all their replies. Also run
  // before a partition closes, so nobody waiting on an acks=all reply is left without one.
  groupCommit(): void {
    const {ctx} = this
    this.syncScheduled = false
    for (const [p, waiting] of this.pendingSync) {
      let failure: SamsaError | null = null
      try {
        if (p.offline !== null || !p.log) throw new SamsaError('PARTITION_OFFLINE', `partition ${p.label} is offline: ${p.offline}`)
        if (this.failpoints.slow !== null) this.failpoints.slowSync(p.spec.topic) // tests only
        p.log.flush()
      } catch (err) {
        failure = ctx.storageFailed(p, err)
      }
      for (const w of waiting) {
        if (failure) ctx.replyError(w.id, failure)
        else {
          if (this.failpoints.beforeAck !== null) this.failpoints.reached(this.failpoints.beforeAck, p.spec.topic) // tests only
          ctx.reply(w.id, w.result)
        }
      }
      ctx.markChanged(p) // with flush.messages the high watermark may move only now
    }
    this.pendingSync.clear()
  }
}
