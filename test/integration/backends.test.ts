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

  it('group reset and group delete: the same plan, the same offsets, the same refusals', async () => {
    expect((await cli(['topic', 'create', 'ledger', '--partitions', '2'])).code).toBe(0)
    expect((await cli(['produce', 'ledger', '--key-delimiter', ':'], {input: 'a:1\nb:2\nc:3\nd:4\n'})).code).toBe(0)
    expect(lines((await cli(['consume', 'ledger', '--group', 'accounts'])).stdout)).toHaveLength(4)
    const ends = (await json(['topic', 'describe', 'ledger'])).partitions.map((p: {logEndOffset: number}) => p.logEndOffset)
    const offsets = async () => (await json(['group', 'describe', 'accounts'])).partitions.map((p: {currentOffset: number}) => p.currentOffset)
    expect(await offsets()).toEqual(ends)

    const plan = await cli(['group', 'reset', 'accounts', '--topic', 'ledger', '--to-earliest'])
    expect(plan.code, plan.stderr).toBe(0)
    expect(await offsets()).toEqual(ends) // a dry run changes nothing
    const reset = await cli(['group', 'reset', 'accounts', '--topic', 'ledger', '--to-earliest', '--execute'])
    expect(reset.code, reset.stderr).toBe(0)
    expect(await offsets()).toEqual([0, 0])
    expect(lines((await cli(['consume', 'ledger', '--group', 'accounts'])).stdout).sort()).toEqual(['1', '2', '3', '4'])
    expect((await cli(['group', 'reset', 'accounts', '--topic', 'ledger:0', '--shift-by', '-1', '--execute'])).code).toBe(0)
    expect(await offsets()).toEqual([Math.max(0, ends[0] - 1), ends[1]])

    // a group with a member is not deleted
    const member = start(dir, ['consume', 'ledger', '--group', 'busy', '--follow'], {env})
    await waitFor(async () => {
      const r = await cli(['group', 'describe', 'busy', '--json'])
      return r.code === 0 && JSON.parse(r.stdout).members.length === 1
    }, 30_000, 'the member of busy')
    const busy = await cli(['group', 'delete', 'busy'])
    expect([busy.code, busy.stderr]).toEqual([1, 'samsa: group busy has 1 active member(s): stop them before deleting it\n'])
    member.child.kill('SIGTERM')
    expect(await member.exited).toBe(130)

    const deleted = await cli(['group', 'delete', 'accounts'])
    expect([deleted.code, deleted.stdout, deleted.stderr]).toEqual([0, 'deleted group accounts\n', ''])
    expect((await cli(['group', 'describe', 'accounts'])).code).toBe(4)
    const again = await cli(['group', 'delete', 'accounts'])
    expect([again.code, again.stderr]).toEqual([4, 'samsa: group accounts does not exist (no members and no committed offsets)\n'])
    // forgotten: a new member starts from the beginning again
    expect(lines((await cli(['consume', 'ledger', '--group', 'accounts'])).stdout)).toHaveLength(4)
  }, 120_000)

  it('topic alter: configs set and back to their default, partitions added but never removed', async () => {
    expect((await cli(['topic', 'create', 'tuned'])).code).toBe(0)
    const config = async (name: string) => (await json(['topic', 'describe', 'tuned'])).configs.find((c: {name: string}) => c.name === name)
    const set = await cli(['topic', 'alter', 'tuned', '--config', 'retention.ms=60000', '--config', 'segment.bytes=1048576'])
    expect([set.code, set.stdout, set.stderr]).toEqual([0, 'altered topic tuned: retention.ms=60000, segment.bytes=1048576\n', ''])
    expect(await config('retention.ms')).toEqual({name: 'retention.ms', value: '60000', isDefault: false})
    const back = await cli(['topic', 'alter', 'tuned', '--delete-config', 'retention.ms'])
    expect([back.code, back.stdout]).toEqual([0, 'altered topic tuned: retention.ms back to default\n'])
    expect(await config('retention.ms')).toEqual({name: 'retention.ms', value: '604800000', isDefault: true})
    expect(await config('segment.bytes')).toEqual({name: 'segment.bytes', value: '1048576', isDefault: false})

    const grown = await cli(['topic', 'alter', 'tuned', '--partitions', '3'])
    expect([grown.code, grown.stdout, grown.stderr]).toEqual([0, 'altered topic tuned: 1 → 3 partitions\n', ''])
    expect((await json(['topic', 'describe', 'tuned'])).partitions.map((p: {partition: number}) => p.partition)).toEqual([0, 1, 2])
    expect((await cli(['topic', 'alter', 'tuned', '--partitions', '3'])).stdout).toBe('topic tuned unchanged: it already has 3 partitions\n')
    const shrink = await cli(['topic', 'alter', 'tuned', '--partitions', '2'])
    expect([shrink.code, shrink.stderr]).toEqual([6, 'samsa: topic tuned has 3 partitions; partitions can only be increased (asked for 2)\n'])
    // the new partitions take records: each key on its murmur2 partition of 3
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']
    expect((await cli(['produce', 'tuned', '--key-delimiter', ':'], {input: keys.map((k) => `${k}:v`).join('\n') + '\n'})).code).toBe(0)
    const out = await cli(['consume', 'tuned', '--format', '%k %p\n'])
    expect(lines(out.stdout).sort()).toEqual(keys.map((k) => `${k} ${partitionForKey(Buffer.from(k), 3)}`))

    const bad = await cli(['topic', 'alter', 'tuned', '--config', 'retention.ms=soon'])
    expect(bad.code).toBe(6)
    expect(lines(bad.stderr)).toEqual([expect.stringMatching(/^samsa: .*retention\.ms/)])
    const missing = await cli(['topic', 'alter', 'nope', '--config', 'retention.ms=1'])
    expect([missing.code, missing.stderr]).toEqual([4, 'samsa: topic nope does not exist\n'])
  })

  it('topic create --replication-factor: 1 is fine; more is refused in one line where the brokers cannot keep it', async () => {
    expect((await cli(['topic', 'create', 'single', '--replication-factor', '1'])).code).toBe(0)
    const three = await cli(['topic', 'create', 'triple', '--replication-factor', '3'])
    expect(three.code).toBe(6)
    expect(lines(three.stderr)).toEqual([expect.stringMatching(/^samsa: replication factor 3: .*(one copy|single broker)/)])
    expect((await json(['topic', 'list'])).topics.map((t: {name: string}) => t.name)).not.toContain('triple')
    const zero = await cli(['topic', 'create', 'none', '--replication-factor', '0'])
    expect(zero.code).toBe(2)
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
  it('topic compact, and a broker that does not answer (exit 3)', async () => {
    const d = await spawnDaemon(tempDir(), {kafka: true})
    try {
      const env = {SAMSA_BROKERS: `127.0.0.1:${d.kafkaPort()}`, SAMSA_NO_AUTOSTART: '1'}
      const dir = tempDir()
      expect((await samsa(dir, ['topic', 'create', 'fixed', '--compact'], {env})).code).toBe(0)
      const compact = await samsa(dir, ['topic', 'compact', 'fixed'], {env})
      expect([compact.code, compact.stderr]).toEqual([6, 'samsa: topic compact is not supported by the Kafka backend (--brokers)\n'])
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
