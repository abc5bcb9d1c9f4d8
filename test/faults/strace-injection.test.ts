// Black-box fault injection with strace (README Guarantees, rule 2): the daemon runs under `strace -f -P
// <one segment file> -e inject=…`, so the kernel's answer to its own syscalls on that one file is replaced
// — ENOSPC or EIO for pwrite64 (what Node's positional fs.writeSync is on Linux), EIO for fdatasync —
// with no failpoint and no test hook in the process. The daemon must report the error cleanly (one line,
// naming the file), take that partition offline, keep serving the others, and lose no acknowledged
// record: a restart without strace serves every one, `samsa log verify` finds nothing wrong, and writes
// resume. Unscoped injection would hit Node's own files too; -P keeps it to the segment.
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiKey} from '../../src/protocol/control/messages.js'
import {TestClient} from '../engine/helpers.js'
import {cleanup, daemonPids, requireBuild, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'
import {Ledger, expectVerifyClean, keyedBatch, readPartition} from './helpers.js'

beforeAll(requireBuild)
afterAll(cleanup)

// Fails loudly rather than passing silently where strace cannot work (.ci/run installs it; a container
// without CAP_SYS_PTRACE, or with ptrace disabled by seccomp or yama, cannot attach).
beforeAll(() => {
  const r = spawnSync('strace', ['-o', '/dev/null', 'true'], {encoding: 'utf8'})
  if (r.error) throw new Error(`strace is needed for black-box fault injection and could not run: ${r.error.message} (apt-get install strace)`)
  if (r.status !== 0) throw new Error(`strace cannot trace here (ptrace not permitted?): ${r.stderr.trim()}`)
})

const SEGMENT = '00000000000000000000.log'

const cases: Array<[string, string, -1 | 1, RegExp]> = [
  ['ENOSPC on pwrite64', 'inject=pwrite64:error=ENOSPC:when=3+', 1, /victim-0\/00000000000000000000\.log: write of \d+ bytes at position \d+ failed: ENOSPC/],
  ['EIO on pwrite64', 'inject=pwrite64:error=EIO:when=3+', 1, /victim-0\/00000000000000000000\.log: write of \d+ bytes at position \d+ failed: EIO/],
  ['EIO on fdatasync (acks=all)', 'inject=fdatasync:error=EIO:when=3+', -1, /victim-0\/00000000000000000000\.log: fdatasync failed: EIO/],
]

describe('strace fault injection on one segment file of a running daemon', () => {
  for (const [name, inject, acks, message] of cases) {
    it(`${name}: one-line error, that partition offline, the other served, nothing acknowledged lost`, async () => {
      const dataDir = tempDir()
      const topics = ['victim', 'bystander']
      const ledgers = new Map(topics.map((t) => [t, new Ledger()]))
      {
        const d = await spawnDaemon(dataDir, {workers: 1})
        const c = await TestClient.connect(d.socket)
        for (const t of topics) await c.request(ApiKey.CreateTopic, {name: t, partitions: 1, configs: {}, ifNotExists: false})
        for (const t of topics) expect(await ledgers.get(t)!.produce(c, t, `${t}-first-`, 5, 1)).toBe(true)
        c.close()
        expect(await stopDaemon(d)).toBe(0)
      }
      const segment = join(dataDir, 'victim-0', SEGMENT)
      const traced = await spawnDaemon(dataDir, {workers: 1, wrapper: ['strace', '-f', '-qq', '-o', '/dev/null', '-P', segment, '-e', `trace=${inject.split('=')[1]!.split(':')[0]}`, '-e', inject]})
      const c = await TestClient.connect(traced.socket)
      let error: {code: string; message: string} | undefined
      for (let i = 0; i < 20 && error === undefined; i++) {
        const r = await c.request(ApiKey.Produce, {topic: 'victim', partition: 0, acks, timeoutMs: 5000}, keyedBatch(5, `b${i}-`))
        if (r.body.error) error = r.body.error
        else for (let j = 0; j < 5; j++) ledgers.get('victim')!.acked.set(r.body.baseOffset + j, `b${i}-${j}`)
      }
      expect(error).toMatchObject({code: 'STORAGE_ERROR', message: expect.stringMatching(message)})
      expect(error!.message).not.toMatch(/\n/)
      expect(ledgers.get('victim')!.acked.size).toBeGreaterThan(5) // some writes went through before the injection began
      expect((await c.request(ApiKey.Produce, {topic: 'victim', partition: 0, acks: 1, timeoutMs: 5000}, keyedBatch(1, 'late'))).body.error.code).toBe('PARTITION_OFFLINE')
      expect(await ledgers.get('bystander')!.produce(c, 'bystander', 'during-', 5, -1)).toBe(true)
      ledgers.get('victim')!.check(await readPartition(c, 'victim')) // what was acknowledged is still served
      expect(traced.output()).toMatch(/partition victim-0 is now offline/)
      c.close()
      const [pid] = daemonPids(dataDir).filter((p) => p !== traced.pid) // strace's command line names the data dir too
      process.kill(pid!, 'SIGTERM') // the daemon, not strace: strace exits with it
      expect(await traced.exited).toBe(0)

      expectVerifyClean(dataDir, 'after the injected faults')
      const again = await spawnDaemon(dataDir, {workers: 1})
      const c2 = await TestClient.connect(again.socket)
      for (const t of topics) {
        const stored = await readPartition(c2, t)
        ledgers.get(t)!.check(stored)
        const next = await c2.request(ApiKey.Produce, {topic: t, partition: 0, acks: -1, timeoutMs: 5000}, keyedBatch(1, 'after'))
        expect(next.body.baseOffset).toBe(stored[stored.length - 1]!.offset + 1)
      }
      c2.close()
      expect(await stopDaemon(again)).toBe(0)
    })
  }
})
