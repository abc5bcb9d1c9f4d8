// The long profile of the kill -9 torture suite, run by `npm run torture -- --minutes N [--seed S]`
// (run.mjs passes them as TORTURE_MINUTES, TORTURE_SEED, TORTURE_ROUND_MINUTES, TORTURE_CONSUMERS: members of the group): rounds of the kill loop
// (kill-loop.ts), each on a fresh data directory for up to --round-minutes (default 10: long enough for
// __consumer_offsets to roll and be compacted under the kills), with seeds S, S+1, …, until N minutes
// have passed; then the summary table. Any anomaly or harness failure fails the run (exit 1), with the
// seed and the kept data directory printed.
import {afterAll, expect, it} from 'vitest'
import {cleanup, requireBuild} from '../support/index.js'
import {totalAnomalies} from './checker.js'
import {runTorture, type TortureResult} from './kill-loop.js'
import {summaryTable} from './summary.js'

afterAll(cleanup)

it('kill -9 torture, long profile', async () => {
  requireBuild()
  const minutes = Number(process.env.TORTURE_MINUTES ?? 5)
  const roundMinutes = Number(process.env.TORTURE_ROUND_MINUTES ?? 10)
  let seed = Number(process.env.TORTURE_SEED ?? Math.floor(Math.random() * 100_000))
  const end = Date.now() + minutes * 60_000
  const results: TortureResult[] = []
  process.stdout.write(`torture: long profile, ${minutes} min in rounds of up to ${roundMinutes} min, first seed ${seed}\n`)
  do {
    const deadlineMs = Math.max(10_000, Math.min(roundMinutes * 60_000, end - Date.now()))
    const consumers = Number(process.env.TORTURE_CONSUMERS ?? 2)
    const r = await runTorture({seed: seed++, deadlineMs, consumers, recoveryKillChance: 0.3, recoveryStorm: 30, log: (l) => process.stdout.write(`${l}\n`)})
    results.push(r)
    process.stdout.write(`${summaryTable([r])}\n`)
  } while (Date.now() < end - 10_000)
  process.stdout.write(`${summaryTable(results)}\n`)
  for (const r of results) {
    const where = `seed ${r.seed}${r.kept ? `, kept ${r.dir}` : ''}`
    expect(r.failure, where).toBeNull()
    expect(totalAnomalies(r.report!), `${r.report!.examples.join('\n')}\n${where}`).toBe(0)
  }
})
