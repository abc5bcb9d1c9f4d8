// The daemon's Kafka listener as a user sets it up, through the built CLI: `samsa daemon start
// --kafka-listener HOST:PORT | --no-kafka-listener`, $SAMSA_KAFKA_LISTENER, <data-dir>/daemon.json, the
// advertised address, and a port that is taken — the daemon (auto-started or not) still runs, says why
// in one line, and every command works. Ports are always free ones (127.0.0.1:0 or one held by the test),
// never 9092: tests run in parallel.
import {execFile} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, describe, expect, it} from 'vitest'
import {cleanup, daemonPids, lines, samsa, start, stopDaemonIn, tempDir, waitFor} from '../support/index.js'
import {KafkaTestClient} from '../engine/kafka/helpers.js'

const run = promisify(execFile)
afterAll(cleanup)

// A port some other program holds for the test's duration.
async function takenPort(): Promise<{port: number; server: Server}> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as {port: number}).port, server}
}

async function status(dir: string): Promise<{kafka: {listener: string | null; advertised: string | null; problem: string | null; saslUsers: number | null}}> {
  const r = await samsa(dir, ['daemon', 'status', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

const portOf = (address: string): number => Number(/:(\d+)$/.exec(address)![1])

describe('samsa daemon start --kafka-listener', () => {
  it('listens where asked (port 0: a free one), reports it in start and status, and kcat talks to it', async () => {
    const dir = tempDir()
    try {
      const r = await samsa(dir, ['daemon', 'start', '--kafka-listener', '127.0.0.1:0'])
      expect(r.code, r.stderr).toBe(0)
      const m = /^Kafka listener on (127\.0\.0\.1:(\d+))$/.exec(lines(r.stdout)[1]!)
      expect(m, r.stdout).not.toBeNull()
      const s = await status(dir)
      expect(s.kafka).toEqual({listener: m![1], advertised: m![1], problem: null, saslUsers: null})
      const table = await samsa(dir, ['daemon', 'status'])
      expect(table.stdout).toMatch(new RegExp(`kafka listener\\s+│\\s+127\\.0\\.0\\.1:${m![2]}\\s`))
      const {stdout} = await run('kcat', ['-b', m![1]!, '-L'], {timeout: 30_000})
      expect(stdout).toContain(`broker 1 at 127.0.0.1:${m![2]} (controller)`)
      // already running: says where it listens
      const again = await samsa(dir, ['daemon', 'start'])
      expect(lines(again.stdout)[1]).toBe(`Kafka listener on ${m![1]}`)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('--no-kafka-listener: no listener, status says off', async () => {
    const dir = tempDir()
    try {
      const r = await samsa(dir, ['daemon', 'start', '--no-kafka-listener'], {env: {SAMSA_KAFKA_LISTENER: '127.0.0.1:0'}})
      expect(lines(r.stdout)[1]).toBe('Kafka listener off')
      expect((await status(dir)).kafka).toEqual({listener: null, advertised: null, problem: null, saslUsers: null})
      expect((await samsa(dir, ['daemon', 'status'])).stdout).toMatch(/kafka listener\s+│\s+off\s/)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('a bad address is a usage error (exit 2, one line) and starts nothing', async () => {
    const dir = tempDir()
    const r = await samsa(dir, ['daemon', 'start', '--kafka-listener', 'localhost'])
    expect(r.code).toBe(2)
    expect(lines(r.stderr)).toEqual(['samsa: --kafka-listener must be HOST:PORT (e.g. 127.0.0.1:9092, [::1]:9092, :9092), got "localhost"'])
    const both = await samsa(dir, ['daemon', 'start', '--kafka-listener', '127.0.0.1:0', '--no-kafka-listener'])
    expect(both.code).toBe(2)
    expect(daemonPids(dir)).toEqual([])
  })

  it('daemon start --foreground takes the flags too', async () => {
    const dir = tempDir()
    const fg = start(null, ['daemon', 'start', '--foreground', '--data-dir', dir, '--workers', '1', '--kafka-listener', '127.0.0.1:0', '--kafka-advertised-listener', 'broker.example:9999'])
    try {
      await waitFor(() => / ready: /.test(fg.output()), 20_000, 'the foreground daemon')
      expect(fg.stderr()).toMatch(/Kafka listener on 127\.0\.0\.1:\d+ \(advertised as broker\.example:9999\)/)
    } finally {
      fg.child.kill('SIGTERM')
      expect(await fg.exited).toBe(0)
    }
  })
})

describe('the Kafka listener of an auto-started daemon', () => {
  it('comes from daemon.json in the data directory, advertised address included', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({kafkaListener: '127.0.0.1:0', kafkaAdvertisedListener: 'kafka.example:19092'}))
    try {
      // SAMSA_KAFKA_LISTENER empty: unset (the sandbox otherwise turns the listener off)
      const r = await samsa(dir, ['topic', 'create', 'cfg'], {env: {SAMSA_KAFKA_LISTENER: ''}})
      expect(r.code, r.stderr).toBe(0)
      const {kafka} = await status(dir)
      expect(kafka).toMatchObject({advertised: 'kafka.example:19092', problem: null})
      const client = await KafkaTestClient.connect(portOf(kafka.listener!))
      const meta = await client.request('Metadata', {topics: [{name: 'cfg'}], allowAutoTopicCreation: false})
      expect(meta.brokers).toEqual([{nodeId: 1, host: 'kafka.example', port: 19092, rack: null}])
      expect((await client.request('FindCoordinator', {key: 'g', keyType: 0})).host).toBe('kafka.example')
      client.close()
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('from $SAMSA_KAFKA_LISTENER, over daemon.json', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({kafkaListener: 'off'}))
    try {
      expect((await samsa(dir, ['topic', 'list'], {env: {SAMSA_KAFKA_LISTENER: '127.0.0.1:0'}})).code).toBe(0)
      expect((await status(dir)).kafka.listener).toMatch(/^127\.0\.0\.1:\d+$/)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('on a port that is taken: the daemon starts anyway, logs one line, every command works, start and status say why', async () => {
    const {port, server} = await takenPort()
    const dir = tempDir()
    const env = {SAMSA_KAFKA_LISTENER: `127.0.0.1:${port}`}
    try {
      const create = await samsa(dir, ['topic', 'create', 'busy'], {env})
      expect(create.code, create.stderr).toBe(0)
      expect(lines(create.stderr)).toEqual([expect.stringMatching(/^samsa: started daemon for /)])
      expect((await samsa(dir, ['produce', 'busy'], {env, input: 'a\nb\n'})).code).toBe(0)
      expect(lines((await samsa(dir, ['consume', 'busy'], {env})).stdout)).toEqual(['a', 'b'])
      const problem = `cannot listen for Kafka clients on 127.0.0.1:${port}: the address is in use`
      const log = readFileSync(join(dir, 'daemon.log'), 'utf8')
      expect(log.split('\n').filter((l) => l.includes('Kafka'))).toEqual([
        expect.stringMatching(new RegExp(`${problem.replace(/\./g, '\\.')}; running without the Kafka listener \\(choose another address with --kafka-listener HOST:PORT, or turn it off with --no-kafka-listener\\)$`)),
      ])
      expect((await status(dir)).kafka).toEqual({listener: null, advertised: null, problem, saslUsers: null})
      expect((await samsa(dir, ['daemon', 'status'])).stdout).toContain(`kafka listener │ none: ${problem}`)
      const again = await samsa(dir, ['daemon', 'start'], {env})
      expect(again.code).toBe(0)
      expect(lines(again.stdout)[1]).toBe('no Kafka listener')
      expect(lines(again.stderr)).toEqual([`samsa: warning: ${problem}; the daemon runs without the Kafka listener`])
    } finally {
      await stopDaemonIn(dir)
      server.close()
    }
  })

  it('a daemon.json it cannot use fails the start with one line naming the file', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'daemon.json'), '{"kafkaListener": "127.0.0.1:9092", "typo": 1}')
    try {
      const r = await samsa(dir, ['topic', 'list'], {env: {SAMSA_KAFKA_LISTENER: ''}})
      expect(r.code).toBe(3)
      expect(lines(r.stderr)).toEqual([expect.stringContaining(`${join(dir, 'daemon.json')}: unknown setting "typo"`)])
      const fg = await samsa(dir, ['daemon', 'start', '--foreground'], {env: {SAMSA_KAFKA_LISTENER: ''}})
      expect(fg.code).toBe(2)
      expect(lines(fg.stderr)).toEqual([`samsa: ${join(dir, 'daemon.json')}: unknown setting "typo" (known: kafkaListener, kafkaAdvertisedListener, kafkaSaslUsers)`])
    } finally {
      await stopDaemonIn(dir)
    }
  })
})
