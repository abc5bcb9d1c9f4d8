// The log cleaner inside a partition worker (worker/cleaner.ts), in-process on real storage, through the
// worker's own messages: max.compaction.lag.ms rolls the active segment and gets a record compacted in
// time whatever the dirty ratio; a pass that fails on damage is reported once and leaves the partition
// online and uncleaned until restart; a stop gives the running pass up (no .cleaned file left) and
// answers the compaction waiting for it.
import * as fs from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {CompactResult, PartitionStats, ProduceResult, ReplyMessage, StatsResult, WorkerMessage, WorkerRequest} from '../../../src/engine/worker/messages.js'
import {PartitionWorker} from '../../../src/engine/worker/partition-worker.js'
import {resolveLogConfig} from '../../../src/storage/log-config.js'
import {PartitionLog} from '../../../src/storage/partition-log.js'
import {keyed, readRecords} from '../../storage/cleaner-helpers.js'

const dirs: string[] = []
const workers: PartitionWorker[] = []
afterAll(() => {
  for (const w of workers) w.handle({type: 'shutdown', id: 0})
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

type Outgoing = WorkerRequest extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

function harness(init: {tickMs?: number} = {}) {
  const posted: WorkerMessage[] = []
  const worker = new PartitionWorker({postMessage: (msg: WorkerMessage) => void posted.push(msg)}, {index: 0, generation: 0, tickMs: init.tickMs ?? 60_000, retentionCheckMs: 60_000})
  workers.push(worker)
  const dataDir = fs.mkdtempSync(join(tmpdir(), 'samsa-cleaner-worker-'))
  dirs.push(dataDir)
  let nextId = 1
  const replyTo = (id: number) => posted.find((m): m is ReplyMessage => m.type === 'reply' && m.id === id)
  return {
    worker,
    dataDir,
    dir: (topic: string) => join(dataDir, `${topic}-0`),
    logs: () => posted.filter((m) => m.type === 'log').map((m) => (m as {line: string}).line),
    send(msg: Outgoing): number {
      const id = nextId++
      worker.handle({...msg, id} as WorkerRequest)
      return id
    },
    replyTo,
    async ask<T>(msg: Outgoing, ms = 30_000): Promise<{result: T; error?: {code: string; message: string}}> {
      const id = this.send(msg)
      await until(`reply to ${msg.type}`, () => replyTo(id) !== undefined, ms)
      const r = replyTo(id)!
      return {result: r.result as T, error: r.error}
    },
    open(id: number, topic: string, configs: Record<string, string>) {
      return this.ask({type: 'open', partitions: [{id, topic, partition: 0, dir: join(dataDir, `${topic}-0`), config: resolveLogConfig(configs)}]})
    },
    async stats(id: number): Promise<PartitionStats> {
      return (await this.ask<StatsResult>({type: 'stats', partitions: [id], cleaner: true})).result.partitions[0]!
    },
  }
}

const bytesOf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('the worker thread’s log cleaner', () => {
  it('rolls by max.compaction.lag.ms and cleans a dirty segment past it, whatever the dirty ratio', async () => {
    const h = harness({tickMs: 20})
    // min.cleanable.dirty.ratio=1: no ratio passes it, so only the lag can get the partition cleaned
    await h.open(1, 'lag', {'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '1', 'max.compaction.lag.ms': '300'})
    await h.ask({type: 'produce', partition: 1, acks: 1, bytes: bytesOf(keyed([['a', '1'], ['b', '1']], {timestamp: Date.now()}))})
    const first = await h.ask<CompactResult>({type: 'compact', partitions: [1], dryRun: false})
    expect(first.result.partitions[0]).toMatchObject({passes: 1, complete: true})
    const cleanedAt = (await h.stats(1)).cleaner!.lastCleanedAt!
    await h.ask({type: 'produce', partition: 1, acks: 1, bytes: bytesOf(keyed([['a', '2']], {timestamp: Date.now()}))})
    await until('a pass for max.compaction.lag.ms', () => h.logs().some((l) => /lag-0: cleaned offsets/.test(l)), 10_000)
    expect(h.logs().some((l) => /lag-0: rolled a new segment after max\.compaction\.lag\.ms=300/.test(l))).toBe(true)
    const s = await h.stats(1)
    expect(s.cleaner!.lastCleanedAt!).toBeGreaterThan(cleanedAt)
    expect(s.cleaner).toMatchObject({dirtyBytes: 0, uncleanable: null, cleaning: false})
    await h.ask({type: 'shutdown'})
    const log = PartitionLog.open({dir: h.dir('lag'), config: resolveLogConfig({'cleanup.policy': 'compact'})})
    expect(readRecords(log).map((r) => `${r.key}:${r.value}@${r.offset}`)).toEqual(['b:1@1', 'a:2@2'])
    log.close()
  })

  it('reports a pass that fails on damage once, keeps the partition online and leaves it uncleaned until restart', async () => {
    const h = harness({tickMs: 20})
    const config = {'cleanup.policy': 'compact'}
    // a log written and closed cleanly, then a byte of its first segment flipped: nothing reads it until the cleaner
    const dir = h.dir('bad')
    const log = PartitionLog.open({dir, config: resolveLogConfig(config)})
    for (let i = 0; i < 3; i++) {
      log.append(keyed([['a', `v${i}`], ['b', `w${i}`]]))
      log.roll()
    }
    log.close()
    const first = join(dir, '00000000000000000000.log')
    const bytes = fs.readFileSync(first)
    bytes[bytes.length - 3]! ^= 0xff
    fs.writeFileSync(first, bytes)

    await h.open(1, 'bad', config)
    await until('the failed pass', () => h.logs().some((l) => /bad-0: cleaning failed/.test(l)))
    await new Promise((r) => setTimeout(r, 300)) // many ticks: no second try
    expect(h.logs().filter((l) => /bad-0: cleaning failed/.test(l))).toHaveLength(1)
    const s = await h.stats(1)
    expect(s.online).toBe(true)
    expect(s.cleaner!.uncleanable).toMatch(/CRC|corrupt/i)
    const appended = await h.ask<ProduceResult>({type: 'produce', partition: 1, acks: 1, bytes: bytesOf(keyed([['c', '1']]))})
    expect(appended.error).toBeUndefined()
    expect(appended.result.baseOffset).toBe(6)
    // asked for, it is tried again, and the error is the answer for that partition
    const asked = await h.ask<CompactResult>({type: 'compact', partitions: [1], dryRun: false})
    expect(asked.result.partitions[0]!.error?.code).toBe('CORRUPT_LOG')
    expect(fs.readdirSync(dir).filter((n) => n.includes('.cleaned') || n.includes('.swap'))).toEqual([])
  })

  it('gives the running pass up when the daemon stops, answering the compaction that waits, with no .cleaned file left', async () => {
    const h = harness()
    await h.open(1, 'stop', {'cleanup.policy': 'compact', 'segment.bytes': String(1 << 20)})
    const value = 'x'.repeat(200)
    for (let b = 0; b < 40; b++) {
      const batch = keyed(Array.from({length: 500}, (_, i) => [`k${(b * 500 + i) % 3000}`, `${value}${b}-${i}`] as const), {compression: 0})
      await h.ask({type: 'produce', partition: 1, acks: 1, bytes: bytesOf(batch)})
    }
    const id = h.send({type: 'compact', partitions: [1], dryRun: false})
    // the worker answers stats at once (handle() is synchronous): seen between two steps of the pass
    const progress = () => (h.replyTo(h.send({type: 'stats', partitions: [1], cleaner: true}))!.result as StatsResult).partitions[0]!.compaction
    await until('the pass to start', () => (progress()?.done ?? 0) > 0 || h.replyTo(id) !== undefined)
    expect(h.replyTo(id)).toBeUndefined() // still cleaning: ~4 MiB take several 1 MiB steps
    await h.ask({type: 'stopCleaning'})
    expect((h.replyTo(id)!.result as CompactResult).partitions[0]!.error?.code).toBe('DAEMON_UNAVAILABLE')
    expect(fs.readdirSync(h.dir('stop')).filter((n) => n.includes('.cleaned'))).toEqual([])
    // nor does the daemon's own cleaning start again before the shutdown
    const later = await h.ask<CompactResult>({type: 'compact', partitions: [1], dryRun: false})
    expect(later.result.partitions[0]!.error?.code).toBe('DAEMON_UNAVAILABLE')
    expect((await h.ask<number>({type: 'shutdown'})).result).toBe(1)
  })
})
