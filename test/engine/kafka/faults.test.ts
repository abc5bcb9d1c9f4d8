// Storage faults seen by a Kafka client (SAMSA_FAILPOINTS arms storage's faulty file I/O in the workers):
// a failed write and the partition then offline answer NOT_LEADER_OR_FOLLOWER (6) — KAFKA_STORAGE_ERROR
// (56) exists only from Produce v4 and Fetch v6, so at the versions samsa speaks Kafka answers 6 — while
// what was acknowledged stays readable over Kafka, and the other partitions keep working.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KafkaErrorCode as E} from '../../../src/protocol/kafka/index.js'
import {cleanup, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../../support/index.js'
import {batch, fetchBody, KafkaTestClient, produceBody} from './helpers.js'

let d: DaemonProcess

beforeAll(async () => {
  requireBuild()
  const failpoints = JSON.stringify([{op: 'write', action: 'ENOSPC', pathPattern: 'broken-0/\\d+\\.log$', after: 1}])
  d = await spawnDaemon(tempDir(), {kafka: true, env: {SAMSA_FAILPOINTS: failpoints}})
  for (const name of ['broken', 'fine']) expect((await samsa(d.dataDir, ['topic', 'create', name])).code).toBe(0)
})

afterAll(async () => {
  if (d) await stopDaemon(d)
  await cleanup()
})

describe('storage faults over Kafka', () => {
  it('a failed write and an offline partition are NOT_LEADER_OR_FOLLOWER; acknowledged data stays readable', async () => {
    const c = await KafkaTestClient.connect(d.kafkaPort())
    const code = async (topic: string, acks = 1) => (await c.request('Produce', produceBody(topic, 0, batch(['x', 'y']), acks))).responses[0]!.partitionResponses[0]!
    expect(await code('broken')).toMatchObject({errorCode: 0, baseOffset: 0})
    expect((await code('broken')).errorCode).toBe(E.NOT_LEADER_OR_FOLLOWER) // ENOSPC
    expect((await code('broken', -1)).errorCode).toBe(E.NOT_LEADER_OR_FOLLOWER) // offline until restart
    expect(await code('fine')).toMatchObject({errorCode: 0, baseOffset: 0})
    const f = await c.request('Fetch', fetchBody([{topic: 'broken', partition: 0, offset: 0}]))
    expect(f.responses[0]!.partitions[0]).toMatchObject({errorCode: 0, highWatermark: 2})
    expect(f.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0)
    expect(d.output()).toMatch(/ENOSPC/)
    c.close()
  })
})
