// Idempotent producers of real Kafka clients against a real samsa daemon: kafkajs 2.2.4 with
// `idempotent: true` and kcat (librdkafka 2.0.2) with `enable.idempotence=true`. Each gets a producer id
// over InitProducerId, stamps its batches with it and per-partition sequences, and every record is read
// back exactly once. (Duplicates, gaps and fenced epochs over the raw connection: engine/kafka/idempotence.test.ts.)
import {execFile} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import kafkajs from 'kafkajs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lines, samsa, type DaemonProcess} from '../support/index.js'
import {startKafkaDaemon, stopKafkaDaemon} from './kafka-daemon.js'
import '../engine/kafka/helpers.js' // kafkajs's LZ4 codec (kafkajs-lz4)

const {Kafka, CompressionTypes, logLevel} = kafkajs
const exec = promisify(execFile)

let d: DaemonProcess
let broker: string

beforeAll(async () => ({d, broker} = await startKafkaDaemon()))
afterAll(() => stopKafkaDaemon(d))

async function cli(args: string[]): Promise<string> {
  const r = await samsa(d.dataDir, args)
  expect(r.code, `samsa ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

interface DumpedBatch {
  baseOffset: number
  count: number
  codec: string
  producerId: number
  producerEpoch: number
  baseSequence: number
}

// The batches of one partition as stored (samsa log dump of every segment).
async function batchesOf(topic: string, partition: number): Promise<DumpedBatch[]> {
  const dir = join(d.dataDir, `${topic}-${partition}`)
  const out: DumpedBatch[] = []
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    out.push(...lines(await cli(['log', 'dump', join(dir, f), '--json'])).map((l) => JSON.parse(l) as DumpedBatch))
  }
  return out
}

// One producer's batches of one partition: its id and epoch 0 on each, sequences 0, 1, 2, … without gap.
function expectIdempotentBatches(batches: DumpedBatch[], producerId: number): void {
  let seq = 0
  for (const b of batches) {
    expect(b).toMatchObject({producerId, producerEpoch: 0, baseSequence: seq})
    seq += b.count
  }
}

describe('idempotent producers', () => {
  it('kafkajs `idempotent: true`: keyed records over three partitions, each stored and read back exactly once', async () => {
    await cli(['topic', 'create', 'kjs-idem', '--partitions', '3'])
    const producer = new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING}).producer({idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    const sent: string[] = []
    for (let round = 0; round < 4; round++) {
      const messages = Array.from({length: 50}, (_, i) => ({key: `key${i % 9}`, value: `r${round}-${i}`}))
      await producer.send({topic: 'kjs-idem', compression: CompressionTypes.LZ4, messages})
      sent.push(...messages.map((m) => `${m.key} ${m.value}`))
    }
    await producer.disconnect()
    const read = lines(await cli(['consume', 'kjs-idem', '--format', '%k %s\\n']))
    expect([...read].sort()).toEqual([...sent].sort())
    const ids = new Set<number>()
    for (const p of [0, 1, 2]) {
      const batches = await batchesOf('kjs-idem', p)
      expect(batches.length).toBeGreaterThan(0)
      expect(batches.every((b) => b.codec === 'lz4')).toBe(true)
      expectIdempotentBatches(batches, batches[0]!.producerId)
      ids.add(batches[0]!.producerId)
    }
    expect([...ids]).toHaveLength(1) // one producer: one id, from InitProducerId
    expect([...ids][0]).toBeGreaterThanOrEqual(0)
  })

  it('kcat -X enable.idempotence=true -z lz4: librdkafka gets a producer id; every record read back exactly once', async () => {
    await cli(['topic', 'create', 'kcat-idem', '--partitions', '2'])
    const input = Array.from({length: 500}, (_, i) => `k${i % 11}:value ${i}`).join('\n') + '\n'
    const p = exec('kcat', ['-b', broker, '-P', '-t', 'kcat-idem', '-K:', '-z', 'lz4', '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-d', 'eos'], {
      timeout: 60_000,
    })
    p.child.stdin!.end(input)
    const {stderr} = await p
    const acquired = /Acquired PID\{Id:(\d+),Epoch:0\}/.exec(stderr) // librdkafka's debug line (-d eos)
    expect(acquired, stderr).not.toBeNull()
    const sent = input.trimEnd().split('\n').map((l) => l.replace(':', ' '))
    const read = lines((await exec('kcat', ['-b', broker, '-C', '-t', 'kcat-idem', '-o', 'beginning', '-e', '-q', '-f', '%k %s\\n'], {timeout: 60_000})).stdout)
    expect([...read].sort()).toEqual([...sent].sort())
    const ids = new Set<number>()
    for (const part of [0, 1]) {
      const batches = await batchesOf('kcat-idem', part)
      expect(batches.every((b) => b.codec === 'lz4')).toBe(true)
      expectIdempotentBatches(batches, batches[0]!.producerId)
      ids.add(batches[0]!.producerId)
    }
    expect([...ids]).toEqual([Number(acquired![1])]) // the batches carry the id InitProducerId gave
  })
})
