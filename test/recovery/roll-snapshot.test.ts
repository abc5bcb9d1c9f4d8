// A kill -9 between the runs of an idempotent produce that rolls a segment (found by the torture suite,
// seed 17835): the roll snapshots the producer state, and that snapshot must already hold the batches
// written before the roll — recovery trusts it — or the producer's retry of the unanswered request is taken
// as new and its first records are stored twice. The retry then appends only what the crash cut off.
import {spawnSync} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'
import {LOG_CONFIG_DEFAULTS} from '../../src/storage/log-config.js'
import {PartitionLog} from '../../src/storage/partition-log.js'
import {requireBuild} from '../support/daemon.js'
import {readAll, removeDir, tempDir} from '../storage/helpers.js'
import {request} from './fixtures/roll-request.mjs'

const killer = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'roll-killer.mjs')
const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))
const seqs = (log: PartitionLog) => readAll(log).map(([offset, v]) => `${offset}:${v.split(' ')[1]}`)

describe('kill -9 after a roll inside one produce request', () => {
  it("the producer's retry stores every record once, at consecutive offsets, and is answered for both parts", () => {
    requireBuild()
    const dir = tempDir()
    dirs.push(dir)
    const child = spawnSync(process.execPath, [killer, dir], {encoding: 'utf8'})
    expect(child.signal, child.stderr).toBe('SIGKILL')

    const config = {...LOG_CONFIG_DEFAULTS, 'segment.bytes': 1024}
    let log = PartitionLog.open({dir, config})
    // the crash left the request's first batch (sequences 5–6) in the log; its second was never written
    expect(seqs(log)).toEqual(['0:0', '1:1', '2:2', '3:3', '4:4', '5:5', '6:6'])
    const retry = log.append(request())
    expect(retry).toMatchObject({baseOffset: 7, lastOffset: 11, retried: {baseOffset: 5, lastOffset: 6}})
    expect(seqs(log)).toEqual(Array.from({length: 12}, (_, i) => `${i}:${i}`))
    log.close()

    // and once more after a reopen: the whole request is now a duplicate
    log = PartitionLog.open({dir, config})
    expect(log.append(request())).toMatchObject({baseOffset: 5, lastOffset: 11, duplicate: true})
    expect(log.logEndOffset).toBe(12)
    log.close()
  })
})
