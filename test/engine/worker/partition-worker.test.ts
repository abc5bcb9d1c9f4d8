// A partition worker in-process: the PartitionWorker the thread entry builds, driven here through a port
// of the test's own (it records what the worker posts), on real partition logs in a temp directory.
// Produce and its acks=all group commit, the high-watermark announcements and tails that wake long polls,
// fetch replies, the offline rule, and the timers (segment.ms rolls, retention) — without a thread.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {Compression} from '../../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../../src/format/record-batch.js'
import {resolveLogConfig} from '../../../src/storage/log-config.js'
import type {FetchResult, HwmMessage, ProduceResult, ReplyMessage, WorkerMessage, WorkerRequest} from '../../../src/engine/worker/messages.js'
import {PartitionWorker} from '../../../src/engine/worker/partition-worker.js'

const dirs: string[] = []
const workers: PartitionWorker[] = []
afterAll(() => {
  for (const w of workers) w.handle({type: 'shutdown', id: 0}) // closes what a test left open
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

type Outgoing = WorkerRequest extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

// The worker with a port that keeps every message (and what was transferred with it).
function harness(init: {tickMs?: number; retentionCheckMs?: number} = {}) {
  const posted: {msg: WorkerMessage; transfer: readonly ArrayBuffer[]}[] = []
  const port = {postMessage: (msg: WorkerMessage, transfer: readonly ArrayBuffer[] = []) => void posted.push({msg, transfer})}
  const worker = new PartitionWorker(port, {index: 0, generation: 0, tickMs: init.tickMs ?? 60_000, retentionCheckMs: init.retentionCheckMs ?? 60_000})
  workers.push(worker)
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-worker-'))
  dirs.push(dataDir)
  let nextId = 1
  const replyTo = (id: number) => posted.find((p) => p.msg.type === 'reply' && p.msg.id === id) as {msg: ReplyMessage; transfer: readonly ArrayBuffer[]} | undefined
  return {
    worker,
    posted,
    dataDir,
    send(msg: Outgoing): number {
      const id = nextId++
      worker.handle({...msg, id} as WorkerRequest)
      return id
    },
    replyTo,
    // Sends a request and waits (turns of the event loop) for its reply.
    async ask<T>(msg: Outgoing): Promise<{result: T; error?: {code: string; message: string}; transfer: readonly ArrayBuffer[]}> {
      const id = this.send(msg)
      for (let i = 0; i < 100 && !replyTo(id); i++) await new Promise((r) => setImmediate(r))
      const r = replyTo(id)
      if (!r) throw new Error(`no reply to request ${id}`)
      return {result: r.msg.result as T, error: r.msg.error, transfer: r.transfer}
    },
    announcements: () => posted.filter((p) => p.msg.type === 'hwm').map((p) => p.msg as HwmMessage),
    logs: () => posted.filter((p) => p.msg.type === 'log').map((p) => (p.msg as {line: string}).line),
    open(id: number, topic: string, configs: Record<string, string> = {}) {
      return this.ask({type: 'open', partitions: [{id, topic, partition: 0, dir: join(dataDir, `${topic}-0`), config: resolveLogConfig(configs)}]})
    },
  }
}

function batch(n: number, prefix = 'v'): ArrayBuffer {
  const b = encodeRecordBatch(
    Array.from({length: n}, (_, i) => ({key: null, value: Buffer.from(`${prefix}${i}`.padEnd(40, '.')), timestamp: Date.now(), headers: []})),
    {compression: Compression.Lz4},
  )
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer
}

const turn = () => new Promise((r) => setImmediate(r))

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('PartitionWorker (in-process, fake port, real storage)', () => {
  it('appends, answers acks=1 at once, and announces the new high watermark once per turn', async () => {
    const h = harness()
    const opened = await h.open(1, 'a')
    expect(opened.error).toBeUndefined()
    const first = h.send({type: 'produce', partition: 1, acks: 1, bytes: batch(3)})
    const second = h.send({type: 'produce', partition: 1, acks: 1, bytes: batch(2)})
    expect((h.replyTo(first)!.msg.result as ProduceResult).lastOffset).toBe(2) // synchronous for acks=1
    expect((h.replyTo(second)!.msg.result as ProduceResult).baseOffset).toBe(3)
    expect(h.announcements()).toEqual([])
    await turn()
    expect(h.announcements()).toEqual([{type: 'hwm', updates: [1, 5, 0]}]) // [id, highWatermark, logStartOffset]
  })

  it('answers acks=all only after the group commit of the turn, every append of the turn together', async () => {
    const h = harness()
    await h.open(1, 'sync')
    const ids = [h.send({type: 'produce', partition: 1, acks: -1, bytes: batch(1)}), h.send({type: 'produce', partition: 1, acks: -1, bytes: batch(1)})]
    expect(ids.map((id) => h.replyTo(id))).toEqual([undefined, undefined])
    await turn()
    expect(ids.map((id) => (h.replyTo(id)!.msg.result as ProduceResult).baseOffset)).toEqual([0, 1])
  })

  it('hands the appended bytes of a watched partition back with the announcement, the same buffer transferred', async () => {
    const h = harness()
    await h.open(1, 'w')
    h.worker.handle({type: 'watch', partitions: [1], on: true})
    const bytes = batch(4)
    h.send({type: 'produce', partition: 1, acks: 1, bytes})
    await turn()
    const hwm = h.posted.find((p) => p.msg.type === 'hwm')!
    expect((hwm.msg as HwmMessage).tails).toEqual([{partition: 1, from: 0, bytes}])
    expect((hwm.msg as HwmMessage).tails![0]!.bytes).toBe(bytes) // not a copy
    expect(hwm.transfer).toEqual([bytes])
  })

  it('fetches stored batches into one transferred buffer, and serves per-partition errors', async () => {
    const h = harness()
    await h.open(1, 'f')
    await h.open(2, 'g')
    h.send({type: 'produce', partition: 1, acks: 1, bytes: batch(3, 'f')})
    h.send({type: 'produce', partition: 2, acks: 1, bytes: batch(2, 'g')})
    const r = await h.ask<FetchResult>({
      type: 'fetch',
      partitions: [
        {partition: 2, offset: 0, maxBytes: 1 << 20},
        {partition: 1, offset: 0, maxBytes: 1 << 20},
        {partition: 1, offset: 9, maxBytes: 1 << 20},
        {partition: 7, offset: 0, maxBytes: 1 << 20},
      ],
      maxBytes: 1 << 20,
    })
    const [g, f, past, none] = r.result.partitions
    expect([g!.highWatermark, f!.highWatermark]).toEqual([2, 3])
    expect(r.result.data!.byteLength).toBe(g!.bytes + f!.bytes)
    expect(r.transfer).toEqual([r.result.data])
    expect([past!.error?.code, none!.error?.code]).toEqual(['OFFSET_OUT_OF_RANGE', 'UNKNOWN_PARTITION'])
  })

  it('refuses a corrupt batch without taking the partition offline; a storage failure would', async () => {
    const h = harness()
    await h.open(1, 'c')
    const bad = new Uint8Array(batch(2))
    bad[bad.length - 1]! ^= 0xff
    const refused = await h.ask({type: 'produce', partition: 1, acks: 1, bytes: bad.buffer as ArrayBuffer})
    expect(refused.error?.code).toBe('CORRUPT_MESSAGE')
    const ok = await h.ask<ProduceResult>({type: 'produce', partition: 1, acks: 1, bytes: batch(1)})
    expect(ok.error).toBeUndefined()
    expect(ok.result.baseOffset).toBe(0)
    expect(h.posted.some((p) => p.msg.type === 'offline')).toBe(false)
  })

  it('rolls an idle segment after segment.ms and applies retention.ms on its timer, announcing the new log start', async () => {
    const h = harness({tickMs: 20, retentionCheckMs: 50})
    await h.open(1, 't', {'segment.ms': '100', 'retention.ms': '200'})
    await h.ask({type: 'produce', partition: 1, acks: 1, bytes: batch(3)})
    await until('roll and retention', () => h.announcements().some((a) => a.updates[2] === 3))
    expect(h.logs().some((l) => /t-0: rolled a new segment after segment\.ms=100/.test(l))).toBe(true)
    expect(h.logs().some((l) => /t-0: retention deleted 1 segment\(s\)/.test(l))).toBe(true)
    const shut = await h.ask<number>({type: 'shutdown'})
    expect(shut.result).toBe(1)
    expect((await h.ask({type: 'produce', partition: 1, acks: 1, bytes: batch(1)})).error?.code).toBe('UNKNOWN_PARTITION')
  })

  it('moves the log start on DeleteRecords and lists offsets by time', async () => {
    const h = harness()
    await h.open(1, 'd')
    await h.ask({type: 'produce', partition: 1, acks: 1, bytes: batch(5)})
    const del = await h.ask<{partitions: {lowWatermark: number}[]}>({type: 'deleteRecords', partitions: [{partition: 1, offset: 3}]})
    expect(del.result.partitions[0]!.lowWatermark).toBe(3)
    const listed = await h.ask<{partitions: {offset: number; error?: {code: string}}[]}>({
      type: 'listOffsets',
      partitions: [
        {partition: 1, timestamp: -2},
        {partition: 1, timestamp: -1},
        {partition: 1, timestamp: -7},
      ],
    })
    expect(listed.result.partitions.map((p) => p.error?.code ?? p.offset)).toEqual([3, 5, 'INVALID_REQUEST'])
    await turn()
    expect(h.announcements().at(-1)!.updates).toEqual([1, 5, 3])
  })
})
