import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {LocalClient, connect} from '../../../src/client/local/local-client.js'
import {SPAWN_LOCK_WAIT_MS, daemonArgs, isAlive} from '../../../src/client/local/autostart.js'
import {slicePartitions} from '../../../src/client/local/raw-api.js'
import {SamsaError} from '../../../src/errors.js'
import {ApiKey} from '../../../src/protocol/control/messages.js'
import {daemonPaths, lockNames} from '../../../src/protocol/control/data-dir-layout.js'
import {SocketLock} from '../../../src/protocol/control/socket-lock.js'
import {FakeDaemon, defaultHandler} from './fake-daemon.js'

const standIn = fileURLToPath(new URL('./fixtures/stand-in-daemon.mjs', import.meta.url))

let daemon: FakeDaemon | null = null
const clients: LocalClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
  await daemon?.dispose()
  daemon = null
})

async function fakeClient(handler = defaultHandler): Promise<{client: LocalClient; daemon: FakeDaemon}> {
  daemon = new FakeDaemon(handler)
  await daemon.listen()
  const client = await connect({dataDir: daemon.dir, socket: daemon.socketPath, autostart: false})
  clients.push(client)
  return {client, daemon}
}

describe('LocalClient against a stand-in socket', () => {
  it('says Hello first and keeps what the daemon answered', async () => {
    const {client, daemon} = await fakeClient()
    expect(daemon.received[0]!.apiKey).toBe(ApiKey.Hello)
    expect((daemon.received[0]!.body as {client: string}).client).toMatch(/^samsa-client\//)
    expect(client.daemon.pid).toBe(process.pid)
  })

  it('sends the contract bodies for admin calls', async () => {
    const {client, daemon} = await fakeClient((f) => {
      if (f.apiKey === ApiKey.Hello) return defaultHandler(f, null as never)
      if (f.apiKey === ApiKey.CreateTopic) return {body: {created: true, topic: {name: 't', partitions: [], configs: []}}}
      if (f.apiKey === ApiKey.ListTopics) return {body: {topics: [{name: 't', partitions: 2, compact: false, sizeInBytes: 0, messages: 0}]}}
      if (f.apiKey === ApiKey.AlterTopic) return {body: {topic: {name: 't', partitions: [], configs: []}}}
      if (f.apiKey === ApiKey.DeleteTopic) return {body: {deleted: true}}
      return {body: {}}
    })
    await client.admin.createTopic('t', {partitions: 2, configs: {'retention.ms': '1000'}})
    expect((await client.admin.listTopics())[0]!.partitions).toBe(2)
    await client.admin.alterTopic('t', {set: {'segment.bytes': '2048'}, delete: ['retention.ms'], partitions: 3})
    expect(await client.admin.deleteTopic('t', {ifExists: true})).toBe(true)
    const bodies = daemon.received.slice(1).map((f) => [f.apiKey, f.body])
    expect(bodies).toEqual([
      [ApiKey.CreateTopic, {name: 't', partitions: 2, configs: {'retention.ms': '1000'}, ifNotExists: false}],
      [ApiKey.ListTopics, {}],
      [ApiKey.AlterTopic, {name: 't', set: {'segment.bytes': '2048'}, delete: ['retention.ms'], partitions: 3}],
      [ApiKey.DeleteTopic, {name: 't', ifExists: true}],
    ])
  })

  it('refuses bad topic names and partition counts before sending anything', async () => {
    const {client, daemon} = await fakeClient()
    const bad = ['', '.', '..', 'a/b', '../x', 'a b', 'nul\0x', 'é', 'x'.repeat(250)]
    for (const name of bad) {
      const err = await client.admin.createTopic(name).catch((e) => e)
      expect(err, name).toBeInstanceOf(SamsaError)
      expect(err.code, name).toBe('INVALID_TOPIC')
      expect(err.exitCode).toBe(6)
      expect(err.message).not.toMatch(/\n/)
    }
    await expect(client.admin.createTopic('ok', {partitions: 0})).rejects.toMatchObject({code: 'INVALID_PARTITIONS'})
    await expect(client.admin.createTopic('ok', {partitions: 1.5})).rejects.toMatchObject({code: 'INVALID_PARTITIONS'})
    expect(daemon.received.length).toBe(1) // Hello only
  })

  it('produce with acks=0 expects no answer; acks=1 returns the offsets', async () => {
    const {client, daemon} = await fakeClient((f) => {
      if (f.apiKey === ApiKey.Hello) return defaultHandler(f, null as never)
      if ((f.body as {acks: number}).acks === 0) return null
      return {body: {baseOffset: 5, lastOffset: 9, logAppendTime: -1, logStartOffset: 0}}
    })
    expect(await client.records.produce('t', 0, Buffer.from('b0'), 0)).toBeNull()
    expect(await client.records.produce('t', 1, Buffer.from('b1'))).toEqual({baseOffset: 5, lastOffset: 9, logAppendTime: -1, logStartOffset: 0})
    expect(daemon.received[1]!.body).toMatchObject({topic: 't', partition: 0, acks: 0})
    expect(daemon.received[2]!.raw.toString()).toBe('b1')
  })

  it('fetch slices the raw section per partition in response order', async () => {
    const {client} = await fakeClient((f) => {
      if (f.apiKey === ApiKey.Hello) return defaultHandler(f, null as never)
      const p = (n: number, bytes: number) => ({topic: 't', partition: n, highWatermark: 10, logStartOffset: 0, bytes})
      return {body: {partitions: [p(0, 3), p(1, 0), p(2, 2)]}, raw: Buffer.from('aaabb')}
    })
    const r = await client.records.fetch({partitions: [], maxWaitMs: 0, minBytes: 1, maxBytes: 1000})
    expect(r.partitions.map((p) => p.records.toString())).toEqual(['aaa', '', 'bb'])
  })

  it('slicePartitions refuses byte counts that run past the raw section', () => {
    const body = {partitions: [{topic: 't', partition: 0, highWatermark: 0, logStartOffset: 0, bytes: 9}]}
    expect(() => slicePartitions(body, Buffer.alloc(3))).toThrow(/only 3 remain/)
  })

  it('after a lost connection, in-flight requests fail and the next request dials again', async () => {
    const {client, daemon} = await fakeClient((f) => (f.apiKey === ApiKey.Status && (f.body as {hang?: boolean}).hang ? null : defaultHandler(f, null as never)))
    const hanging = client.request(ApiKey.Status, {hang: true}).catch((e) => e)
    await new Promise((r) => setTimeout(r, 30))
    daemon.dropClients()
    expect(await hanging).toMatchObject({code: 'DAEMON_UNAVAILABLE'})
    const again = await client.request<{echo: unknown}>(ApiKey.Status, {n: 2})
    expect(again.body.echo).toEqual({n: 2})
    expect(daemon.received.filter((f) => f.apiKey === ApiKey.Hello).length).toBe(2)
  })

  it('a restarting daemon that drops the fresh connection before answering Hello is dialled again', async () => {
    let hellos = 0
    const {client, daemon} = await fakeClient((f, socket) => {
      // after the first Hello, the next one is dropped unanswered, as a daemon still starting might
      if (f.apiKey === ApiKey.Hello && ++hellos === 2) {
        socket.destroy()
        return null
      }
      return defaultHandler(f, socket)
    })
    daemon.dropClients()
    await new Promise((r) => setTimeout(r, 30)) // the client sees its connection close
    const again = await client.request<{echo: unknown}>(ApiKey.Status, {n: 3})
    expect(again.body.echo).toEqual({n: 3})
    expect(hellos).toBe(3)
  })

  it('with reconnectTimeoutMs, a request after a lost connection waits for the daemon to come back; told once', async () => {
    daemon = new FakeDaemon()
    await daemon.listen()
    const reconnected: number[] = []
    const client = await connect({dataDir: daemon.dir, socket: daemon.socketPath, autostart: false, reconnectTimeoutMs: 10_000, onReconnected: (i) => reconnected.push(i.downMs)})
    clients.push(client)
    await daemon.stop() // gone: its socket too
    await new Promise((r) => setTimeout(r, 30))
    const waiting = client.request<{echo: unknown}>(ApiKey.Status, {n: 1})
    const also = client.request<{echo: unknown}>(ApiKey.Status, {n: 2})
    await new Promise((r) => setTimeout(r, 400))
    await daemon.listen()
    expect((await waiting).body.echo).toEqual({n: 1})
    expect((await also).body.echo).toEqual({n: 2})
    expect(reconnected).toHaveLength(1) // one outage, one call, however many requests waited
    expect(reconnected[0]).toBeGreaterThanOrEqual(400)
  })

  it('with reconnectTimeoutMs and no daemon coming back: DAEMON_UNAVAILABLE after that long, one line', async () => {
    daemon = new FakeDaemon()
    await daemon.listen()
    const client = await connect({dataDir: daemon.dir, socket: daemon.socketPath, autostart: false, reconnectTimeoutMs: 300})
    clients.push(client)
    await daemon.stop()
    await new Promise((r) => setTimeout(r, 30))
    const started = Date.now()
    const err = await client.request(ApiKey.Status, {}).catch((e) => e)
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(err).toMatchObject({code: 'DAEMON_UNAVAILABLE', exitCode: 3, retriable: false}) // the wait is over: nobody retries it
    expect(err.message).toBe(`the samsa daemon for ${daemon.dir} did not come back within 300 ms of the connection being lost (--reconnect-timeout): no daemon is running`)
  })

  it('without auto-start and no daemon: DAEMON_UNAVAILABLE naming the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-none-'))
    try {
      const err = await connect({dataDir: dir, autostart: false}).catch((e) => e)
      expect(err).toBeInstanceOf(SamsaError)
      expect(err.code).toBe('DAEMON_UNAVAILABLE')
      expect(err.message).toBe(`no samsa daemon is running for ${dir} (start one with: samsa daemon start)`)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('the daemon command line', () => {
  it('names a relative --socket or $SAMSA_SOCKET absolutely: the daemon runs in /, not where the command was typed', () => {
    const paths = daemonPaths('/d', 'x.sock', {})
    expect(daemonArgs(paths, {socketOverride: 'x.sock', entry: 'main.js', env: {}})).toEqual(['main.js', '--data-dir', '/d', '--socket', resolve('x.sock')])
    expect(daemonArgs(paths, {entry: 'main.js', env: {SAMSA_SOCKET: 'y.sock'}})).toEqual(['main.js', '--data-dir', '/d', '--socket', resolve('y.sock')])
    expect(daemonArgs(daemonPaths('/d', undefined, {}), {entry: 'main.js', env: {}})).toEqual(['main.js', '--data-dir', '/d'])
  })
})

describe('auto-start (with a stand-in daemon entry)', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) {
      try {
        const pid = Number(readFileSync(join(d, 'run', 'daemon.pid'), 'utf8'))
        if (isAlive(pid)) process.kill(pid, 'SIGKILL')
      } catch {}
      rmSync(d, {recursive: true, force: true})
    }
  })
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'samsa-auto-'))
    dirs.push(d)
    return d
  }

  it('starts one daemon for ten concurrent first connects, and announces it once', async () => {
    const dataDir = tempDir()
    const started: number[] = []
    const env = {...process.env, STAND_IN_START_DELAY_MS: '300'}
    const all = await Promise.all(
      Array.from({length: 10}, () =>
        connect({dataDir, daemonEntry: standIn, env, onDaemonStarted: (i) => started.push(i.pid)}),
      ),
    )
    clients.push(...all)
    const pids = new Set(all.map((c) => c.daemon.pid))
    expect(pids.size).toBe(1)
    expect(started).toEqual([...pids])
    expect(isAlive([...pids][0]!)).toBe(true)
  })

  it('a spawn.lock file holding a live pid that starts nothing (an older samsa, a reused pid) is not waited for', async () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'run'), {recursive: true, mode: 0o700})
    const sleeper = spawn('sleep', ['60'], {stdio: 'ignore'})
    try {
      writeFileSync(join(dataDir, 'run', 'spawn.lock'), `${sleeper.pid}\n`)
      const started: number[] = []
      const client = await connect({dataDir, daemonEntry: standIn, onDaemonStarted: (i) => started.push(i.pid)})
      clients.push(client)
      expect(started).toEqual([client.daemon.pid])
      expect(isAlive(client.daemon.pid)).toBe(true)
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it('a starter that holds the spawn lock and never finishes holds the others up only briefly', async () => {
    const dataDir = tempDir()
    const held = await SocketLock.tryAcquire(lockNames(dataDir).spawn) // this process: alive, answering, never spawning
    try {
      expect(held).not.toBeNull()
      const started: number[] = []
      // well within the start timeout, so that only a wait bounded by the spawn lock's own passes
      const client = await connect({dataDir, daemonEntry: standIn, startTimeoutMs: SPAWN_LOCK_WAIT_MS * 3, onDaemonStarted: (i) => started.push(i.pid)})
      clients.push(client)
      expect(started).toEqual([client.daemon.pid])
    } finally {
      await held?.release()
    }
  })

  it('fails with the last line of daemon.log when the daemon cannot start', async () => {
    const dataDir = tempDir()
    const env = {...process.env, STAND_IN_FAIL: 'cannot open segment: EIO'}
    const err = await connect({dataDir, daemonEntry: standIn, env, onDaemonStarted: () => {}}).catch((e) => e)
    expect(err).toBeInstanceOf(SamsaError)
    expect(err.code).toBe('STORAGE_ERROR')
    expect(err.message).toContain('cannot open segment: EIO')
    expect(err.message).toContain('exit 7')
  })

  it('a long-lived client survives kill -9 of its daemon: the next request starts a new one', async () => {
    const dataDir = tempDir()
    const client = await connect({dataDir, daemonEntry: standIn, onDaemonStarted: () => {}})
    clients.push(client)
    const first = client.daemon.pid
    process.kill(first, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 100))
    const status = await client.request<{pid: number}>(ApiKey.Status, {})
    expect(status.body.pid).not.toBe(first)
    expect(isAlive(status.body.pid)).toBe(true)
  })
})
