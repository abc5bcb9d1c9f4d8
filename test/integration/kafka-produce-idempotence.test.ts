// `samsa produce --brokers` is idempotent, as it is locally: it takes a producer id over InitProducerId and
// stamps every batch with it and per-partition sequence numbers, so a batch sent again after a broker
// crash is stored once. The broker is samsa's own Kafka listener on another data directory; the local
// path is made impossible (SAMSA_NO_AUTOSTART=1, an empty data directory).
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {
  cleanup,
  expectOrderPerKey,
  keyedFeeder,
  lines,
  requireBuild,
  samsa,
  sleep,
  spawnDaemon,
  start,
  stopDaemon,
  tempDir,
  waitFor,
  type DaemonProcess,
} from '../support/index.js'

afterAll(cleanup)

interface DumpedBatch {
  count: number
  producerId: number
  producerEpoch: number
  baseSequence: number
}

// The batches of one partition as the broker stored them (samsa log dump of every segment).
async function batchesOf(brokerDir: string, topic: string, partition: number): Promise<DumpedBatch[]> {
  const dir = join(brokerDir, `${topic}-${partition}`)
  const out: DumpedBatch[] = []
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const r = await samsa(brokerDir, ['log', 'dump', join(dir, f), '--json'])
    expect(r.code, r.stderr).toBe(0)
    out.push(...lines(r.stdout).map((l) => JSON.parse(l) as DumpedBatch))
  }
  return out
}

// One producer's batches of a partition: its id, epoch 0, sequences 0, 1, 2, … without a gap.
function expectSequenced(batches: DumpedBatch[], producerId: number): void {
  let seq = 0
  for (const b of batches) {
    expect(b).toMatchObject({producerId, producerEpoch: 0, baseSequence: seq})
    seq += b.count
  }
}

describe('samsa produce --brokers', () => {
  let broker: DaemonProcess | undefined
  afterAll(async () => {
    if (broker) await stopDaemon(broker)
  })

  it('stamps its batches with a producer id and sequences (acks 1 and all); each run gets its own id', async () => {
    requireBuild()
    broker = await spawnDaemon(tempDir(), {kafka: true})
    const env = {SAMSA_BROKERS: `127.0.0.1:${broker.kafkaPort()}`, SAMSA_NO_AUTOSTART: '1'}
    const cli = (args: string[], input?: string) => samsa(tempDir(), args, {env, input})
    expect((await cli(['topic', 'create', 'stamped', '--partitions', '2'])).code).toBe(0)
    const input = Array.from({length: 200}, (_, i) => `k${i % 7}:${i}`)
    const first = await cli(['produce', 'stamped', '--key-delimiter', ':', '--acks', '1'], input.slice(0, 100).join('\n') + '\n')
    expect(first.code, first.stderr).toBe(0)
    const second = await cli(['produce', 'stamped', '--key-delimiter', ':', '--acks', 'all'], input.slice(100).join('\n') + '\n')
    expect(second.code, second.stderr).toBe(0)

    const read = await cli(['consume', 'stamped', '--format', '%k:%s\\n'])
    expect([...lines(read.stdout)].sort()).toEqual([...input].sort())
    const ids = new Set<number>()
    for (const p of [0, 1]) {
      const batches = await batchesOf(broker.dataDir, 'stamped', p)
      expect(batches.length).toBeGreaterThan(0)
      // each run's batches: one id, sequences from 0 per partition
      const runs = [...new Set(batches.map((b) => b.producerId))]
      expect(runs).toHaveLength(2)
      for (const id of runs) {
        expect(id).toBeGreaterThanOrEqual(0)
        expectSequenced(batches.filter((b) => b.producerId === id), id)
        ids.add(id)
      }
    }
    expect(ids.size).toBe(2)
  })

  it('the broker dies between writing a batch and acknowledging it: every line is stored exactly once', async () => {
    requireBuild()
    const dir = tempDir()
    // each worker lets one produce to "pipe" through; the next is written to its segment file, then the
    // broker is killed before it answers
    const failpoint = JSON.stringify([{point: 'after-write-before-ack', action: 'kill', topic: 'pipe', after: 1}])
    const first = await spawnDaemon(dir, {kafka: true, env: {SAMSA_FAILPOINTS: failpoint}})
    const port = first.kafkaPort()
    const env = {SAMSA_BROKERS: `127.0.0.1:${port}`, SAMSA_NO_AUTOSTART: '1'}
    const client = tempDir()
    expect((await samsa(client, ['topic', 'create', 'pipe', '--partitions', '2'], {env})).code).toBe(0)
    const producer = start(client, ['produce', 'pipe', '--acks', 'all', '--key-delimiter', ':', '--reconnect-timeout', '60s'], {stdin: 'pipe', env})
    const stored = async (): Promise<number> => lines((await samsa(dir, ['consume', 'pipe'])).stdout).length
    const {input, feed} = keyedFeeder(producer.child.stdin!)
    await feed(1)
    await waitFor(async () => (await stored()) === 25, 15_000, 'the first lines')
    await feed(8)
    await first.exited // killed by the failpoint, mid-request
    expect(first.child.signalCode).toBe('SIGKILL')
    await feed(2) // read while the broker is away
    // away for longer than the backend's own few resends (routing.ts, 1.5 s in all): --reconnect-timeout
    // is what keeps the producer going
    await sleep(3000)
    // the same broker back on the same port, as a restarted Kafka broker would be
    broker = await spawnDaemon(dir, {kafka: true, env: {SAMSA_KAFKA_LISTENER: `127.0.0.1:${port}`}})
    await feed(4)
    producer.child.stdin!.end()
    expect(await producer.exited, producer.stderr()).toBe(0)
    expect(producer.stderr()).toBe('')

    // what was in flight at the crash was sent again: the broker had stored it, and kept it once
    const out = lines((await samsa(dir, ['consume', 'pipe', '--format', '%k:%s\\n'])).stdout)
    expect(out.length).toBe(input.length)
    expect([...out].sort()).toEqual([...input].sort())
    expectOrderPerKey(out)
    for (const p of [0, 1]) {
      const batches = await batchesOf(dir, 'pipe', p)
      expectSequenced(batches, batches[0]!.producerId)
    }
  }, 120_000)
})
