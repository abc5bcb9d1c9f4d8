import {afterEach, describe, expect, it} from 'vitest'
import {Connection} from '../../../src/client/local/connection.js'
import {SamsaError} from '../../../src/errors.js'
import {ApiKey} from '../../../src/protocol/control/messages.js'
import {FakeDaemon, defaultHandler} from './fake-daemon.js'

let daemon: FakeDaemon | null = null
afterEach(async () => {
  await daemon?.dispose()
  daemon = null
})

describe('Connection', () => {
  it('pipelines requests and matches out-of-order responses by correlation id', async () => {
    // answer later requests sooner: response order is the reverse of request order
    daemon = new FakeDaemon((frame) => ({body: {n: (frame.body as {n: number}).n}, delayMs: 200 - (frame.body as {n: number}).n}))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    const replies = await Promise.all(Array.from({length: 100}, (_, n) => c.request<{n: number}>(ApiKey.Status, {n})))
    expect(replies.map((r) => r.body.n)).toEqual(Array.from({length: 100}, (_, n) => n))
    expect(new Set(daemon.received.map((f) => f.correlationId)).size).toBe(100)
    expect(c.inFlight).toBe(0)
    await c.close()
  })

  it('passes raw bytes through both ways untouched', async () => {
    daemon = new FakeDaemon((frame) => ({body: {}, raw: Buffer.concat([frame.raw, frame.raw])}))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    const raw = Buffer.from(Array.from({length: 70_000}, (_, i) => i & 0xff))
    const reply = await c.request(ApiKey.Produce, {topic: 't'}, raw)
    expect(daemon.received[0]!.raw.equals(raw)).toBe(true)
    expect(reply.raw.equals(Buffer.concat([raw, raw]))).toBe(true)
    await c.close()
  })

  it('turns an {error} response into a SamsaError with that code and exit code', async () => {
    daemon = new FakeDaemon(() => ({body: {error: {code: 'UNKNOWN_TOPIC', message: 'topic nope does not exist', retriable: false}}}))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    const err = await c.request(ApiKey.DescribeTopics, {topics: ['nope']}).catch((e) => e)
    expect(err).toBeInstanceOf(SamsaError)
    expect(err.code).toBe('UNKNOWN_TOPIC')
    expect(err.exitCode).toBe(4)
    expect(err.message).toBe('topic nope does not exist')
    await c.close()
  })

  it('maps an error code it does not know to INTERNAL', async () => {
    daemon = new FakeDaemon(() => ({body: {error: {code: 'NO_SUCH_CODE', message: 'odd', retriable: false}}}))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    const err = await c.request(ApiKey.Status, {}).catch((e) => e)
    expect(err.code).toBe('INTERNAL')
    await c.close()
  })

  it('rejects every in-flight request with DAEMON_UNAVAILABLE when the connection is lost, and stays closed', async () => {
    daemon = new FakeDaemon(() => null) // never answers
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    const pending = Array.from({length: 5}, () => c.request(ApiKey.Status, {}).catch((e) => e))
    await new Promise((r) => setTimeout(r, 50))
    daemon.dropClients()
    for (const err of await Promise.all(pending)) {
      expect(err).toBeInstanceOf(SamsaError)
      expect(err.code).toBe('DAEMON_UNAVAILABLE')
      expect(err.exitCode).toBe(3)
    }
    expect(c.isOpen).toBe(false)
    await expect(c.request(ApiKey.Status, {})).rejects.toMatchObject({code: 'DAEMON_UNAVAILABLE'})
  })

  it('send() (acks=0) writes without a pending entry; a later request still gets its own answer', async () => {
    daemon = new FakeDaemon((frame) => (frame.apiKey === ApiKey.Produce ? null : defaultHandler(frame, null as never)))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    await c.send(ApiKey.Produce, {topic: 't', partition: 0, acks: 0, timeoutMs: 1000}, Buffer.from('batch'))
    expect(c.inFlight).toBe(0)
    const reply = await c.request<{echo: unknown}>(ApiKey.Status, {x: 1})
    expect(reply.body.echo).toEqual({x: 1})
    expect(daemon.received[0]!.apiKey).toBe(ApiKey.Produce)
    expect(daemon.received[0]!.raw.toString()).toBe('batch')
    await c.close()
  })

  it('times a request out with TIMEOUT and ignores the late answer', async () => {
    daemon = new FakeDaemon(() => ({body: {late: true}, delayMs: 300}))
    await daemon.listen()
    const c = await Connection.open(daemon.socketPath)
    await expect(c.request(ApiKey.Status, {}, undefined, {timeoutMs: 50})).rejects.toMatchObject({code: 'TIMEOUT'})
    await new Promise((r) => setTimeout(r, 400))
    expect(c.isOpen).toBe(true)
    expect((await c.request<{late: boolean}>(ApiKey.Status, {})).body.late).toBe(true)
    await c.close()
  })

  it('fails a connect to a missing socket with ENOENT at once, and retries with backoff until it appears', async () => {
    daemon = new FakeDaemon()
    await expect(Connection.open(daemon.socketPath)).rejects.toMatchObject({code: 'ENOENT'})
    const started = Date.now()
    setTimeout(() => void daemon!.listen(), 300)
    const c = await Connection.openWithBackoff(daemon.socketPath, {initialMs: 20, maxMs: 100, totalMs: 3000})
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await c.close()
  })

  it('gives up retrying after totalMs', async () => {
    daemon = new FakeDaemon()
    const started = Date.now()
    await expect(Connection.openWithBackoff(daemon.socketPath, {initialMs: 20, maxMs: 50, totalMs: 200})).rejects.toMatchObject({
      code: 'ENOENT',
    })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
