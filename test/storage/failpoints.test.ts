// The failpoint registry and SAMSA_FAILPOINTS's parser (storage/failpoints.ts) over real files: each named
// point acts on the file operation it names, before or after it (an error after means the operation took
// effect and its caller is told it failed); topic/path filters and after/times count as documented; a
// wrong rule is refused in one line naming the known points; nothing armed is plain file I/O.
import * as fs from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {writeFileDurably} from '../../src/storage/checkpoint.js'
import {armFailpoints, FILE_FAILPOINTS, PRODUCE_FAILPOINTS} from '../../src/storage/failpoints.js'
import {nodeFileIo} from '../../src/storage/file-io.js'
import {removeDir, tempDir} from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tempDir()
  fs.mkdirSync(`${dir}/t-0`)
  fs.mkdirSync(`${dir}/u-0`)
})
afterEach(() => removeDir(dir))

const SEGMENT = '00000000000000000000.log'
const arm = (rules: object[]) => {
  const said: string[] = []
  const armed = armFailpoints(JSON.stringify(rules), nodeFileIo, (l) => said.push(l))
  return {io: armed.io!, produce: armed.produce, said}
}

describe('failpoints', () => {
  it('unarmed: no FileIo wrapper at all (storage keeps its plain I/O)', () => {
    expect(armFailpoints(undefined, nodeFileIo, () => {})).toEqual({io: undefined, produce: []})
    expect(armFailpoints('', nodeFileIo, () => {})).toEqual({io: undefined, produce: []})
  })

  it('before-write refuses the write; after-write lets it land and reports the error; only segment .log files of that topic', () => {
    const {io, said} = arm([
      {point: 'before-write', action: 'ENOSPC', topic: 't'},
      {point: 'after-write', action: 'EIO', topic: 'u'},
    ])
    const t = io.open(`${dir}/t-0/${SEGMENT}`, 'write')
    expect(() => t.write(Buffer.from('abc'), 0, 3, 0)).toThrow(/ENOSPC/)
    expect(fs.statSync(`${dir}/t-0/${SEGMENT}`).size).toBe(0)
    const u = io.open(`${dir}/u-0/${SEGMENT}`, 'write')
    expect(() => u.write(Buffer.from('abc'), 0, 3, 0)).toThrow(/EIO/)
    expect(fs.readFileSync(`${dir}/u-0/${SEGMENT}`, 'utf8')).toBe('abc')
    const index = io.open(`${dir}/t-0/00000000000000000000.index`, 'write') // not a .log: no point
    expect(index.write(Buffer.from('abc'), 0, 3, 0)).toBe(3)
    for (const f of [t, u, index]) f.close()
    expect(said).toEqual([
      `failpoint before-write: ENOSPC before write '${dir}/t-0/${SEGMENT}'`,
      `failpoint after-write: EIO after write '${dir}/u-0/${SEGMENT}'`,
    ])
  })

  it('short-write on before-write writes half and returns the count; after/times pick which hits', () => {
    const {io} = arm([{point: 'before-write', action: 'short-write', after: 1, times: 1}])
    const f = io.open(`${dir}/t-0/${SEGMENT}`, 'write')
    expect(f.write(Buffer.alloc(10, 1), 0, 10, 0)).toBe(10) // let through
    expect(f.write(Buffer.alloc(10, 2), 0, 10, 10)).toBe(5) // short
    expect(f.write(Buffer.alloc(10, 3), 0, 10, 15)).toBe(10) // times: 1
    f.close()
    expect(fs.statSync(`${dir}/t-0/${SEGMENT}`).size).toBe(25)
  })

  it('the checkpoint points stop writeFileDurably at each step: old file, old file, new file', () => {
    const path = `${dir}/t-0/recovery-point.checkpoint`
    fs.writeFileSync(path, 'old')
    for (const [point, after] of [['checkpoint-tmp-written', 'old'], ['checkpoint-before-rename', 'old'], ['checkpoint-after-rename', 'new']] as const) {
      const {io} = arm([{point, action: 'EIO', pathPattern: 'recovery-point'}])
      expect(() => writeFileDurably(path, 'new', io)).toThrow(expect.objectContaining({code: 'STORAGE_ERROR'}))
      expect(fs.readFileSync(path, 'utf8'), point).toBe(after)
      fs.writeFileSync(path, 'old')
    }
  })

  it('the compaction points tell the renames apart by suffix: to .swap, to .deleted, from .swap to the final name', () => {
    const base = `${dir}/t-0/${SEGMENT}`
    fs.writeFileSync(`${base}.cleaned`, 'new')
    fs.writeFileSync(base, 'old')
    const {io, said} = arm([
      {point: 'compaction-cleaned-written', action: 'sleep', ms: 0},
      {point: 'compaction-renamed-to-swap', action: 'sleep', ms: 0},
      {point: 'compaction-renamed-to-deleted', action: 'sleep', ms: 0},
      {point: 'compaction-renamed-to-final', action: 'sleep', ms: 0},
      {point: 'compaction-before-unlink-deleted', action: 'sleep', ms: 0},
      {point: 'before-segment-unlink', action: 'sleep', ms: 0},
    ])
    io.rename(`${base}.cleaned`, `${base}.swap`)
    io.rename(base, `${base}.deleted`)
    io.rename(`${base}.swap`, base)
    io.unlink(`${base}.deleted`)
    io.unlink(base)
    expect(said.map((l) => l.split(':')[0])).toEqual([
      'failpoint compaction-cleaned-written',
      'failpoint compaction-renamed-to-swap',
      'failpoint compaction-renamed-to-deleted',
      'failpoint compaction-renamed-to-final',
      'failpoint compaction-before-unlink-deleted',
      'failpoint before-segment-unlink',
    ])
  })

  it('EIO on read: raw rules take op read, which "any" (a crash at the k-th disk change) leaves out', () => {
    fs.writeFileSync(`${dir}/t-0/${SEGMENT}`, 'abc')
    const {io} = arm([{op: 'read', action: 'EIO', path: '.log'}])
    const f = io.open(`${dir}/t-0/${SEGMENT}`, 'read')
    expect(() => f.read(Buffer.alloc(3), 0, 3, 0)).toThrow(/EIO: i\/o error, read/)
    f.close()
    const any = arm([{op: 'any', action: 'EIO'}]).io
    expect(any.readFile(`${dir}/t-0/${SEGMENT}`)!.toString()).toBe('abc')
    expect(() => any.unlink(`${dir}/t-0/${SEGMENT}`)).toThrow(/EIO/)
  })

  it('produce points are the worker\'s: kill or sleep, with topic and after', () => {
    expect(arm([{point: 'before-ack', action: 'kill', topic: 't', after: 2}]).produce).toEqual([{point: 'before-ack', action: 'kill', topic: 't', after: 2, ms: 0}])
    expect(Object.keys(PRODUCE_FAILPOINTS)).toEqual(['after-write-before-ack', 'before-ack'])
  })

  it('a wrong rule is refused in one line that says what is wrong', () => {
    const refuse = (rules: unknown) => () => armFailpoints(JSON.stringify(rules), nodeFileIo, () => {})
    expect(refuse([{point: 'befor-fsync', action: 'kill'}])).toThrow(/^unknown failpoint befor-fsync \(known: before-write, after-write, before-fsync, /)
    expect(refuse([{point: 'before-fsync', action: 'explode'}])).toThrow(/^unknown action explode \(known: ENOSPC, EIO, short-write, kill, sleep\)$/)
    expect(refuse([{point: 'after-fsync', action: 'short-write'}])).toThrow(/^after-fsync is not before a write: short-write does not apply$/)
    expect(refuse([{point: 'before-ack', action: 'EIO'}])).toThrow(/^before-ack takes kill or sleep, not EIO$/)
    expect(refuse([{point: 'before-write', action: 'sleep'}])).toThrow(/needs "ms"/)
    expect(refuse({point: 'before-write'})).toThrow(/JSON array/)
    expect(refuse([{action: 'EIO'}])).toThrow(/needs a "point" or an "op"/)
    expect(() => armFailpoints('[{', nodeFileIo, () => {})).toThrow(SyntaxError)
    expect(Object.keys(FILE_FAILPOINTS)).toHaveLength(15)
  })

  it('every named point has a crash case in test/faults (a new point without one fails here)', () => {
    const suites = fs.readdirSync('test/faults').filter((n) => n.endsWith('.test.ts')).map((n) => fs.readFileSync(`test/faults/${n}`, 'utf8')).join('\n')
    const untested = [...Object.keys(FILE_FAILPOINTS), ...Object.keys(PRODUCE_FAILPOINTS)].filter((name) => !suites.includes(`'${name}'`))
    expect(untested).toEqual([])
  })
})
