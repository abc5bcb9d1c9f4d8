// kill -9 of the daemon while its own log cleaner is cleaning (issue 11): the log reopens clean — `samsa
// log verify` finds no problem after each crash — and once the restarted daemon has finished the job,
// `samsa table` and a full consume give exactly the latest value of every key. The crash lands where it
// lands (the map phase, a recopy, a swap): the daemon is killed a little after `topic describe` first
// shows a pass running, a different delay each round.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, lines, requireBuild, samsa, sleep, spawnDaemon, tempDir, type DaemonProcess} from '../support/index.js'

beforeAll(requireBuild)
afterAll(cleanup)

const N = 600_000
const KEYS = 5_000

describe('kill -9 during a daemon-driven cleaning', () => {
  it('reopens clean after each crash, and the latest value of every key survives', {timeout: 600_000}, async () => {
    const dataDir = tempDir()
    const cli = async (args: string[]) => {
      const r = await samsa(dataDir, args, {timeoutMs: 120_000})
      if (r.code !== 0) throw new Error(`samsa ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
      return r.stdout
    }
    let seed = 7
    const rand = (n: number) => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    const latest = new Map<string, string | null>()
    const input: string[] = []
    for (let i = 0; i < N; i++) {
      const key = `k${rand(KEYS)}`
      const value = rand(25) === 0 ? null : `value-${i}`
      latest.set(key, value)
      input.push(`${key}:${value ?? 'NULL'}`)
    }
    const file = join(tempDir(), 'records.txt')
    writeFileSync(file, `${input.join('\n')}\n`)

    let d: DaemonProcess = await spawnDaemon(dataDir)
    // written as a plain topic (nothing cleans it), then made compacted: the daemon's next check takes the whole log
    await cli(['topic', 'create', 'big', '--partitions', '2', '--config', 'retention.ms=-1', '--config', 'segment.bytes=1048576'])
    await cli(['produce', 'big', '--file', file, '--key-delimiter', ':', '--null-marker', 'NULL'])
    await cli(['topic', 'alter', 'big', '--config', 'cleanup.policy=compact'])

    let crashes = 0
    for (const delayMs of [0, 40, 120, 250]) {
      const c = await TestClient.connect(d.socket)
      const state = async () => (await c.request(ApiKey.DescribeTopics, {topics: ['big']})).body.topics[0].partitions.map((p: {cleaner: {cleaning: boolean; dirtyBytes: number}}) => p.cleaner)
      const deadline = Date.now() + 60_000
      let s = await state()
      while (!s.some((x: {cleaning: boolean}) => x.cleaning) && s.some((x: {dirtyBytes: number}) => x.dirtyBytes > 0)) {
        if (Date.now() > deadline) throw new Error(`no cleaning started: ${JSON.stringify(s)}`)
        await sleep(5)
        s = await state()
      }
      c.close()
      if (!s.some((x: {cleaning: boolean}) => x.cleaning)) break // all clean already: nothing left to interrupt
      await sleep(delayMs)
      d.child.kill('SIGKILL')
      await d.exited
      crashes++
      const verify = await samsa(null, ['log', 'verify', dataDir])
      expect(verify.code, `log verify after crash ${crashes}: ${verify.stdout}${verify.stderr}`).toBe(0)
      expect(verify.stdout).toBe("") // one line per problem
      expect(verify.stderr).toMatch(/no problems found/)
      d = await spawnDaemon(dataDir)
    }
    expect(crashes).toBeGreaterThan(0)

    // the restarted daemon finishes on its own
    const c = await TestClient.connect(d.socket)
    const deadline = Date.now() + 120_000
    for (;;) {
      const parts = (await c.request(ApiKey.DescribeTopics, {topics: ['big']})).body.topics[0].partitions
      if (parts.every((p: {cleaner: {cleaning: boolean; dirtyBytes: number; lastCleanedAt: number | null}}) => !p.cleaner.cleaning && p.cleaner.dirtyBytes === 0 && p.cleaner.lastCleanedAt !== null)) break
      if (Date.now() > deadline) throw new Error(`not cleaned: ${JSON.stringify(parts)}`)
      await sleep(100)
    }
    c.close()
    expect(d.output()).not.toMatch(/quarantined|corrupt/i)

    const live = [...latest].filter(([, v]) => v !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    expect(lines(await cli(['table', 'big']))).toEqual(live.map(([k, v]) => `${k}\t${v}`))
    const seen = new Map<string, string | null>()
    const lastOffset = new Map<number, number>()
    for (const line of lines(await cli(['consume', 'big', '--jsonl']))) {
      const r = JSON.parse(line) as {partition: number; offset: number; key: string; value: string | null}
      expect(r.offset).toBeGreaterThan(lastOffset.get(r.partition) ?? -1)
      lastOffset.set(r.partition, r.offset)
      seen.set(r.key, r.value)
    }
    expect(seen).toEqual(latest) // each key's last record is its latest value (or tombstone: delete.retention.ms is a day)
    expect(await cli(['topic', 'describe', 'big', '--json']).then((o) => JSON.parse(o).partitions.reduce((n: number, p: {logEndOffset: number}) => n + p.logEndOffset, 0))).toBe(N)
    d.child.kill('SIGTERM')
    await d.exited
  })
})
