// Hostile clients on the control socket (README Guarantees, rule 7): bad size prefixes, undecodable frames,
// stalled partial frames, corrupt record batches, in-flight floods and a consumer that stops reading.
// Each gets a clear error or a closed connection; the daemon stays up, serves other clients, and its
// memory stays flat.
import {randomBytes} from 'node:crypto'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {Compression, writeBatchCrc} from '../../src/format/batch-header.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {encodeFrame} from '../../src/protocol/control/frame.js'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {startDaemon} from '../../src/engine/lifecycle/daemon.js'
import {ROOT, sleep, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'
import {lz4Batch, rssKb, sharedDaemon, TestClient} from './helpers.js'

let d: DaemonProcess
let c: TestClient

sharedDaemon(async (daemon, client) => {
  d = daemon
  c = client
  for (const name of ['h', 'flood', 'slow']) {
    await c.request(ApiKey.CreateTopic, {name, partitions: 1, configs: {}, ifNotExists: false})
  }
})

async function stillServing(): Promise<void> {
  const other = await TestClient.connect(d.socket)
  expect((await other.request(ApiKey.Hello, {client: 'check'})).body.pid).toBe(d.pid)
  other.close()
}

// Writes bytes on a fresh connection and resolves with whatever came back before the daemon closed it.
function rawExchange(bytes: Buffer, waitMs = 2000): Promise<{closed: boolean; data: Buffer}> {
  return new Promise((resolve) => {
    const s = connect({path: d.socket})
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      s.destroy()
      resolve({closed: false, data: Buffer.concat(chunks)})
    }, waitMs)
    s.on('data', (b) => chunks.push(b))
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve({closed: true, data: Buffer.concat(chunks)})
    })
    s.write(bytes)
  })
}

function withCrc(batch: Buffer): Buffer {
  writeBatchCrc(batch, 0, batch.length)
  return batch
}

function corruptBatches(): [string, Buffer][] {
  const good = () => lz4Batch(10, 'c', 40)
  const out: [string, Buffer][] = []
  const badCrc = good()
  badCrc[badCrc.length - 1]! ^= 0xff
  out.push(['bad CRC', badCrc])
  const magic = good()
  magic[16] = 1
  out.push(['wrong magic', magic])
  const count = good()
  count.writeInt32BE(11, 57) // recordsCount 11, lastOffsetDelta 10: consistent header, 10 records inside
  count.writeInt32BE(10, 23)
  out.push(['record count mismatch', withCrc(count)])
  const count2 = good()
  count2.writeInt32BE(3, 57)
  out.push(['recordsCount against lastOffsetDelta', withCrc(count2)])
  const lz4Lie = good()
  lz4Lie.writeUInt32LE(0x7fff0000, 61 + 7) // the first LZ4 block claims ~2 GiB
  out.push(['LZ4 block size that lies', withCrc(lz4Lie)])
  const lz4Short = good().subarray(0, -9)
  lz4Short.writeInt32BE(lz4Short.length - 12, 8)
  out.push(['LZ4 frame cut short', withCrc(Buffer.from(lz4Short))])
  const plain = encodeRecordBatch([{key: null, value: Buffer.from('hello'), timestamp: Date.now(), headers: []}], {compression: Compression.None})
  plain[61] = 0x7e // first record's length varint: far past the end of the batch
  out.push(['varint past the end', withCrc(plain)])
  const tooLong = good()
  tooLong.writeInt32BE(1 << 30, 8)
  out.push(['batchLength beyond the request', tooLong])
  out.push(['truncated header', good().subarray(0, 30)])
  const bomb = encodeRecordBatch([{key: null, value: Buffer.alloc(80 * 1024 * 1024), timestamp: Date.now(), headers: []}])
  out.push(['decompression bomb (80 MiB of zeros)', bomb])
  return out
}

describe('hostile clients', () => {
  it('closes a connection whose size prefix is huge, negative or too small, and keeps serving others', async () => {
    for (const prefix of [0xffffffff, 0x80000000, 64 * 1024 * 1024 + 1, 5, 0]) {
      const b = Buffer.alloc(16)
      b.writeUInt32BE(prefix, 0)
      const r = await rawExchange(b)
      expect(r.closed, `prefix ${prefix}`).toBe(true)
      expect(r.data.length).toBe(0)
    }
    await stillServing()
    expect(d.output()).toMatch(/exceeds the 67108864-byte limit/)
  })

  it('answers an undecodable frame with an error carrying its correlation id and keeps the connection', async () => {
    const bad = Buffer.alloc(4 + 12 + 5)
    bad.writeUInt32BE(12 + 5, 0)
    bad.writeUInt16BE(ApiKey.Status, 4)
    bad.writeUInt32BE(777, 8)
    bad.writeUInt32BE(5, 12)
    bad.write('{nope', 16)
    const lying = Buffer.alloc(4 + 12)
    lying.writeUInt32BE(12, 0)
    lying.writeUInt32BE(778, 8)
    lying.writeUInt32BE(1000, 12) // JSON length past the frame
    const client = await TestClient.connect(d.socket)
    client.writeRaw(Buffer.concat([bad, lying]))
    const ok = await client.request(ApiKey.Hello, {client: 'after'})
    expect(ok.body.pid).toBe(d.pid)
    const errs = client.frames.map((f) => [f.correlationId, (f.body as {error: {code: string}}).error.code])
    expect(errs).toEqual([
      [777, 'INVALID_REQUEST'],
      [778, 'INVALID_REQUEST'],
    ])
    const badVersion = await new Promise<{error: {code: string}}>((resolve) => {
      client.socket.write(encodeFrame(ApiKey.Hello, 3, 999, {}))
      const iv = setInterval(() => {
        const f = client.frames.find((x) => x.correlationId === 999)
        if (f) {
          clearInterval(iv)
          resolve(f.body as {error: {code: string}})
        }
      }, 5)
    })
    expect(badVersion.error.code).toBe('INVALID_REQUEST')
    // JSON is bounded apart from record bytes: a 5 MiB body is refused before it is parsed
    const big = await client.request(ApiKey.DescribeTopics, {topics: ['x'], pad: 'x'.repeat(5 * 1024 * 1024)})
    expect(big.body.error.code).toBe('INVALID_REQUEST')
    expect(big.body.error.message).toMatch(/JSON of \d+ bytes exceeds/)
    client.close()
  })

  it('refuses every corrupt batch with CORRUPT_MESSAGE and appends nothing', async () => {
    for (const [what, batch] of corruptBatches()) {
      const r = await c.request(ApiKey.Produce, {topic: 'h', partition: 0, acks: 1, timeoutMs: 5000}, batch)
      expect(r.body.error?.code, what).toBe('CORRUPT_MESSAGE')
    }
    // a good batch followed by a bad one in the same request: all or nothing
    const mixed = Buffer.concat([lz4Batch(2), corruptBatches()[0]![1]])
    expect((await c.request(ApiKey.Produce, {topic: 'h', partition: 0, acks: 1, timeoutMs: 5000}, mixed)).body.error.code).toBe('CORRUPT_MESSAGE')
    const off = await c.request(ApiKey.ListOffsets, {partitions: [{topic: 'h', partition: 0, timestamp: -1}]})
    expect(off.body.partitions[0].offset).toBe(0)
    const good = await c.request(ApiKey.Produce, {topic: 'h', partition: 0, acks: 1, timeoutMs: 5000}, lz4Batch(3))
    expect(good.body.baseOffset).toBe(0)
    await stillServing()
  })

  it('1,000 half-open connections (silent, or stalled inside a size prefix) cost little, and everyone else is served', async () => {
    const before = rssKb(d.pid)
    const sockets: Socket[] = []
    // a Unix socket's listen backlog answers a burst beyond it with EAGAIN: try that one again, as the
    // client library does
    const open = (stall: boolean): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect({path: d.socket}, () => {
          if (stall) s.write(Buffer.from([0, 0])) // half of a size prefix, never the rest
          resolve(s)
        })
        s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EAGAIN' ? sleep(10).then(() => open(stall)).then(resolve, reject) : reject(err)))
      })
    for (let batch = 0; batch < 1000; batch += 50) {
      sockets.push(...(await Promise.all(Array.from({length: 50}, (_, j) => open((batch + j) % 2 === 1)))))
    }
    expect(sockets).toHaveLength(1000)
    await stillServing()
    // a real client's produce and fetch go through beside them
    const r = await c.request(ApiKey.Produce, {topic: 'h', partition: 0, acks: 1, timeoutMs: 5000}, lz4Batch(10, 'beside', 40))
    expect(r.body.error, JSON.stringify(r.body)).toBeUndefined()
    const during = rssKb(d.pid)
    expect(during - before, `RSS ${before} kB → ${during} kB with 1,000 idle connections`).toBeLessThan(64 * 1024)
    for (const s of sockets) s.destroy()
    await sleep(200)
    await stillServing()
  })

  it('keeps its memory flat under a stream of hostile input', async () => {
    const bad = corruptBatches().filter(([what]) => !what.startsWith('decompression'))
    const round = async (): Promise<void> => {
      const client = await TestClient.connect(d.socket)
      const pending = []
      for (let i = 0; i < 400; i++) {
        const batch = bad[i % bad.length]![1]
        pending.push(client.request(ApiKey.Produce, {topic: 'h', partition: 0, acks: 1, timeoutMs: 5000}, batch))
      }
      await Promise.all(pending)
      client.close()
      const huge = Buffer.alloc(4)
      huge.writeUInt32BE(0xfffffff0, 0)
      await Promise.all(Array.from({length: 20}, () => rawExchange(huge)))
    }
    await round() // warm up: JIT, pools, first allocations
    await sleep(200)
    const before = rssKb(d.pid)
    for (let i = 0; i < 5; i++) await round()
    await sleep(500)
    const after = rssKb(d.pid)
    expect(after - before, `RSS ${before} kB → ${after} kB`).toBeLessThan(64 * 1024)
    await stillServing()
  })

  it('stops reading a connection at its in-flight limit (64) and resumes as requests complete', async () => {
    const client = await TestClient.connect(d.socket)
    const hwm = (await c.request(ApiKey.ListOffsets, {partitions: [{topic: 'flood', partition: 0, timestamp: -1}]})).body.partitions[0].offset
    const parked = Array.from({length: 64}, () =>
      client.request(ApiKey.Fetch, {partitions: [{topic: 'flood', partition: 0, offset: hwm, maxBytes: 1000}], maxWaitMs: 30_000, minBytes: 1, maxBytes: 1000}),
    )
    const hello = client.request(ApiKey.Hello, {client: 'queued'})
    let answered = false
    void hello.then(() => (answered = true))
    await sleep(300)
    expect(answered).toBe(false) // the 65th request waits in the daemon's reader, not in a queue of its own
    await c.request(ApiKey.Produce, {topic: 'flood', partition: 0, acks: 1, timeoutMs: 5000}, lz4Batch(1))
    const results = await Promise.all(parked)
    expect(results.every((r) => r.body.partitions[0].bytes > 0)).toBe(true)
    expect((await hello).body.pid).toBe(d.pid)
    client.close()
  })

  it('answers everything a client sent before half-closing, beyond the in-flight limit', async () => {
    const frames = Buffer.concat(Array.from({length: 300}, (_, i) => encodeFrame(ApiKey.Hello, 0, i + 1, {client: 'burst'})))
    const got = await new Promise<Buffer>((resolve) => {
      const s = connect({path: d.socket})
      const chunks: Buffer[] = []
      s.on('data', (b) => chunks.push(b))
      s.on('end', () => resolve(Buffer.concat(chunks)))
      s.end(frames)
    })
    const ids: number[] = []
    for (let pos = 0; pos < got.length; pos += 4 + got.readUInt32BE(pos)) ids.push(got.readUInt32BE(pos + 8))
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({length: 300}, (_, i) => i + 1))
  })

  it('does not grow without bound for a consumer that stops reading big fetch responses', async () => {
    // ~32 MiB of incompressible data
    for (let i = 0; i < 64; i++) {
      const recs = Array.from({length: 64}, () => ({key: null, value: randomBytes(8000), timestamp: Date.now(), headers: []}))
      const r = await c.request(ApiKey.Produce, {topic: 'slow', partition: 0, acks: 1, timeoutMs: 5000}, encodeRecordBatch(recs))
      expect(r.body.error).toBeUndefined()
    }
    await sleep(200)
    const before = rssKb(d.pid)
    const reader = await TestClient.connect(d.socket)
    reader.socket.pause() // never reads
    for (let i = 0; i < 200; i++) {
      reader.send(ApiKey.Fetch, {partitions: [{topic: 'slow', partition: 0, offset: 0, maxBytes: 8 << 20}], maxWaitMs: 0, minBytes: 1, maxBytes: 8 << 20})
    }
    await sleep(1500)
    const during = rssKb(d.pid)
    // unbounded, 200 responses of 8 MiB would be 1.6 GB queued in the daemon
    expect(during - before, `RSS ${before} kB → ${during} kB`).toBeLessThan(128 * 1024)
    await stillServing()
    reader.close()
  })
})

describe('partial frames', () => {
  it('closes a connection whose partial frame stalls past the timeout', async () => {
    const dataDir = tempDir()
    const lines: string[] = []
    const daemon = await startDaemon({dataDir, workers: 1, log: (l) => lines.push(l), limits: {partialFrameTimeoutMs: 300}})
    try {
      const s = connect({path: daemon.paths.socket})
      const closed = new Promise<number>((resolve) => {
        const t0 = Date.now()
        s.on('close', () => resolve(Date.now() - t0))
      })
      s.on('error', () => {})
      const frame = encodeFrame(ApiKey.Hello, 0, 1, {client: 'slowloris'})
      s.write(frame.subarray(0, 10)) // and nothing more
      const ms = await closed
      expect(ms).toBeGreaterThanOrEqual(250)
      expect(ms).toBeLessThan(5000)
      expect(lines.join('\n')).toMatch(/a frame was not complete 300 ms after the daemon began reading it/)
      // a whole frame sent slowly, byte by byte, is fine
      const ok = await TestClient.connect(daemon.paths.socket)
      const whole = encodeFrame(ApiKey.Hello, 0, 1, {client: 'slow-but-alive'})
      const reply = new Promise((resolve) => ok.socket.once('data', resolve))
      for (let i = 0; i < whole.length; i += 8) {
        ok.writeRaw(whole.subarray(i, i + 8))
        await sleep(20)
      }
      await reply
      ok.close()
    } finally {
      await daemon.stop()
    }
  })
})

describe('frames that trickle in', () => {
  // 16 clients each claim a 6 MiB frame, send all of it but 4 KiB at once, then one byte every 500 ms:
  // a gap that never trips a timeout measured between chunks. The daemon (a real process, its limits
  // shortened for the test) must close every one of them, take in no more half-received frame bytes at
  // once than its budget (24 MiB: four such frames), and go on serving other clients, big frames too.
  it('closes trickling connections at their frame deadline, bounds what they pin together, and keeps serving', async () => {
    const FRAME_BYTES = 6 * 1024 * 1024
    const BUDGET_BYTES = 4 * FRAME_BYTES + 1024 * 1024
    const limits = {partialFrameTimeoutMs: 1500, maxPendingFrameBytes: BUDGET_BYTES}
    const daemon = await spawnDaemon(tempDir(), {
      main: join(ROOT, 'test', 'engine', 'fixtures', 'limited-daemon.mjs'),
      workers: 1,
      env: {SAMSA_TEST_LIMITS: JSON.stringify(limits)},
    })
    const client = await TestClient.connect(daemon.socket)
    await client.request(ApiKey.CreateTopic, {name: 'honest', partitions: 1, configs: {'max.message.bytes': String(8 << 20)}, ifNotExists: false})

    interface Attacker {
      socket: Socket
      flushed: boolean // every byte but the trickle was taken by the kernel, i.e. the daemon is reading it
      closed: boolean
      timer: NodeJS.Timeout | null
    }
    const frame = encodeFrame(ApiKey.Produce, 0, 1, {topic: 'honest', partition: 0, acks: 1, timeoutMs: 0}, Buffer.alloc(FRAME_BYTES - 128))
    const attackers: Attacker[] = await Promise.all(
      Array.from({length: 16}, () => new Promise<Attacker>((resolve) => {
        const socket = connect({path: daemon.socket})
        const a: Attacker = {socket, flushed: false, closed: false, timer: null}
        socket.on('error', () => {})
        socket.on('close', () => {
          a.closed = true
          if (a.timer) clearInterval(a.timer)
        })
        socket.once('connect', () => {
          socket.write(frame.subarray(0, frame.length - 4096), () => (a.flushed = true))
          let next = frame.length - 4096
          a.timer = setInterval(() => {
            if (next < frame.length - 1) socket.write(frame.subarray(next, ++next)) // never the last byte
          }, 500)
          resolve(a)
        })
      })),
    )
    let mostReadAtOnce = 0
    const sampler = setInterval(() => {
      mostReadAtOnce = Math.max(mostReadAtOnce, attackers.filter((a) => a.flushed && !a.closed).length)
    }, 20)
    try {
      // while they hold the budget: small requests are answered, a 3 MiB produce waits its turn and lands
      await sleep(300)
      const other = await TestClient.connect(daemon.socket)
      expect((await other.request(ApiKey.Hello, {client: 'bystander'})).body.pid).toBe(daemon.pid)
      const small = await other.request(ApiKey.Produce, {topic: 'honest', partition: 0, acks: 1, timeoutMs: 0}, lz4Batch(5))
      expect(small.body.error).toBeUndefined()
      const bigBatch = encodeRecordBatch(
        Array.from({length: 48}, () => ({key: null, value: randomBytes(64 * 1024), timestamp: Date.now(), headers: []})),
        {compression: Compression.None},
      )
      const big = await other.request(ApiKey.Produce, {topic: 'honest', partition: 0, acks: 1, timeoutMs: 0}, bigBatch, 60_000)
      expect(big.body.error, JSON.stringify(big.body)).toBeUndefined()
      expect(big.body.lastOffset).toBe(5 + 48 - 1)

      const deadline = Date.now() + 30_000
      while (attackers.some((a) => !a.closed) && Date.now() < deadline) await sleep(50)
      expect(attackers.filter((a) => !a.closed).length, 'trickling connections still open').toBe(0)
      // Four frames fit the budget (unbounded, all 16 are read at once); a few more may be counted while
      // the clients of closed ones have not noticed yet.
      expect(mostReadAtOnce, 'half-received frames the daemon was reading at once').toBeLessThanOrEqual(8)
      expect(daemon.output()).toMatch(/a frame was not complete 1500 ms after the daemon began reading it \(\d+ of \d+ bytes\)/)
      expect((await other.request(ApiKey.Hello, {client: 'after'})).body.pid).toBe(daemon.pid)
      other.close()
    } finally {
      clearInterval(sampler)
      for (const a of attackers) a.socket.destroy()
      client.close()
      await stopDaemon(daemon)
    }
  })
})
