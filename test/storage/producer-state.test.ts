// Idempotent producers in a partition's log (storage/producer-state.ts, producer-snapshot.ts): a retried
// batch is appended once and answered with its first offsets, a gap or an old epoch is refused, and all of
// it holds across a clean reopen, a crash (file handles dropped, nothing flushed), a crash after a roll, a
// damaged snapshot and a truncation; idle producers expire.
import * as fs from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {abandon, batch, config, open, readAll, removeDir, tempDir} from '../storage/helpers.js'

let dir: string
beforeEach(() => {
  dir = join(tempDir(), 'p-0')
})
afterEach(() => removeDir(join(dir, '..')))

/** A batch of `count` records of producer `pid`, epoch `epoch`, sequences from `seq`. */
function idem(pid: number, seq: number, count: number, epoch = 0, tag = `s${seq}`): Buffer {
  const records = Array.from({length: count}, (_, i) => ({key: null, value: Buffer.from(`${tag}-${i}`), timestamp: 1_700_000_000_000 + i, headers: []}))
  return encodeRecordBatch(records, {compression: Compression.None, producerId: pid, producerEpoch: epoch, baseSequence: seq})
}

const snapshots = (): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.snapshot')).sort()

describe('sequence checks on append', () => {
  it('a retried batch is not appended again and gets its first offsets', () => {
    const log = open(dir)
    log.append(batch(2)) // a plain producer's batch first: offsets 0–1
    const first = log.append(idem(7, 0, 3))
    expect(first).toMatchObject({baseOffset: 2, lastOffset: 4})
    expect(first.duplicate).toBeUndefined()
    log.append(batch(1)) // another producer in between: 5
    const retry = log.append(idem(7, 0, 3))
    expect(retry).toMatchObject({baseOffset: 2, lastOffset: 4, duplicate: true})
    expect(log.logEndOffset).toBe(6)
    expect(log.append(idem(7, 3, 2))).toMatchObject({baseOffset: 6, lastOffset: 7})
    expect(readAll(log).map(([, v]) => v)).toEqual(['v-0', 'v-1', 's0-0', 's0-1', 's0-2', 'v-0', 's3-0', 's3-1'])
    log.close()
  })

  it('a gap in the sequence is refused and appends nothing', () => {
    const log = open(dir)
    log.append(idem(7, 0, 3))
    expect(() => log.append(idem(7, 5, 1))).toThrow(expect.objectContaining({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'}))
    expect(log.logEndOffset).toBe(3)
    expect(log.online).toBe(true)
    expect(log.append(idem(7, 3, 1)).baseOffset).toBe(3)
    log.close()
  })

  it('a sequence older than the retained batches is DUPLICATE_SEQUENCE_NUMBER, not appended', () => {
    const log = open(dir)
    for (let i = 0; i < 6; i++) log.append(idem(7, i * 2, 2))
    expect(() => log.append(idem(7, 0, 2))).toThrow(expect.objectContaining({code: 'DUPLICATE_SEQUENCE_NUMBER'}))
    expect(log.append(idem(7, 2, 2))).toMatchObject({baseOffset: 2, duplicate: true}) // the 5 newest are kept
    expect(log.logEndOffset).toBe(12)
    log.close()
  })

  it('epochs: a higher one starts at sequence 0, an older one is fenced', () => {
    const log = open(dir)
    log.append(idem(7, 0, 2, 0))
    expect(() => log.append(idem(7, 5, 1, 1))).toThrow(expect.objectContaining({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'}))
    expect(log.append(idem(7, 0, 1, 1)).baseOffset).toBe(2)
    expect(() => log.append(idem(7, 2, 1, 0))).toThrow(expect.objectContaining({code: 'INVALID_PRODUCER_EPOCH'}))
    expect(() => log.append(idem(7, 0, 2, 0))).toThrow(expect.objectContaining({code: 'INVALID_PRODUCER_EPOCH'}))
    expect(log.logEndOffset).toBe(3)
    log.close()
  })

  it('several batches in one request: a retry of all is a duplicate; retried then new appends the new; new then retried is refused', () => {
    const log = open(dir)
    const request = () => Buffer.concat([idem(9, 0, 2), idem(9, 2, 3), idem(9, 5, 1)])
    expect(log.appendBatches(request())).toMatchObject({baseOffset: 0, lastOffset: 5})
    expect(log.appendBatches(request())).toMatchObject({baseOffset: 0, lastOffset: 5, duplicate: true})
    // the retry of a request a crash cut after its first batches (seq 5 is in the log, seq 6 is not)
    const cut = log.appendBatches(Buffer.concat([idem(9, 5, 1), idem(9, 6, 2)]))
    expect(cut).toMatchObject({baseOffset: 6, lastOffset: 7, retried: {baseOffset: 5, lastOffset: 5}})
    expect(cut.duplicate).toBeUndefined()
    expect(log.appendBatches(Buffer.concat([idem(9, 5, 1), idem(9, 6, 2)]))).toMatchObject({baseOffset: 5, lastOffset: 7, duplicate: true})
    // new then retried: refused, whichever producer wrote the retried batch
    expect(() => log.appendBatches(Buffer.concat([idem(9, 8, 1), idem(9, 6, 2)]))).toThrow(expect.objectContaining({code: 'DUPLICATE_SEQUENCE_NUMBER'}))
    expect(() => log.appendBatches(Buffer.concat([idem(10, 0, 1), idem(9, 6, 2)]))).toThrow(expect.objectContaining({code: 'INVALID_REQUEST'}))
    // retried batches that are not the producer's latest cannot be followed by new ones
    expect(() => log.appendBatches(Buffer.concat([idem(9, 2, 3), idem(9, 8, 1)]))).toThrow(expect.objectContaining({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'}))
    // a gap inside one request fails the whole request
    expect(() => log.appendBatches(Buffer.concat([idem(9, 8, 1), idem(9, 10, 1)]))).toThrow(expect.objectContaining({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'}))
    expect(log.logEndOffset).toBe(8)
    log.close()
  })

  it('sequences wrap from 2^31−1 to 0', () => {
    const log = open(dir)
    log.append(idem(7, 0x7fffffff - 1, 2)) // 2147483646, 2147483647
    expect(log.append(idem(7, 0, 1)).baseOffset).toBe(2)
    log.close()
  })

  it('batches without a producer id (−1, or the daemon\'s own −2) are not checked', () => {
    const log = open(dir)
    const marked = () => encodeRecordBatch([{key: null, value: Buffer.from('x'), timestamp: 1, headers: []}], {compression: Compression.None, producerId: -2})
    log.append(marked())
    log.append(marked())
    log.append(batch(1))
    log.append(batch(1))
    expect(log.logEndOffset).toBe(4)
    expect(log.producerCount).toBe(0)
    log.close()
  })

  it('an idempotent batch needs an epoch and a sequence', () => {
    const log = open(dir)
    expect(() => log.append(idem(7, -1, 1))).toThrow(expect.objectContaining({code: 'CORRUPT_MESSAGE'}))
    expect(log.logEndOffset).toBe(0)
    log.close()
  })
})

describe('producer state across reopen', () => {
  it('a clean close snapshots the state; the reopen reads no batch and still knows every producer', () => {
    let log = open(dir)
    log.append(idem(7, 0, 3))
    log.append(idem(8, 0, 1))
    log.close()
    expect(snapshots()).toEqual(['00000000000000000004.snapshot'])
    log = open(dir)
    expect(log.recovery.clean).toBe(true)
    expect(log.append(idem(7, 0, 3))).toMatchObject({baseOffset: 0, duplicate: true})
    expect(log.append(idem(8, 0, 1))).toMatchObject({baseOffset: 3, duplicate: true})
    expect(() => log.append(idem(7, 9, 1))).toThrow(expect.objectContaining({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'}))
    log.close()
  })

  it('after a crash, a batch written just before it is recognised when retried (rebuilt from the tail)', () => {
    let log = open(dir)
    log.append(idem(7, 0, 2))
    log.append(idem(7, 2, 2)) // written, its acknowledgement lost with the process
    abandon(log)
    log = open(dir)
    expect(log.recovery.clean).toBe(false)
    expect(log.append(idem(7, 2, 2))).toMatchObject({baseOffset: 2, lastOffset: 3, duplicate: true})
    expect(log.logEndOffset).toBe(4)
    abandon(log) // and again: the recovery made the tail durable and snapshotted what it found in it
    expect(snapshots()).toEqual(['00000000000000000004.snapshot'])
    log = open(dir)
    expect(log.append(idem(7, 2, 2)).duplicate).toBe(true)
    log.close()
  })

  it('after a crash with a snapshot at a roll: that snapshot and the batches after it', () => {
    let log = open(dir, {config: config({'segment.bytes': 250})})
    for (let i = 0; i < 10; i++) log.append(idem(7, i, 1, 0, `r${i}`))
    expect(log.segmentCount).toBeGreaterThan(2)
    const at = snapshots()
    expect(at.length).toBe(1) // the newest roll's; older ones were removed
    log.append(idem(8, 0, 1)) // after the last roll: only in the tail
    abandon(log)
    log = open(dir, {config: config({'segment.bytes': 250})})
    expect(log.append(idem(7, 9, 1)).duplicate).toBe(true)
    expect(log.append(idem(8, 0, 1)).duplicate).toBe(true)
    expect(log.append(idem(7, 10, 1)).duplicate).toBeUndefined()
    log.close()
  })

  it('a damaged snapshot is removed and the state rebuilt from the log', () => {
    let log = open(dir)
    log.append(idem(7, 0, 2))
    log.close()
    const [name] = snapshots()
    const path = join(dir, name!)
    const bytes = fs.readFileSync(path)
    bytes[bytes.length - 1] ^= 0xff
    fs.writeFileSync(path, bytes)
    log = open(dir)
    expect(log.recovery.messages.some((m) => /snapshot unreadable \(CRC-32C mismatch\)/.test(m))).toBe(true)
    expect(log.append(idem(7, 0, 2)).duplicate).toBe(true) // the whole log's headers were read instead
    log.close()
  })

  it('a snapshot above the log end (a torn tail cut below it) is not used', () => {
    let log = open(dir)
    log.append(idem(7, 0, 2))
    log.close()
    fs.renameSync(join(dir, snapshots()[0]!), join(dir, '00000000000000000009.snapshot'))
    log = open(dir)
    expect(snapshots()).toEqual([])
    log.close()
  })

  it('truncateTo rebuilds the state of what is left', () => {
    const log = open(dir)
    log.append(idem(7, 0, 2))
    log.append(idem(7, 2, 2))
    log.truncateTo(2)
    expect(log.producerState(7)?.batches.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[0, 1]])
    expect(log.append(idem(7, 2, 2))).toMatchObject({baseOffset: 2})
    expect(log.append(idem(7, 2, 2)).duplicate).toBe(true)
    log.close()
  })

  it('plain producers leave no snapshot behind', () => {
    const log = open(dir, {config: config({'segment.bytes': 600})})
    for (let i = 0; i < 10; i++) log.append(batch(3))
    log.flush()
    log.close()
    expect(snapshots()).toEqual([])
  })
})

describe('expiry', () => {
  it('a producer idle for producer.id.expiration.ms is forgotten, also at the next open', () => {
    let now = 1_000_000
    const options = {now: () => now, producerIdExpirationMs: 60_000}
    let log = open(dir, options)
    log.append(idem(7, 0, 2))
    now += 30_000
    log.append(idem(8, 0, 2))
    now += 40_000 // 7 idle 70 s, 8 idle 40 s
    expect(log.expireProducers()).toBe(1)
    expect(log.producerState(7)).toBeUndefined()
    // an unknown producer may continue at any sequence (Kafka's rule: its state may have expired)
    expect(log.append(idem(7, 100, 1)).baseOffset).toBe(4)
    log.close()
    now += 61_000
    log = open(dir, options)
    expect(log.producerCount).toBe(0)
    log.close()
  })
})
