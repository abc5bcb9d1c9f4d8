// Long-running modes through the built CLI: consume --follow, produce --file --follow (tail -F with a
// checkpoint), Ctrl-C, and the daemon going away mid-stream.
import {appendFileSync, readdirSync, renameSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, daemonPids, lines, samsa, sleep, start, tempDir, waitFor} from '../support/index.js'

let dir: string

async function topic(name: string, partitions = 1): Promise<void> {
  // retention.ms=-1: tests write fixed past timestamps, which the daemon's retention check would delete
  const r = await samsa(dir, ['topic', 'create', name, '--partitions', String(partitions), '--config', 'retention.ms=-1'])
  expect(r.code, r.stderr).toBe(0)
}

async function consumeAll(name: string): Promise<string[]> {
  const r = await samsa(dir, ['consume', name])
  expect(r.code, r.stderr).toBe(0)
  return lines(r.stdout)
}

describe('follow modes', () => {
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(cleanup)

  it('consume --follow prints a line produced later, and Ctrl-C exits 130', async () => {
    await topic('live', 2)
    expect((await samsa(dir, ['produce', 'live'], {input: 'before\n'})).code).toBe(0)
    const c = start(dir, ['consume', 'live', '--follow'])
    await waitFor(() => c.stdout().includes('before\n'), 10_000, 'the existing record')
    expect((await samsa(dir, ['produce', 'live'], {input: 'after\n'})).code).toBe(0)
    await waitFor(() => c.stdout().includes('after\n'), 10_000, 'the later record')
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(130)
    expect(c.stderr()).toBe('')
    expect(lines(c.stdout())).toEqual(['before', 'after'])
  })

  it('consume --follow --until stops by itself once it reaches the end offset', async () => {
    await topic('until-follow')
    const c = start(dir, ['consume', 'until-follow', '--follow', '--until', '3'])
    await sleep(300)
    expect((await samsa(dir, ['produce', 'until-follow'], {input: 'a\nb\n'})).code).toBe(0)
    expect((await samsa(dir, ['produce', 'until-follow'], {input: 'c\nd\n'})).code).toBe(0)
    expect(await c.exited).toBe(0)
    expect(lines(c.stdout())).toEqual(['a', 'b', 'c'])
  })

  it('consume --follow --merge-by-time: an empty partition does not hold the others back', async () => {
    await topic('mf1', 2)
    await topic('mf2')
    const ts = (s: number) => JSON.stringify({ts: new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000).toISOString()})
    expect((await samsa(dir, ['produce', 'mf1', '--timestamp-field', 'ts', '--partition', '0'], {input: `${ts(1)}\n${ts(3)}\n`})).code).toBe(0)
    const c = start(dir, ['consume', 'mf1', 'mf2', '--follow', '--merge-by-time', '--format', '%t %T\\n'])
    await waitFor(() => lines(c.stdout()).length === 2, 5_000, 'the existing records without a long-poll delay')
    expect((await samsa(dir, ['produce', 'mf2', '--timestamp-field', 'ts'], {input: `${ts(4)}\n`})).code).toBe(0)
    await waitFor(() => lines(c.stdout()).length === 3, 10_000, 'the later record')
    c.child.kill('SIGINT')
    expect(await c.exited).toBe(130)
    const base = Date.parse('2026-01-01T00:00:00Z')
    expect(lines(c.stdout())).toEqual([`mf1 ${base + 1000}`, `mf1 ${base + 3000}`, `mf2 ${base + 4000}`])
  })

  it('produce: Ctrl-C stops reading, sends what was read, exits 130', async () => {
    await topic('sigint')
    const p = start(dir, ['produce', 'sigint'], {stdin: 'pipe'})
    p.child.stdin!.write('one\ntwo\n')
    // the input paused, so what was read is sent: once it is in the log the command is surely past its
    // start-up (a fixed sleep raced it on a loaded machine), and Ctrl-C must still exit 130 with stdin open
    const deadline = Date.now() + 30_000
    while ((await consumeAll('sigint')).length < 2 && Date.now() < deadline) await sleep(100)
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
    expect(await consumeAll('sigint')).toEqual(['one', 'two'])
  })

  it('produce --file --follow survives rotation and truncation; a restart neither loses nor repeats lines', async () => {
    await topic('tail', 2)
    const logs = tempDir('samsa-pc-logs-')
    const file = join(logs, 'app.log')
    writeFileSync(file, 'a1\na2\n')
    let p = start(dir, ['produce', 'tail', '--file', file, '--follow'])
    const seen = async (want: string[]): Promise<void> => {
      const deadline = Date.now() + 15_000
      for (;;) {
        const got = (await consumeAll('tail')).sort()
        if (JSON.stringify(got) === JSON.stringify([...want].sort())) return
        if (Date.now() > deadline) expect(got).toEqual([...want].sort())
        await sleep(200)
      }
    }
    await seen(['a1', 'a2'])
    appendFileSync(file, 'a3\npartial')
    await seen(['a1', 'a2', 'a3'])
    // rotation: rename away (the old file still gets a write), then a new file at the path
    renameSync(file, `${file}.1`)
    appendFileSync(`${file}.1`, '-end\n')
    writeFileSync(file, 'b1\n')
    await seen(['a1', 'a2', 'a3', 'partial-end', 'b1'])
    // truncation (copytruncate): start over at 0
    appendFileSync(file, 'b2\n')
    await seen(['a1', 'a2', 'a3', 'partial-end', 'b1', 'b2'])
    truncateSync(file, 0)
    await sleep(1500)
    appendFileSync(file, 'c1\n')
    await seen(['a1', 'a2', 'a3', 'partial-end', 'b1', 'b2', 'c1'])
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
    expect(readdirSync(join(dir, 'tail-checkpoints')).filter((f) => f.endsWith('.json'))).toHaveLength(1)

    // while stopped: more lines, then a rotation; the restart finishes the old file, then the new one
    appendFileSync(file, 'c2\n')
    renameSync(file, `${file}.2`)
    writeFileSync(file, 'd1\n')
    p = start(dir, ['produce', 'tail', '--file', file, '--follow'])
    const all = ['a1', 'a2', 'a3', 'partial-end', 'b1', 'b2', 'c1', 'c2', 'd1']
    await seen(all)
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
    expect(p.stderr()).toMatch(/rotated while samsa was stopped/)

    // a plain restart repeats nothing (a line written now is the sign it runs: Ctrl-C then meets its
    // handler, not Node's start-up); --from-start reads the file again
    p = start(dir, ['produce', 'tail', '--file', file, '--follow'])
    appendFileSync(file, 'd2\n')
    await seen([...all, 'd2'])
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
    expect((await consumeAll('tail')).sort()).toEqual([...all, 'd2'].sort())
    p = start(dir, ['produce', 'tail', '--file', file, '--follow', '--from-start'])
    await seen([...all, 'd2', 'd1', 'd2'])
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
  })

  it('produce --file --follow stops at a bad line and checkpoints right before it', async () => {
    await topic('tail-bad')
    const logs = tempDir('samsa-pc-logs-')
    const file = join(logs, 'app.jsonl')
    writeFileSync(file, '{"u":"a"}\n{"u":"b"}\nBAD\n{"u":"c"}\n')
    const args = ['produce', 'tail-bad', '--file', file, '--follow', '--key-field', 'u']
    const first = await samsa(dir, args)
    expect(first.code).toBe(6)
    expect(first.stderr.trim()).toBe('samsa: line 3: not valid JSON')
    expect(await consumeAll('tail-bad')).toEqual(['{"u":"a"}', '{"u":"b"}'])
    // a restart stops at the same line without sending a or b again
    const again = await samsa(dir, args)
    expect(again.code).toBe(6)
    expect(again.stderr.trim()).toBe('samsa: line 1: not valid JSON')
    expect(await consumeAll('tail-bad')).toEqual(['{"u":"a"}', '{"u":"b"}'])
    // --skip-invalid goes past it
    const p = start(dir, [...args, '--skip-invalid'])
    await waitFor(() => p.stderr().includes('(skipped)'), 10_000, 'the skipped line')
    const deadline = Date.now() + 10_000
    while ((await consumeAll('tail-bad')).length < 3 && Date.now() < deadline) await sleep(200)
    p.child.kill('SIGINT')
    expect(await p.exited).toBe(130)
    expect(await consumeAll('tail-bad')).toEqual(['{"u":"a"}', '{"u":"b"}', '{"u":"c"}'])
  })

  it('the daemon going away mid-stream: one line, exit 3', async () => {
    await topic('gone')
    const c = start(dir, ['consume', 'gone', '--follow', '--no-autostart', '--reconnect-timeout', '0'])
    await sleep(800)
    for (const pid of daemonPids(dir)) process.kill(pid, 'SIGKILL')
    expect(await c.exited).toBe(3)
    expect(lines(c.stderr())).toHaveLength(1)
    expect(c.stderr()).toMatch(/^samsa: .*daemon/)
  })
})
