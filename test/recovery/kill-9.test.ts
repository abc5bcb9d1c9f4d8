// A real crash: a child process appends and prints each acknowledged offset; it is killed with SIGKILL at
// a random moment; the log is reopened (recovery), checked by the offline verifier, and every
// acknowledged batch must be present, intact, at its offset. Repeated, appending to the same log.
import {execFileSync, spawn} from 'node:child_process'
import * as fs from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {decodeRecordBatch} from '../../src/format/record-batch.js'
import {verifyPartitionDir} from '../../src/storage/log-verifier.js'
import {config, open, removeDir, tempDir} from '../storage/helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const appender = join(here, 'fixtures', 'appender.mjs')
let data: string

/** dist/ must hold a build at least as new as src/storage and src/format. */
function ensureBuilt(): void {
  const built = join(root, 'dist', 'storage', 'partition-log.js')
  const newest = (d: string): number => Math.max(...fs.readdirSync(d).map((n) => fs.statSync(join(d, n)).mtimeMs))
  const srcTime = Math.max(newest(join(root, 'src', 'storage')), newest(join(root, 'src', 'format')))
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= srcTime) return
  try {
    execFileSync('npx', ['tsc', '-p', '.'], {cwd: root, stdio: 'pipe'})
  } catch {
    // type errors elsewhere in the tree do not stop tsc from emitting; the import below is the check
  }
}

interface Ack {
  base: number
  last: number
  tag: string
}

function crashOnce(dir: string, run: number, killAfterMs: number, flushEvery: number): Promise<{acks: Ack[]; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appender, dir, String(run), String(flushEvery)], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    let killed = false
    let timer: NodeJS.Timeout | undefined
    // the clock starts once the child has opened the log (start-up time varies a lot under load)
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
      if (timer === undefined && err.includes('opened')) {
        timer = setTimeout(() => {
          killed = true
          child.kill('SIGKILL')
        }, killAfterMs)
      }
    })
    child.on('error', reject)
    child.on('exit', () => {
      clearTimeout(timer)
      if (!killed) return reject(new Error(`appender exited by itself: ${err}`))
      const lines = out.split('\n')
      lines.pop() // a partial last line was never acknowledged
      resolve({
        acks: lines.map((l) => {
          const [base, last, tag] = l.split(' ')
          return {base: Number(base), last: Number(last), tag: tag!}
        }),
        stderr: err,
      })
    })
  })
}

beforeAll(() => {
  ensureBuilt()
  data = tempDir()
})
afterAll(() => removeDir(data))

describe('kill -9', () => {
  it('every acknowledged batch survives, at its offset, through repeated crashes', async () => {
    const dir = join(data, 'crash-0')
    const acked: Ack[] = []
    for (let run = 0; run < 4; run++) {
      const {acks, stderr} = await crashOnce(dir, run, 100 + Math.floor(Math.random() * 400), run % 2 === 0 ? 0 : 5)
      expect(acks.length, stderr).toBeGreaterThan(0)
      acked.push(...acks)

      const log = open(dir, {config: config({'segment.bytes': 64 * 1024, 'index.interval.bytes': 1024})})
      expect(log.online).toBe(true)
      expect(log.recovery.quarantined).toBeNull()
      expect(log.logEndOffset).toBeGreaterThanOrEqual(acked[acked.length - 1]!.last + 1)
      // offsets were never reused (a batch appended but killed before its ack may sit in between)
      for (let i = 1; i < acked.length; i++) expect(acked[i]!.base).toBeGreaterThan(acked[i - 1]!.last)
      for (const a of acked) {
        const {bytes} = log.read(a.base, 1)
        const {header, records} = decodeRecordBatch(bytes)
        expect(header.baseOffset).toBe(a.base)
        expect(records.map((r) => r.value!.toString().split(' ')[0])).toEqual(records.map((_, j) => `${a.tag}-${j}`))
        expect(records[records.length - 1]!.offset).toBe(a.last)
      }
      // and the log itself has no gap: batches are contiguous from 0 to the log end
      let next = 0
      while (next < log.logEndOffset) {
        const {bytes} = log.read(next, 1 << 20)
        for (let p = 0; p < bytes.length; p += bytes.readInt32BE(p + 8) + 12) {
          expect(bytes.readInt32BE(p + 4)).toBe(next)
          next += bytes.readInt32BE(p + 23) + 1
        }
      }
      log.close()
      expect(verifyPartitionDir(dir).problems).toEqual([])
    }
  }, 60_000)
})
