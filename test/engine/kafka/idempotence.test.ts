// Idempotent producers over the Kafka listener of a real daemon, spoken to with samsa's own codecs: what
// InitProducerId answers (a fresh producer id; a transactional id refused with 53), and what Produce answers
// batches stamped with an id: a retried duplicate is answered with the offsets it was first given and
// appended once, a sequence gap gets OUT_OF_ORDER_SEQUENCE_NUMBER (45), an older epoch
// INVALID_PRODUCER_EPOCH (47) — each on a connection that stays open, the log as a reader sees it unchanged.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {decodeRecordBatch} from '../../../src/format/record-batch.js'
import {KafkaErrorCode as E} from '../../../src/protocol/kafka/index.js'
import {cleanup, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../../support/index.js'
import {batch, fetchBody, KafkaTestClient, produceBody} from './helpers.js'

let d: DaemonProcess
let c: KafkaTestClient

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {kafka: true})
  for (const name of ['dup', 'gap', 'fence']) {
    const r = await samsa(d.dataDir, ['topic', 'create', name, '--partitions', '1'])
    expect(r.code, r.stderr).toBe(0)
  }
  c = await KafkaTestClient.connect(d.kafkaPort())
})

afterAll(async () => {
  c?.close()
  if (d) await stopDaemon(d)
  await cleanup()
})

async function initProducerId(transactionalId: string | null = null) {
  return c.request('InitProducerId', {transactionalId, transactionTimeoutMs: 60_000})
}

async function produce(topic: string, records: Buffer) {
  const r = await c.request('Produce', produceBody(topic, 0, records, -1))
  return r.responses[0]!.partitionResponses[0]!
}

// Every record of the partition as a reader gets it: "offset value".
async function readAll(topic: string): Promise<{highWatermark: number; records: string[]}> {
  const p = (await c.request('Fetch', fetchBody([{topic, partition: 0, offset: 0}]))).responses[0]!.partitions[0]!
  const records: string[] = []
  for (let at = 0, buf = p.records!; at < buf.length; ) {
    const {header, records: rs} = decodeRecordBatch(buf.subarray(at))
    for (const r of rs) records.push(`${r.offset} ${r.value!.toString()}`)
    at += header.batchLength + 12
  }
  return {highWatermark: Number(p.highWatermark), records}
}

describe('InitProducerId', () => {
  it('hands each producer an id of its own, epoch 0, and is advertised (v0–1)', async () => {
    const versions = await c.request('ApiVersions', {clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2'})
    expect(versions.apiKeys.find((k) => k.apiKey === 22)).toEqual({apiKey: 22, minVersion: 0, maxVersion: 1})
    const a = await initProducerId()
    const b = await c.request('InitProducerId', {transactionalId: null, transactionTimeoutMs: 60_000}, 0)
    expect(a).toMatchObject({errorCode: E.NONE, producerEpoch: 0})
    expect(b).toMatchObject({errorCode: E.NONE, producerEpoch: 0})
    expect(a.producerId).toBeGreaterThanOrEqual(0)
    expect(b.producerId).not.toBe(a.producerId)
  })

  it('a transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED (no transactions), and the connection stays open', async () => {
    expect(await initProducerId('txn-1')).toEqual({throttleTimeMs: 0, errorCode: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1})
    expect((await initProducerId()).errorCode).toBe(E.NONE)
    expect(c.closed).toBe(false)
  })
})

describe('idempotent Produce', () => {
  it('a duplicate batch sent twice is appended once; the retry is answered NONE with the first base offset', async () => {
    await produce('dup', batch(['before'])) // a plain producer's record first: the producer's batch is not at offset 0
    const {producerId} = await initProducerId()
    const first = batch(['a', 'b', 'c'], {producer: {producerId, producerEpoch: 0, baseSequence: 0}})
    const r1 = await produce('dup', first)
    expect(r1).toMatchObject({errorCode: E.NONE, baseOffset: 1})
    const r2 = await produce('dup', Buffer.from(first)) // the same bytes again: a retry after a lost answer
    expect(r2).toMatchObject({errorCode: E.NONE, baseOffset: 1})
    const next = await produce('dup', batch(['d'], {producer: {producerId, producerEpoch: 0, baseSequence: 3}}))
    expect(next).toMatchObject({errorCode: E.NONE, baseOffset: 4})
    expect(await readAll('dup')).toEqual({highWatermark: 5, records: ['0 before', '1 a', '2 b', '3 c', '4 d']})
  })

  it('a sequence gap gets OUT_OF_ORDER_SEQUENCE_NUMBER (45) and appends nothing; the expected sequence still goes on', async () => {
    const {producerId} = await initProducerId()
    expect(await produce('gap', batch(['s0', 's1'], {producer: {producerId, producerEpoch: 0, baseSequence: 0}}))).toMatchObject({errorCode: E.NONE, baseOffset: 0})
    const gap = await produce('gap', batch(['s5'], {producer: {producerId, producerEpoch: 0, baseSequence: 5}}))
    expect(gap).toMatchObject({errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1})
    expect(await produce('gap', batch(['s2'], {producer: {producerId, producerEpoch: 0, baseSequence: 2}}))).toMatchObject({errorCode: E.NONE, baseOffset: 2})
    expect(await readAll('gap')).toEqual({highWatermark: 3, records: ['0 s0', '1 s1', '2 s2']})
    expect(c.closed).toBe(false)
  })

  it('a batch of an older epoch than one already written gets INVALID_PRODUCER_EPOCH (47) and appends nothing', async () => {
    const {producerId} = await initProducerId()
    expect((await produce('fence', batch(['e0'], {producer: {producerId, producerEpoch: 0, baseSequence: 0}}))).errorCode).toBe(E.NONE)
    expect((await produce('fence', batch(['e1'], {producer: {producerId, producerEpoch: 1, baseSequence: 0}}))).errorCode).toBe(E.NONE)
    const stale = await produce('fence', batch(['stale'], {producer: {producerId, producerEpoch: 0, baseSequence: 1}}))
    expect(stale).toMatchObject({errorCode: E.INVALID_PRODUCER_EPOCH, baseOffset: -1})
    expect(await readAll('fence')).toEqual({highWatermark: 2, records: ['0 e0', '1 e1']})
  })
})
