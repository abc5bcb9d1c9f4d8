// The torture suite's quick profile, part of every `npm test`: kill -9 of the daemon under load (several
// producers with acks 1 and all, committing group members), over 100 times in all, with crashes during
// recovery; `samsa log verify` clean after every restart, and not one anomaly of any class in the ack
// ledger against the final read. TORTURE_SEED=N reruns one seed; the seed is printed either way, and a
// failing run keeps its data directory and ledger (path printed). The long profile: `npm run torture`.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, requireBuild} from '../support/index.js'
import {CLASSES} from './checker.js'
import {runTorture, type TortureResult} from './kill-loop.js'
import {summaryTable} from './summary.js'

beforeAll(requireBuild)
afterAll(cleanup)

const seed = Number(process.env.TORTURE_SEED ?? Math.floor(Math.random() * 100_000))

function expectClean(r: TortureResult): void {
  const where = `seed ${r.seed}${r.kept ? `, kept ${r.dir}` : ''}`
  expect(r.failure, where).toBeNull()
  expect(r.report!.examples, where).toEqual([])
  for (const cls of CLASSES) expect(r.report!.anomalies[cls], `${cls} (${where})`).toBe(0)
}

describe('kill -9 torture (quick profile)', () => {
  const results: TortureResult[] = []
  afterAll(() => {
    if (results.length > 0) process.stderr.write(`${summaryTable(results)}\n`)
  })

  it('loses, doubles and moves nothing acknowledged, and commits never go back, through kill -9 under load', async () => {
    const r = await runTorture({seed, iterations: 40, minKills: 80, recoveryKillChance: 0.35})
    results.push(r)
    expectClean(r)
    // real load happened: acknowledgements and commits in every round, reads checked
    expect(r.report!.acks).toBeGreaterThanOrEqual(r.iterations)
    expect(r.report!.commitsAcked).toBeGreaterThanOrEqual(r.iterations)
    expect(r.report!.readRecords).toBeGreaterThan(0)
    expect(r.verifies).toBe(r.iterations + 1) // after every restart, and after the clean stop at the end
  }, 600_000)

  it('survives kill -9 during recovery many times in a row: a clean start then verifies and holds every ack', async () => {
    const r = await runTorture({seed: seed + 1, iterations: 3, recoveryKillChance: 0, recoveryStorm: 20})
    results.push(r)
    expectClean(r)
    expect(r.kills).toBeGreaterThanOrEqual(3 + 1 + 20)
    expect(r.killsInRecovery).toBeGreaterThan(0) // most land there; how many depends on the machine's speed
    expect(r.report!.ackedRecords).toBeGreaterThan(0)
  }, 600_000)

  it('runs over 100 kill -9s in all', () => {
    expect(results.reduce((n, r) => n + r.kills, 0)).toBeGreaterThanOrEqual(100)
  })
})
