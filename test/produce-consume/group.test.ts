// consume --group: start at the group's committed offsets, commit what was printed (at-least-once).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, start, tempDir, waitFor} from '../support/index.js'

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
