// consume --group: start at the group's committed offsets, commit what was printed (at-least-once): only
// output that reached stdout counts, never records still queued inside the process.
import {spawn} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, cleanEnv, cleanup, lines, samsa, sleep, start, tempDir, waitFor} from '../support/index.js'

let dir: string

describe('consume --group', () => {
  beforeAll(async () => {
    dir = tempDir()
    expect((await samsa(dir, ['topic', 'create', 'g', '--partitions', '2'])).code).toBe(0)
    const input = Array.from({length: 20}, (_, i) => `k${i % 4}:v${i}`).join('\n')
    expect((await samsa(dir, ['produce', 'g', '--key-delimiter', ':'], {input})).code).toBe(0)
  })
  afterAll(cleanup)

  it('each run continues where the last one stopped; nothing is printed twice', async () => {
    const seen: string[] = []
    for (const args of [['--count', '5'], ['--count', '7'], []]) {
      const r = await samsa(dir, ['consume', 'g', '--group', 'a', ...args])
      expect(r.code, r.stderr).toBe(0)
      seen.push(...lines(r.stdout))
    }
    expect(seen.sort()).toEqual(Array.from({length: 20}, (_, i) => `v${i}`).sort())
    expect((await samsa(dir, ['consume', 'g', '--group', 'a'])).stdout).toBe('')
    // another group has its own offsets
    expect(lines((await samsa(dir, ['consume', 'g', '--group', 'b'])).stdout)).toHaveLength(20)
  })

  it('--merge-by-time as a member: in time order, and the next run continues where it stopped', async () => {
    const first = await samsa(dir, ['consume', 'g', '--group', 'm', '--merge-by-time', '--count', '8', '--format', '%T %s\\n'])
    expect(first.code, first.stderr).toBe(0)
    const rest = await samsa(dir, ['consume', 'g', '--group', 'm', '--merge-by-time', '--format', '%T %s\\n'])
    const all = [...lines(first.stdout), ...lines(rest.stdout)]
    expect(all.map((l) => l.split(' ')[1]).sort()).toEqual(Array.from({length: 20}, (_, i) => `v${i}`).sort())
    const times = lines(first.stdout).map((l) => Number(l.split(' ')[0]))
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('--from applies only where the group has no commit yet', async () => {
    const first = await samsa(dir, ['consume', 'g', '--group', 'c', '--from', '-1'])
    expect(lines(first.stdout)).toHaveLength(2)
    expect((await samsa(dir, ['produce', 'g', '--key-delimiter', ':'], {input: 'k0:late\n'})).code).toBe(0)
    const second = await samsa(dir, ['consume', 'g', '--group', 'c', '--from', 'beginning'])
    expect(lines(second.stdout)).toEqual(['late'])
  })

  it('a following member commits on Ctrl-C', async () => {
    const c = start(dir, ['consume', 'g', '--group', 'd', '--follow'])
    await waitFor(() => lines(c.stdout()).length === 21, 10_000, 'the existing records')
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(130)
    expect((await samsa(dir, ['produce', 'g', '--key-delimiter', ':'], {input: 'k1:after\n'})).code).toBe(0)
    expect(lines((await samsa(dir, ['consume', 'g', '--group', 'd'])).stdout)).toEqual(['after'])
  })
})

describe('consume --group commits only what reached stdout', () => {
  afterAll(cleanup)

  it('records still in the process (stdout blocked) are not committed: a kill -9 loses none', async () => {
    const d = tempDir()
    expect((await samsa(d, ['topic', 'create', 'blocked'])).code).toBe(0)
    const record = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(96)}` // 101 bytes printed
    const produce = async (from: number, n: number) => {
      const input = Array.from({length: n}, (_, i) => record(from + i)).join('\n') + '\n'
      expect((await samsa(d, ['produce', 'blocked'], {input})).code).toBe(0)
    }
    // stdout is a 64 KiB pipe nobody reads: `exec` makes the pid the consumer's own
    const consumer = spawn('bash', ['-c', 'exec > >(sleep 120); exec $SAMSA consume blocked --group g --follow --commit-interval 0 --data-dir "$D"'], {
      env: cleanEnv({SAMSA: `${process.execPath} ${BIN}`, D: d}),
      stdio: 'ignore',
    })
    const offset = async (): Promise<number> => {
      const r = await samsa(d, ['group', 'describe', 'g', '--json'])
      return r.code === 0 ? (JSON.parse(r.stdout) as {partitions: {currentOffset: number}[]}).partitions[0]!.currentOffset : -1
    }
    await produce(0, 600) // 60600 bytes: fits in the pipe
    await waitFor(async () => (await offset()) === 600, 20_000, 'the first 600 committed')
    await produce(600, 100) // 10100 bytes: about half fit, the rest waits inside the consumer
    await sleep(1500)
    consumer.kill('SIGKILL')
    await new Promise((resolve) => consumer.once('close', resolve))
    const fits = Math.floor(65536 / 101)
    expect(await offset()).toBeLessThanOrEqual(fits)
  })
})
