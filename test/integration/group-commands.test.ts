// The group commands through the built CLI: `group list`, `group describe` (offsets, lag, members),
// `group delete`, `group reset` (the dry run's plan is what --execute does; clamped out-of-range offsets;
// refused while members are active), `wait --group --caught-up`; and each bad input of issue 10 as one
// line on stderr with its exit code.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, start, tempDir, waitFor} from '../support/index.js'

let dir: string

async function ok(args: string[], input?: string): Promise<string> {
  const r = await samsa(dir, args, input === undefined ? {} : {input})
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

// a failure: its exit code and its stderr, which must be exactly one `samsa: ` line
async function fails(args: string[]): Promise<{code: number | null; message: string}> {
  const r = await samsa(dir, args)
  expect(r.code).not.toBe(0)
  const err = lines(r.stderr)
  expect(err, r.stderr).toHaveLength(1)
  expect(err[0]).toMatch(/^samsa: /)
  expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  return {code: r.code, message: err[0]!}
}

const values = (stdout: string): string[] => lines(stdout).map((l) => (JSON.parse(l) as {v: string}).v).sort()

interface Plan {
  group: string
  executed: boolean
  partitions: {topic: string; partition: number; currentOffset: number; newOffset: number; clamped?: string}[]
}

describe('samsa group …', () => {
  beforeAll(async () => {
    dir = tempDir()
    await ok(['topic', 'create', 'logs', '--partitions', '2'])
    // 10 records per partition, the first five an hour old
    const old = Date.now() - 3_600_000
    const rows = (p: number, from: number, ts: number) =>
      Array.from({length: 5}, (_, i) => JSON.stringify({v: `p${p}-${from + i}`, ts: ts + i})).join('\n') + '\n'
    for (const p of [0, 1]) {
      await ok(['produce', 'logs', '--partition', String(p), '--timestamp-field', 'ts'], rows(p, 0, old))
      await ok(['produce', 'logs', '--partition', String(p)], rows(p, 5, Date.now()))
    }
    await ok(['consume', 'logs', '--group', 'readers', '--count', '13'])
  })
  afterAll(cleanup)

  it('list and describe show committed offsets, log ends, lag and members', async () => {
    const listed = JSON.parse(await ok(['group', 'list', '--json'])) as {groups: unknown[]}
    expect(listed.groups).toEqual([{group: 'readers', type: '', state: 'Empty', members: 0}])
    const d = JSON.parse(await ok(['group', 'describe', 'readers', '--json']))
    expect(d.state).toBe('Empty')
    expect(d.partitions.map((p: {logEndOffset: number}) => p.logEndOffset)).toEqual([10, 10])
    expect(d.totalLag).toBe(7)
    expect(d.partitions.reduce((n: number, p: {currentOffset: number}) => n + p.currentOffset, 0)).toBe(13)
    const human = await ok(['group', 'describe', 'readers'])
    expect(human).toMatch(/^group readers: Empty, no active members$/m)
    expect(human).toMatch(/TOPIC.*PARTITION.*CURRENT-OFFSET.*LOG-END-OFFSET.*LAG.*MEMBER.*CLIENT/)
    expect(human).toMatch(/^total lag: 7$/m)
    expect(human).not.toMatch(/\x1b\[/) // no styling when stdout is not a terminal

    const m = start(dir, ['consume', 'logs', '--group', 'readers', '--follow', '--commit-interval', '100ms'])
    await waitFor(() => lines(m.stdout()).length === 7, 20_000, 'the 7 records left')
    await ok(['wait', '--group', 'readers', '--caught-up', '--timeout', '20s'])
    const live = JSON.parse(await ok(['group', 'describe', 'readers', '--json']))
    expect(live).toMatchObject({type: 'consumer', state: 'Stable', totalLag: 0, assignor: 'sticky'})
    expect(live.members).toHaveLength(1)
    expect(live.partitions.every((p: {memberId: string}) => p.memberId === live.members[0].memberId)).toBe(true)
    expect(await ok(['group', 'describe', 'readers'])).toMatch(/MEMBER.*INSTANCE.*CLIENT.*HOST.*EPOCH.*ASSIGNMENT[\s\S]*logs: 0,1/)
    // an active group is neither reset nor deleted
    expect(await fails(['group', 'reset', 'readers', '--topic', 'logs', '--to-earliest', '--execute'])).toEqual({
      code: 1,
      message: 'samsa: group readers has 1 active member(s): stop them before resetting its offsets (without --execute this prints the plan)',
    })
    expect(await fails(['group', 'delete', 'readers'])).toEqual({code: 1, message: 'samsa: group readers has 1 active member(s): stop them before deleting it'})
    m.child.kill('SIGTERM')
    expect(await m.exited).toBe(130)
  })

  it('reset: the dry run changes nothing, and --execute does exactly what it printed', async () => {
    const cases: [string[], number[]][] = [
      [['--to-earliest'], [0, 0]],
      [['--to-offset', '4'], [4, 4]],
      [['--shift-by', '3'], [7, 7]],
      [['--shift-by', '-5'], [2, 2]],
      [['--to-latest'], [10, 10]],
      [['--by-duration', '-30m'], [5, 5]],
      [['--to-datetime', new Date(Date.now() - 7_200_000).toISOString()], [0, 0]],
    ]
    for (const [mode, expected] of cases) {
      const before = JSON.parse(await ok(['group', 'describe', 'readers', '--json']))
      const dry = JSON.parse(await ok(['group', 'reset', 'readers', '--topic', 'logs', ...mode, '--json'])) as Plan
      expect(dry.executed).toBe(false)
      expect(dry.partitions.map((p) => p.newOffset), mode.join(' ')).toEqual(expected)
      expect(JSON.parse(await ok(['group', 'describe', 'readers', '--json'])).partitions).toEqual(before.partitions)
      const done = JSON.parse(await ok(['group', 'reset', 'readers', '--topic', 'logs', ...mode, '--execute', '--json'])) as Plan
      expect(done.partitions).toEqual(dry.partitions)
      const after = JSON.parse(await ok(['group', 'describe', 'readers', '--json']))
      expect(after.partitions.map((p: {currentOffset: number}) => p.currentOffset)).toEqual(expected)
    }
    // one partition only; the group then reads from exactly there
    await ok(['group', 'reset', 'readers', '--topic', 'logs:0', '--to-latest', '--execute'])
    await ok(['group', 'reset', 'readers', '--topic', 'logs:1', '--to-offset', '8', '--execute'])
    expect(values(await ok(['consume', 'logs', '--group', 'readers']))).toEqual(['p1-8', 'p1-9'])
    const table = await ok(['group', 'reset', 'readers', '--topic', 'logs:0', '--to-earliest'])
    expect(table).toMatch(/TOPIC.*PARTITION.*CURRENT-OFFSET.*NEW-OFFSET/)
  }, 240_000) // ~30 CLI processes one after another: minutes on a loaded 2-core machine

  it('reset clamps an offset outside the log, with a warning per partition', async () => {
    const r = await samsa(dir, ['group', 'reset', 'readers', '--topic', 'logs', '--to-offset', '99', '--execute', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const plan = JSON.parse(r.stdout) as Plan
    expect(plan.partitions.map((p) => [p.newOffset, p.clamped])).toEqual([
      [10, 'logEndOffset'],
      [10, 'logEndOffset'],
    ])
    expect(lines(r.stderr).filter((l) => l.includes('is past the log end'))).toEqual([
      'samsa: logs-0: offset 99 is past the log end 10; using 10',
      'samsa: logs-1: offset 99 is past the log end 10; using 10',
    ])
    // a new group can be positioned before its first member starts
    await ok(['group', 'reset', 'fresh', '--topic', 'logs:0', '--to-offset', '9', '--execute'])
    const fresh = values(await ok(['consume', 'logs', '--group', 'fresh']))
    expect(fresh.filter((v) => v.startsWith('p0-'))).toEqual(['p0-9'])
    expect(fresh.filter((v) => v.startsWith('p1-'))).toHaveLength(10)
  })

  it('delete forgets the offsets; wait times out on a lagging group', async () => {
    await ok(['group', 'reset', 'readers', '--topic', 'logs', '--to-earliest', '--execute'])
    expect(await fails(['wait', '--group', 'readers', '--caught-up', '--timeout', '300ms'])).toEqual({
      code: 1,
      message: 'samsa: group readers did not catch up within 300ms: lag 20 (logs-0: 10, logs-1: 10)',
    })
    expect(await ok(['group', 'delete', 'readers'])).toBe('deleted group readers\n')
    expect(await fails(['group', 'describe', 'readers'])).toEqual({code: 4, message: 'samsa: group readers does not exist (no members and no committed offsets)'})
    expect(await fails(['group', 'delete', 'readers'])).toEqual({code: 4, message: 'samsa: group readers does not exist (no members and no committed offsets)'})
    expect((await fails(['wait', '--group', 'readers', '--caught-up', '--timeout', '200ms'])).code).toBe(4)
    // a group id is any text
    await ok(['group', 'reset', '__proto__', '--topic', 'logs', '--to-latest', '--execute'])
    expect(JSON.parse(await ok(['group', 'describe', '__proto__', '--json'])).totalLag).toBe(0)
  })

  it('bad input: one line on stderr, a documented exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['group', 'describe', 'nope'], 4, /group nope does not exist/],
      [['group', 'reset', 'x', '--topic', 'logs'], 2, /give exactly one of --to-earliest, --to-latest, --to-offset/],
      [['group', 'reset', 'x', '--topic', 'logs', '--to-earliest', '--to-latest'], 2, /got --to-earliest, --to-latest/],
      [['group', 'reset', 'x', '--topic', 'nope', '--to-earliest'], 4, /topic nope does not exist/],
      [['group', 'reset', 'x', '--topic', 'logs:7', '--to-earliest'], 4, /partition 7 does not exist/],
      [['group', 'reset', 'x', '--topic', 'logs:a', '--to-earliest'], 2, /bad --topic 'logs:a'/],
      [['group', 'reset', 'nocommits', '--topic', 'logs', '--shift-by', '1'], 6, /has no committed offset in group nocommits to shift from/],
      [['group', 'reset', 'x', '--topic', 'logs', '--to-datetime', 'yesterday'], 2, /bad --to-datetime 'yesterday'/],
      [['group', 'reset', 'x', '--topic', 'logs', '--shift-by', '1.5'], 2, /bad --shift-by '1.5'/],
      [['wait', '--group', 'x', '--caught-up', '--timeout', 'soon'], 2, /bad --timeout 'soon'/],
      [['consume', 'logs', '--group', 'g', '--partition', '0'], 2, /--partition cannot be combined with --group/],
      [['consume', 'logs', '--group', 'g', '--session-timeout', '10ms'], 2, /bad --session-timeout '10ms': must be at least 1000 ms/],
      [['consume', 'logs', '--group', 'g', '--assignor', 'fair'], 2, /assignor/],
      [['consume', 'logs', '--group', ''], 6, /group id must be 1 to 1024 characters/],
      [['consume', 'nope', '--group', 'g'], 4, /topic nope does not exist/],
      [['consume', 'logs', '--no-commit'], 2, /--no-commit needs --group/],
      [['consume', 'logs', '--commit-interval', '1s'], 2, /--group/],
    ]
    for (const [args, code, message] of cases) {
      const r = await fails(args)
      expect([r.code, r.message], args.join(' ')).toEqual([code, expect.stringMatching(message)])
    }
  })
})
