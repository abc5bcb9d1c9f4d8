// One suite, two backends: the same `samsa` commands against the local daemon (its Unix socket) and
// against a Kafka cluster (`--brokers` / SAMSA_BROKERS: samsa's own Kafka listener, run by a daemon on
// ANOTHER data directory), each asserted against the same expected output, so the backends cannot drift
// apart. On the Kafka side the local path is made impossible: SAMSA_NO_AUTOSTART=1 and an empty data
// directory — a command that went local would fail with exit 3.
// Where the backends differ by nature the test says so: size on disk, segments and worker thread are
// the local daemon's facts (the Kafka backend reports 0, 0 and the leader broker), and a group made by
// the Kafka backend's members is a classic one.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {partitionForKey} from '../../src/format/murmur2.js'
import {cleanup, lines, requireBuild, samsa, spawnDaemon, start, stopDaemon, tempDir, waitFor, type DaemonProcess, type RunOptions} from '../support/index.js'

afterAll(cleanup)

type Backend = 'local' | 'kafka'

describe.each<Backend>(['local', 'kafka'])('the %s backend', (backend) => {
  let daemon: DaemonProcess
  let dir: string // the data directory the commands name
  let env: NodeJS.ProcessEnv
  const cli = (args: string[], options: RunOptions = {}) => samsa(dir, args, {...options, env: {...env, ...options.env}})
  const json = async (args: string[]) => {
    const r = await cli([...args, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout)
  }

  beforeAll(async () => {
    requireBuild()
    daemon = await spawnDaemon(tempDir(), {kafka: backend === 'kafka'})
    if (backend === 'local') {
      dir = daemon.dataDir
      env = {}
    } else {
      dir = tempDir() // empty: no daemon, and none may be started
      env = {SAMSA_BROKERS: `127.0.0.1:${daemon.kafkaPort()}`, SAMSA_NO_AUTOSTART: '1'}
    }
  })
  afterAll(async () => {
    if (daemon) await stopDaemon(daemon)
  })

  it('topic create, list, describe and delete: the same lines, codes and facts', async () => {
    const created = await cli(['topic', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=3600000'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe('created topic orders (3 partitions)\n')
    const again = await cli(['topic', 'create', 'orders'])
    expect([again.code, again.stderr]).toEqual([5, 'samsa: topic orders already exists\n'])
    expect((await cli(['topic', 'create', 'orders', '--if-not-exists'])).stdout).toBe('topic orders already exists (3 partitions); nothing changed\n')
    expect((await cli(['topic', 'create', 'users', '--compact'])).code).toBe(0)

    const listed = await json(['topic', 'list'])
    const mine = listed.topics.filter((t: {name: string}) => ['orders', 'users'].includes(t.name))
    expect(mine.map(({name, partitions, compact, messages}: Record<string, unknown>) => ({name, partitions, compact, messages}))).toEqual([
      {name: 'orders', partitions: 3, compact: false, messages: 0},
      {name: 'users', partitions: 1, compact: true, messages: 0},
    ])
    const d = await json(['topic', 'describe', 'orders'])
    expect(d.partitions.map(({partition, logStartOffset, logEndOffset, online}: Record<string, unknown>) => ({partition, logStartOffset, logEndOffset, online}))).toEqual(
      [0, 1, 2].map((partition) => ({partition, logStartOffset: 0, logEndOffset: 0, online: true})),
    )
    expect(d.configs.find((c: {name: string}) => c.name === 'retention.ms')).toEqual({name: 'retention.ms', value: '3600000', isDefault: false})
    expect(d.configs.find((c: {name: string}) => c.name === 'cleanup.policy')).toEqual({name: 'cleanup.policy', value: 'delete', isDefault: true})
    const human = await cli(['topic', 'describe', 'orders'])
    expect(lines(human.stdout)[0]).toBe('topic orders')
    expect(human.stdout).toMatch(/│ retention\.ms\s+│ 3600000 \(1h 00m\)\s+│ topic\s+│/)

    const missing = await cli(['topic', 'describe', 'nope'])
    expect([missing.code, missing.stderr]).toEqual([4, 'samsa: topic nope does not exist\n'])
    expect((await cli(['topic', 'delete', 'users'])).code).toBe(0)
    const gone = await cli(['topic', 'delete', 'users'])
    expect([gone.code, gone.stderr]).toEqual([4, 'samsa: topic users does not exist\n'])
    expect((await cli(['topic', 'delete', 'users', '--if-exists'])).code).toBe(0)
    expect((await json(['topic', 'list'])).topics.map((t: {name: string}) => t.name)).not.toContain('users')
  })

  it("produce with keys: each key lands on Kafka's murmur2 partition, and consume prints it back", async () => {
    expect((await cli(['topic', 'create', 'keyed', '--partitions', '4'])).code).toBe(0)
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']
    const input = keys.flatMap((k, i) => [`${k}:v${i}a`, `${k}:v${i}b`]).join('\n') + '\n'
    const produced = await cli(['produce', 'keyed', '--key-delimiter', ':'], {input})
    expect(produced.code, produced.stderr).toBe(0)
    const out = await cli(['consume', 'keyed', '--format', '%p %k %s\n'])
    expect(out.code, out.stderr).toBe(0)
    const expected = keys.flatMap((k, i) => [`${partitionForKey(Buffer.from(k), 4)} ${k} v${i}a`, `${partitionForKey(Buffer.from(k), 4)} ${k} v${i}b`])
    expect(lines(out.stdout).sort()).toEqual(expected.sort())
    // per partition, in the order produced
    for (const p of [0, 1, 2, 3]) {
      const part = await cli(['consume', 'keyed', '--partition', String(p), '--format', '%o %s\n'])
      expect(lines(part.stdout)).toEqual(expected.filter((l) => l.startsWith(`${p} `)).map((l, o) => `${o} ${l.split(' ')[2]}`))
    }
  })

  it('consume --from, --until, --count, --jsonl and --follow', async () => {
    expect((await cli(['topic', 'create', 'events'])).code).toBe(0)
    const input = Array.from({length: 10}, (_, i) => `e${i}`).join('\n') + '\n'
    expect((await cli(['produce', 'events', '--key', 'k', '--header', 'src=test'], {input})).code).toBe(0)
    expect(lines((await cli(['consume', 'events', '--from', '-3'])).stdout)).toEqual(['e7', 'e8', 'e9'])
    expect(lines((await cli(['consume', 'events', '--from', '2', '--until', '5'])).stdout)).toEqual(['e2', 'e3', 'e4'])
    expect(lines((await cli(['consume', 'events', '--from', 'end'])).stdout)).toEqual([])
    expect(lines((await cli(['consume', 'events', '--count', '2', '--format', '%t/%p/%o %k=%s\n'])).stdout)).toEqual(['events/0/0 k=e0', 'events/0/1 k=e1'])
    const env1 = JSON.parse(lines((await cli(['consume', 'events', '--from', '9', '--jsonl'])).stdout)[0]!)
    expect({...env1, timestamp: typeof env1.timestamp}).toEqual({
      topic: 'events',
      partition: 0,
      offset: 9,
      timestamp: 'number',
      key: 'k',
      value: 'e9',
      headers: [{key: 'src', value: 'test'}],
    })
    // --follow --count: waits for records produced after it started
    const follower = start(dir, ['consume', 'events', '--from', 'end', '--follow', '--count', '2'], {env})
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect((await cli(['produce', 'events'], {input: 'late1\nlate2\nlate3\n'})).code).toBe(0)
    expect(await follower.exited).toBe(0)
    expect(lines(follower.stdout())).toEqual(['late1', 'late2'])
  })

  it('consume --group commits what it printed; the next run goes on from there; describe shows the lag; wait', async () => {
    expect((await cli(['topic', 'create', 'jobs', '--partitions', '2'])).code).toBe(0)
    expect((await cli(['produce', 'jobs', '--key-delimiter', ':'], {input: 'a:1\nb:2\nc:3\nd:4\n'})).code).toBe(0)
    const first = await cli(['consume', 'jobs', '--group', 'workers'])
    expect(first.code, first.stderr).toBe(0)
    expect(lines(first.stdout).sort()).toEqual(['1', '2', '3', '4'])
    expect(lines((await cli(['consume', 'jobs', '--group', 'workers'])).stdout)).toEqual([])
    expect((await cli(['produce', 'jobs', '--key-delimiter', ':'], {input: 'a:5\nb:6\n'})).code).toBe(0)
    const behind = await json(['group', 'describe', 'workers'])
    expect(behind.totalLag).toBe(2)
    expect(behind.partitions.map(({topic, partition, lag}: Record<string, unknown>) => ({topic, partition, lag}))).toEqual(
      [0, 1].map((partition) => ({topic: 'jobs', partition, lag: behind.partitions[partition].logEndOffset - behind.partitions[partition].currentOffset})),
    )
    expect((await cli(['wait', '--group', 'workers', '--caught-up', '--timeout', '1s'])).code).toBe(1)
    expect(lines((await cli(['consume', 'jobs', '--group', 'workers'])).stdout).sort()).toEqual(['5', '6'])
    const done = await json(['group', 'describe', 'workers'])
    expect([done.state, done.totalLag, done.members]).toEqual(['Empty', 0, []])
    expect((await cli(['wait', '--group', 'workers', '--caught-up', '--timeout', '10s'])).code).toBe(0)
    expect((await json(['group', 'list'])).groups.map((g: {group: string}) => g.group)).toContain('workers')
    const unknown = await cli(['group', 'describe', 'nobody'])
    expect(unknown.code).toBe(4)
  })

  // On the Kafka backend this is the classic protocol's eager rebalance: the first member gives back both
  // partitions before the second generation forms (a quick second join once left it reading a partition
  // the coordinator had given to the other — client/kafka/classic-member.ts).
  it('two members of a group share the partitions and hand them over when one leaves', async () => {
    expect((await cli(['topic', 'create', 'shared', '--partitions', '2'])).code).toBe(0)
    const a = start(dir, ['consume', 'shared', '--group', 'pair', '--follow', '--format', '%p %s\n', '--commit-interval', '0'], {env})
    const members = async (): Promise<{assignment: unknown[]}[]> => {
      const r = await cli(['group', 'describe', 'pair', '--json'])
      return r.code === 0 ? JSON.parse(r.stdout).members : [] // exit 4 until the first member joined
    }
    await waitFor(async () => (await members()).length === 1, 30_000, 'the first member')
    const b = start(dir, ['consume', 'shared', '--group', 'pair', '--follow', '--format', '%p %s\n', '--commit-interval', '0'], {env})
    await waitFor(
      async () => {
        const m = await members()
        return m.length === 2 && m.every((x) => x.assignment.length === 1)
      },
      30_000,
      'both members, one partition each',
    )
    // a key per partition
    const keyFor = (p: number) => ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].find((k) => partitionForKey(Buffer.from(k), 2) === p)!
    expect((await cli(['produce', 'shared', '--key-delimiter', ':'], {input: `${keyFor(0)}:x0\n${keyFor(1)}:x1\n`})).code).toBe(0)
    await waitFor(() => lines(a.stdout()).length + lines(b.stdout()).length === 2, 60_000, 'each record printed once').catch((err: Error) => {
      throw new Error(`${err.message}; member a: ${JSON.stringify(a.output())}; member b: ${JSON.stringify(b.output())}`)
    })
    expect([lines(a.stdout()), lines(b.stdout())].map((l) => l.length)).toEqual([1, 1])
    b.child.kill('SIGTERM') // commits, leaves, exits 130 (interrupted)
    expect(await b.exited).toBe(130)
    expect((await cli(['produce', 'shared', '--key-delimiter', ':'], {input: `${keyFor(0)}:y0\n${keyFor(1)}:y1\n`})).code).toBe(0)
    await waitFor(() => lines(a.stdout()).length === 3, 60_000, 'the remaining member reads both partitions')
    expect(lines(a.stdout()).slice(1).sort()).toEqual(['0 y0', '1 y1'])
    const all = [...lines(a.stdout()), ...lines(b.stdout())].map((l) => l.split(' ')[1]).sort()
    expect(all).toEqual(['x0', 'x1', 'y0', 'y1'])
    a.child.kill('SIGTERM')
    expect(await a.exited).toBe(130)
  }, 180_000)
})

describe('what the Kafka backend does not do: one line, exit 6', () => {
  it('topic alter, group delete, and a broker that does not answer (exit 3)', async () => {
    const d = await spawnDaemon(tempDir(), {kafka: true})
    try {
      const env = {SAMSA_BROKERS: `127.0.0.1:${d.kafkaPort()}`, SAMSA_NO_AUTOSTART: '1'}
      const dir = tempDir()
      expect((await samsa(dir, ['topic', 'create', 'fixed'], {env})).code).toBe(0)
      const alter = await samsa(dir, ['topic', 'alter', 'fixed', '--partitions', '2'], {env})
      expect([alter.code, alter.stderr]).toEqual([6, 'samsa: topic alter is not supported by the Kafka backend (--brokers)\n'])
      const del = await samsa(dir, ['group', 'delete', 'g'], {env})
      expect([del.code, del.stderr]).toEqual([6, 'samsa: group delete is not supported by the Kafka backend (--brokers)\n'])
      const nobody = await samsa(dir, ['topic', 'list', '--brokers', '127.0.0.1:1'], {env})
      expect(nobody.code).toBe(3)
      expect(lines(nobody.stderr)).toEqual([expect.stringMatching(/^samsa: cannot connect to Kafka broker 127\.0\.0\.1:1: .*ECONNREFUSED/)])
      const bad = await samsa(dir, ['topic', 'list', '--brokers', 'a:b:c'], {env})
      expect([bad.code, bad.stderr]).toEqual([2, 'samsa: --brokers: "a:b:c" is not HOST[:PORT]\n'])
    } finally {
      await stopDaemon(d)
    }
  })
})
