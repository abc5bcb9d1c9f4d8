// Consumer groups with real members: several `samsa consume --group --follow` processes against a real
// daemon share a topic's partitions. Every record is printed exactly once while members join and leave
// cleanly (SIGTERM); after a kill -9 the survivor takes over once the session times out, repeating at
// most what the dead member printed after its last commit; committed offsets outlive the daemon; a static
// member (--instance-id) that comes back in time gets its partitions back without a rebalance.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, killDaemons, lines, samsa, spawnDaemon, start, stopDaemon, tempDir, waitFor, type DaemonProcess, type Running} from '../support/index.js'

let dir: string
let daemon: DaemonProcess

interface Described {
  state: string
  epoch: number
  totalLag: number
  members: {memberId: string; instanceId: string | null; assignment: {topic: string; partition: number}[]}[]
  partitions: {partition: number; currentOffset: number; logEndOffset: number; memberId: string}[]
}

async function describeGroup(group: string): Promise<Described | null> {
  const r = await samsa(dir, ['group', 'describe', group, '--json'])
  return r.code === 0 ? (JSON.parse(r.stdout) as Described) : null
}

// Waits until the group is Stable with `n` members, each owning `each` partitions.
async function stable(group: string, n: number, each?: number[]): Promise<Described> {
  let d: Described | null = null
  await waitFor(
    async () => {
      d = await describeGroup(group)
      if (!d || d.state !== 'Stable' || d.members.length !== n) return false
      const loads = d.members.map((m) => m.assignment.length).sort()
      return each === undefined || JSON.stringify(loads) === JSON.stringify([...each].sort())
    },
    30_000,
    `group ${group} stable with ${n} member(s)`,
  )
  return d!
}

function member(topic: string, group: string, extra: string[] = []): Running {
  return start(dir, ['consume', topic, '--group', group, '--follow', '--format', '%p %s\\n', '--commit-interval', '200ms', ...extra])
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  const input = Array.from({length: count}, (_, i) => `k${from + i}:v${from + i}`).join('\n') + '\n'
  const r = await samsa(dir, ['produce', topic, '--key-delimiter', ':'], {input})
  expect(r.code, r.stderr).toBe(0)
}

// what the members printed: value → how many times
function printed(...members: Running[]): Map<string, number> {
  const seen = new Map<string, number>()
  for (const m of members) for (const l of lines(m.stdout())) seen.set(l.split(' ')[1]!, (seen.get(l.split(' ')[1]!) ?? 0) + 1)
  return seen
}

const values = (from: number, count: number) => Array.from({length: count}, (_, i) => `v${from + i}`)

describe('consumer groups with several member processes', () => {
  beforeAll(async () => {
    dir = tempDir()
    daemon = await spawnDaemon(dir)
  })
  afterAll(async () => {
    if (daemon) await stopDaemon(daemon)
    await cleanup()
  })

  it('two members split 4 partitions, every record once; one stops (SIGTERM), the other takes over: no loss, no duplicate', async () => {
    expect((await samsa(dir, ['topic', 'create', 'split', '--partitions', '4'])).code).toBe(0)
    const a = member('split', 'g1')
    await stable('g1', 1, [4])
    const b = member('split', 'g1')
    const d = await stable('g1', 2, [2, 2])
    expect(new Set(d.members.flatMap((m) => m.assignment.map((tp) => tp.partition)))).toEqual(new Set([0, 1, 2, 3]))
    await produce('split', 0, 4000)
    await waitFor(() => printed(a, b).size === 4000, 30_000, 'all 4000 records')
    // each member printed only its own partitions
    const partitionsOf = (m: Running) => new Set(lines(m.stdout()).map((l) => Number(l.split(' ')[0])))
    expect([...partitionsOf(a)].filter((p) => partitionsOf(b).has(p))).toEqual([])
    // a stops while records keep coming: b takes a's partitions where a's output ended
    const more = produce('split', 4000, 4000)
    a.child.kill('SIGTERM')
    expect(await a.exited).toBe(130)
    await more
    await produce('split', 8000, 2000)
    await waitFor(() => printed(a, b).size === 10_000, 30_000, 'all 10000 records')
    const seen = printed(a, b)
    expect([...seen].filter(([, n]) => n > 1)).toEqual([])
    expect([...seen.keys()].sort()).toEqual(values(0, 10_000).sort())
    const after = await stable('g1', 1, [4])
    await waitFor(async () => (await describeGroup('g1'))?.totalLag === 0, 10_000, 'every offset committed')
    expect(after.members[0]!.assignment).toHaveLength(4)
    b.child.kill('SIGTERM')
    expect(await b.exited).toBe(130)
    expect(a.stderr() + b.stderr()).toBe('')
    // both left: the group is empty, its offsets stay
    expect((await describeGroup('g1'))?.state).toBe('Empty')
  })

  it('kill -9 of a member: the other takes over after the session timeout, at least once', async () => {
    expect((await samsa(dir, ['topic', 'create', 'crash', '--partitions', '4'])).code).toBe(0)
    const a = member('crash', 'g2', ['--session-timeout', '2s'])
    await stable('g2', 1, [4])
    const b = member('crash', 'g2', ['--session-timeout', '2s'])
    await stable('g2', 2, [2, 2])
    await produce('crash', 0, 2000)
    await waitFor(() => printed(a, b).size === 2000, 30_000, 'the first 2000 records')
    a.child.kill('SIGKILL')
    await a.exited
    await produce('crash', 2000, 2000)
    // nothing is lost: b prints every record of a's partitions from a's last commit on
    await waitFor(() => printed(a, b).size === 4000, 30_000, 'all 4000 records after the session timeout')
    expect([...printed(a, b).keys()].sort()).toEqual(values(0, 4000).sort())
    const d = await stable('g2', 1, [4])
    expect(d.members[0]!.assignment).toHaveLength(4)
    b.child.kill('SIGTERM')
    expect(await b.exited).toBe(130)
  })

  it('committed offsets survive a daemon restart (even after kill -9)', async () => {
    expect((await samsa(dir, ['topic', 'create', 'durable', '--partitions', '2'])).code).toBe(0)
    await produce('durable', 0, 100)
    const first = await samsa(dir, ['consume', 'durable', '--group', 'g3', '--count', '60'])
    expect(lines(first.stdout)).toHaveLength(60)
    const before = await describeGroup('g3')
    daemon.child.kill('SIGKILL')
    await daemon.exited
    killDaemons(dir)
    daemon = await spawnDaemon(dir)
    const after = await describeGroup('g3')
    expect(after!.partitions.map((p) => p.currentOffset)).toEqual(before!.partitions.map((p) => p.currentOffset))
    const rest = await samsa(dir, ['consume', 'durable', '--group', 'g3'])
    expect(rest.code, rest.stderr).toBe(0)
    expect([...lines(first.stdout), ...lines(rest.stdout)].sort()).toEqual(values(0, 100).sort())
  })

  it('a static member that restarts within its session timeout gets its partitions back: no rebalance', async () => {
    expect((await samsa(dir, ['topic', 'create', 'static', '--partitions', '4'])).code).toBe(0)
    const a = member('static', 'g4', ['--instance-id', 'worker-a', '--session-timeout', '20s'])
    await stable('g4', 1, [4])
    const b = member('static', 'g4', ['--instance-id', 'worker-b', '--session-timeout', '20s'])
    const d = await stable('g4', 2, [2, 2])
    const mine = (x: Described, instance: string) => x.members.find((m) => m.instanceId === instance)!.assignment.map((tp) => tp.partition).sort()
    a.child.kill('SIGTERM')
    expect(await a.exited).toBe(130)
    // while it is away its partitions wait for it: b does not get them, and what is produced for them waits
    await produce('static', 0, 400)
    const again = member('static', 'g4', ['--instance-id', 'worker-a', '--session-timeout', '20s'])
    await waitFor(() => printed(a, b, again).size === 400, 30_000, 'all 400 records')
    const e = await stable('g4', 2, [2, 2])
    expect(mine(e, 'worker-a')).toEqual(mine(d, 'worker-a'))
    expect(mine(e, 'worker-b')).toEqual(mine(d, 'worker-b'))
    expect(e.epoch).toBe(d.epoch) // no new group epoch: no rebalance happened
    const partitionsPrinted = (m: Running) => [...new Set(lines(m.stdout()).map((l) => Number(l.split(' ')[0])))].sort()
    expect(partitionsPrinted(b).every((p) => mine(d, 'worker-b').includes(p))).toBe(true)
    expect(partitionsPrinted(again)).toEqual(mine(d, 'worker-a'))
    expect([...printed(a, b, again)].filter(([, n]) => n > 1)).toEqual([])
    again.child.kill('SIGTERM')
    b.child.kill('SIGTERM')
    expect([await again.exited, await b.exited]).toEqual([130, 130])
  })
})
