// Idempotent producers against a real daemon process, over the control protocol: InitProducerId (ApiKey 7)
// hands out ids that are never handed out again, also after kill -9; a batch stamped with an id and a
// sequence number is appended once, however often it is sent, also when the daemon was killed with -9
// between; gaps and old epochs are refused with Kafka's error codes.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {Compression} from '../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {cleanup, requireBuild, spawnDaemon, tempDir, type DaemonProcess} from '../support/index.js'
import {TestClient, records} from './helpers.js'

afterAll(cleanup)

function idem(pid: number, seq: number, n: number, epoch = 0): Buffer {
  return encodeRecordBatch(records(n, `s${seq}-`), {compression: Compression.Lz4, producerId: pid, producerEpoch: epoch, baseSequence: seq})
}

async function daemonWithClient(dir: string): Promise<{d: DaemonProcess; c: TestClient}> {
  const d = await spawnDaemon(dir)
  return {d, c: await TestClient.connect(d.socket)}
}

async function kill9(d: DaemonProcess, c: TestClient): Promise<void> {
  c.close()
  d.child.kill('SIGKILL')
  await d.exited
}

describe('InitProducerId and idempotent produce', () => {
  it('ids are unique, also across kill -9; a transactional id is refused', async () => {
    requireBuild()
    const dir = tempDir()
    let {d, c} = await daemonWithClient(dir)
    const hello = await c.request(ApiKey.Hello, {client: 'test'})
    expect(hello.body.apis.map((a: {key: number}) => a.key)).toContain(ApiKey.InitProducerId)
    const seen = new Set<number>()
    for (let i = 0; i < 5; i++) {
      const r = await c.request(ApiKey.InitProducerId, {})
      expect(r.body).toEqual({producerId: expect.any(Number), producerEpoch: 0})
      seen.add(r.body.producerId)
    }
    expect(seen.size).toBe(5)
    expect(existsSync(join(dir, 'producer-ids.checkpoint'))).toBe(true)
    const refused = await c.request(ApiKey.InitProducerId, {transactionalId: 'tx'})
    expect(refused.body.error).toMatchObject({code: 'INVALID_REQUEST'})
    await kill9(d, c)
    ;({d, c} = await daemonWithClient(dir))
    const after = (await c.request(ApiKey.InitProducerId, {})).body.producerId as number
    expect(after).toBeGreaterThan(Math.max(...seen))
    c.close()
  }, 60_000)

  it('a batch sent again after kill -9 gets its first offsets and is stored once; gaps and old epochs are refused', async () => {
    const dir = tempDir()
    let {d, c} = await daemonWithClient(dir)
    expect((await c.request(ApiKey.CreateTopic, {name: 'i', partitions: 1, configs: {}, ifNotExists: false})).body.error).toBeUndefined()
    const {producerId} = (await c.request(ApiKey.InitProducerId, {})).body
    const produce = (batch: Buffer) => c.request(ApiKey.Produce, {topic: 'i', partition: 0, acks: 1, timeoutMs: 5000}, batch)
    expect((await produce(idem(producerId, 0, 3))).body).toMatchObject({baseOffset: 0, lastOffset: 2})
    expect((await produce(idem(producerId, 3, 2))).body).toMatchObject({baseOffset: 3, lastOffset: 4})
    await kill9(d, c) // the second batch's acknowledgement might as well have been lost
    ;({d, c} = await daemonWithClient(dir))
    const again = await produce(idem(producerId, 3, 2))
    expect(again.body).toEqual({baseOffset: 3, lastOffset: 4, logAppendTime: -1, logStartOffset: 0, duplicate: true})
    const gap = await produce(idem(producerId, 9, 1))
    expect(gap.body.error).toMatchObject({code: 'OUT_OF_ORDER_SEQUENCE_NUMBER'})
    expect((await produce(idem(producerId, 0, 1, 1))).body).toMatchObject({baseOffset: 5}) // a new epoch starts at 0
    const fenced = await produce(idem(producerId, 5, 1, 0))
    expect(fenced.body.error).toMatchObject({code: 'INVALID_PRODUCER_EPOCH'})
    const end = await c.request(ApiKey.ListOffsets, {partitions: [{topic: 'i', partition: 0, timestamp: -1}]})
    expect(end.body.partitions[0].offset).toBe(6)
    // the partition stays online: a refused batch is the producer's problem, not the disk's
    expect((await produce(idem(producerId, 1, 1, 1))).body).toMatchObject({baseOffset: 6})
    c.close()
  }, 60_000)
})
