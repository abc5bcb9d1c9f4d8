// `samsa topic …` against a real daemon in a temp directory, through the built CLI.
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, stopDaemonIn, tempDir, topicDirs} from '../support/index.js'

let dir = ''
const t = (args: string[]) => samsa(dir, args)

beforeAll(async () => {
  dir = tempDir()
  const r = await samsa(dir, ['daemon', 'start', '--workers', '2'])
  if (r.code !== 0) throw new Error(`daemon start failed: ${r.stderr}`)
})

afterAll(async () => {
  if (dir) await stopDaemonIn(dir)
  await cleanup()
})

interface Config {
  name: string
  value: string
  isDefault: boolean
}
const config = (d: {configs: Config[]}, name: string): Config | undefined => d.configs.find((c) => c.name === name)

describe('samsa topic', () => {
  it('refuses every bad name with one line and exit 6, creating nothing', async () => {
    const before = readdirSync(dir).sort()
    const bad = ['../x', 'a/b', '', 'x'.repeat(250), 'has space', '.', '..', 'é', 'tab\there', '日本']
    for (const name of bad) {
      const r = await t(['topic', 'create', name])
      expect(r.code, `${JSON.stringify(name)}: ${r.stderr}`).toBe(6)
      expect(r.stdout).toBe('')
      const errLines = lines(r.stderr)
      expect(errLines, name).toHaveLength(1)
      expect(errLines[0]).toMatch(/^samsa: topic name /)
    }
    expect(readdirSync(dir).sort()).toEqual(before)
    expect(existsSync(join(dir, '..', 'x-0'))).toBe(false)
    const list = JSON.parse((await t(['topic', 'list', '--json'])).stdout)
    expect(list.topics).toEqual([])
  })

  it('names the offending character or the length', async () => {
    expect((await t(['topic', 'create', 'a/b'])).stderr).toContain("contains '/'")
    expect((await t(['topic', 'create', 'x'.repeat(250)])).stderr).toContain('250 characters long; the limit is 249')
    expect((await t(['topic', 'create', 'has space'])).stderr).toContain('a space')
    expect((await t(['topic', 'create', ''])).stderr).toContain('topic name is empty')
    expect((await t(['topic', 'create', 'é'])).stderr).toContain('non-ASCII')
  })

  it('accepts the longest legal name', async () => {
    const name = 'a'.repeat(249)
    const r = await t(['topic', 'create', name])
    expect(r.code, r.stderr).toBe(0)
    expect((await t(['topic', 'delete', name])).code).toBe(0)
  })

  it('creates, lists (table and --json) and refuses a duplicate with exit 5', async () => {
    const r = await t(['topic', 'create', 'orders', '--partitions', '3'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('created topic orders (3 partitions)')
    expect(topicDirs(dir).filter((d) => d.startsWith('orders-')).sort()).toEqual(['orders-0', 'orders-1', 'orders-2'])

    const dup = await t(['topic', 'create', 'orders'])
    expect(dup.code).toBe(5)
    expect(lines(dup.stderr)).toHaveLength(1)
    expect(dup.stderr).toMatch(/^samsa: .*orders/)

    const again = await t(['topic', 'create', 'orders', '--if-not-exists', '--json'])
    expect(again.code).toBe(0)
    const body = JSON.parse(again.stdout)
    expect(body.created).toBe(false)
    expect(body.topic.name).toBe('orders')
    expect(body.topic.partitions).toHaveLength(3)

    const table = await t(['topic', 'list'])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/orders\s*│\s*3/)
    expect(table.stdout).not.toMatch(/\x1b\[/)

    const list = JSON.parse((await t(['topic', 'list', '--json'])).stdout)
    expect(list.topics.find((x: {name: string}) => x.name === 'orders')).toMatchObject({name: 'orders', partitions: 3, compact: false, messages: 0})
  })

  it('unknown topic: exit 4 for describe, alter and delete; --if-exists succeeds', async () => {
    for (const args of [['topic', 'describe', 'nope'], ['topic', 'alter', 'nope', '--partitions', '2'], ['topic', 'delete', 'nope']]) {
      const r = await t(args)
      expect(r.code, args.join(' ')).toBe(4)
      expect(lines(r.stderr)).toHaveLength(1)
      expect(r.stderr).toContain('nope')
    }
    const r = await t(['topic', 'delete', 'nope', '--if-exists', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({name: 'nope', deleted: false})
  })

  it('bad partition counts: 0 and -1 exit 6, not a number exit 2, fewer than now exit 6', async () => {
    for (const p of ['0', '-1']) {
      const r = await t(['topic', 'create', 'p0', `--partitions=${p}`])
      expect(r.code, r.stderr).toBe(6)
      expect(lines(r.stderr)).toHaveLength(1)
    }
    const nan = await t(['topic', 'create', 'p0', '--partitions', 'many'])
    expect(nan.code).toBe(2)
    expect(lines(nan.stderr)).toHaveLength(1)
    expect(topicDirs(dir).some((d) => d.startsWith('p0-'))).toBe(false)

    expect((await t(['topic', 'create', 'grow', '--partitions', '2'])).code).toBe(0)
    const fewer = await t(['topic', 'alter', 'grow', '--partitions', '1'])
    expect(fewer.code).toBe(6)
    expect(lines(fewer.stderr)).toHaveLength(1)
    const more = await t(['topic', 'alter', 'grow', '--partitions', '4', '--json'])
    expect(more.code, more.stderr).toBe(0)
    expect(JSON.parse(more.stdout).partitions).toHaveLength(4)
    expect(topicDirs(dir).filter((d) => d.startsWith('grow-')).sort()).toEqual(['grow-0', 'grow-1', 'grow-2', 'grow-3'])
  })

  it('configs round-trip through describe: set, defaults marked, delete-config', async () => {
    const c = await t(['topic', 'create', 'cfg', '--config', 'retention.ms=3600000', '-c', 'segment.bytes=1048576'])
    expect(c.code, c.stderr).toBe(0)
    let d = JSON.parse((await t(['topic', 'describe', 'cfg', '--json'])).stdout)
    expect(config(d, 'retention.ms')).toEqual({name: 'retention.ms', value: '3600000', isDefault: false})
    expect(config(d, 'segment.bytes')).toEqual({name: 'segment.bytes', value: '1048576', isDefault: false})
    expect(config(d, 'cleanup.policy')).toEqual({name: 'cleanup.policy', value: 'delete', isDefault: true})
    expect(config(d, 'max.message.bytes')).toMatchObject({value: '1048588', isDefault: true})
    const names = d.configs.map((x: Config) => x.name)
    for (const n of ['cleanup.policy', 'retention.ms', 'retention.bytes', 'segment.bytes', 'segment.ms', 'max.message.bytes',
      'message.timestamp.type', 'min.cleanable.dirty.ratio', 'delete.retention.ms', 'flush.messages', 'flush.ms', 'index.interval.bytes']) {
      expect(names).toContain(n)
    }

    const human = await t(['topic', 'describe', 'cfg'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/retention\.ms\s*│\s*3600000.*│\s*topic/)
    expect(human.stdout).toMatch(/cleanup\.policy\s*│\s*delete\s*│\s*default/)
    expect(human.stdout).toMatch(/PARTITION/)

    const alter = await t(['topic', 'alter', 'cfg', '--delete-config', 'retention.ms', '--config', 'retention.bytes=1000000'])
    expect(alter.code, alter.stderr).toBe(0)
    d = JSON.parse((await t(['topic', 'describe', 'cfg', '--json'])).stdout)
    expect(config(d, 'retention.ms')).toMatchObject({value: '604800000', isDefault: true})
    expect(config(d, 'retention.bytes')).toMatchObject({value: '1000000', isDefault: false})
    expect(config(d, 'segment.bytes')).toMatchObject({value: '1048576', isDefault: false})
  })

  it('--compact sets cleanup.policy=compact', async () => {
    expect((await t(['topic', 'create', 'users', '--compact'])).code).toBe(0)
    const d = JSON.parse((await t(['topic', 'describe', 'users', '--json'])).stdout)
    expect(config(d, 'cleanup.policy')).toMatchObject({value: 'compact', isDefault: false})
    const list = JSON.parse((await t(['topic', 'list', '--json'])).stdout)
    expect(list.topics.find((x: {name: string}) => x.name === 'users').compact).toBe(true)
  })

  it('rejects unknown configs and bad values with the daemon message naming the config and range; nothing created', async () => {
    const unknown = await t(['topic', 'create', 'bad1', '--config', 'retention.hours=5'])
    expect(unknown.code).toBe(6)
    expect(lines(unknown.stderr)).toHaveLength(1)
    expect(unknown.stderr).toContain('retention.hours')

    const range = await t(['topic', 'create', 'bad2', '--config', 'segment.bytes=10'])
    expect(range.code).toBe(6)
    expect(range.stderr).toContain('segment.bytes')
    expect(range.stderr).toMatch(/1024/)

    const enumBad = await t(['topic', 'create', 'bad3', '--config', 'cleanup.policy=sometimes'])
    expect(enumBad.code).toBe(6)
    expect(enumBad.stderr).toContain('cleanup.policy')
    expect(enumBad.stderr).toContain('compact')

    expect(topicDirs(dir).some((d) => /^bad\d-/.test(d))).toBe(false)

    expect((await t(['topic', 'create', 'good', '--partitions', '1'])).code).toBe(0)
    const alterBad = await t(['topic', 'alter', 'good', '--config', 'min.cleanable.dirty.ratio=2'])
    expect(alterBad.code).toBe(6)
    expect(alterBad.stderr).toContain('min.cleanable.dirty.ratio')
  })

  it('bad --config syntax is a usage error (exit 2)', async () => {
    for (const args of [['topic', 'create', 'syn', '--config', 'retention.ms'], ['topic', 'create', 'syn', '--config', '=5'],
      ['topic', 'alter', 'syn', '--config', 'novalue'], ['topic', 'alter', 'syn']]) {
      const r = await t(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(lines(r.stderr)).toHaveLength(1)
    }
  })

  it('delete removes the topic directories from disk', async () => {
    expect((await t(['topic', 'create', 'gone', '--partitions', '2'])).code).toBe(0)
    expect(topicDirs(dir).filter((d) => d.startsWith('gone-'))).toHaveLength(2)
    const r = await t(['topic', 'delete', 'gone'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('deleted topic gone')
    expect(topicDirs(dir).filter((d) => d.startsWith('gone-'))).toEqual([])
    expect((await t(['topic', 'describe', 'gone'])).code).toBe(4)
    // and the name is free again
    expect((await t(['topic', 'create', 'gone'])).code).toBe(0)
  })

  it('describe shows per-partition offsets, size, segments and owner worker', async () => {
    expect((await t(['topic', 'create', 'desc', '--partitions', '4'])).code).toBe(0)
    const d = JSON.parse((await t(['topic', 'describe', 'desc', '--json'])).stdout)
    expect(d.name).toBe('desc')
    expect(d.partitions.map((p: {partition: number}) => p.partition)).toEqual([0, 1, 2, 3])
    for (const p of d.partitions) {
      expect(p).toMatchObject({logStartOffset: 0, logEndOffset: 0, online: true})
      expect(p.segments).toBeGreaterThanOrEqual(1)
      expect([0, 1]).toContain(p.worker)
    }
    expect(new Set(d.partitions.map((p: {worker: number}) => p.worker)).size).toBe(2)
  })
})
