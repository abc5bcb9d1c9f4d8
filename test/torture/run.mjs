#!/usr/bin/env node
// `npm run torture -- --minutes N [--seed S] [--round-minutes M] [--consumers C]`: the long profile of the kill -9 torture
// suite (long.torture.ts, under its own vitest config so that `npm test` never runs it). npm builds first.
// Prints a summary table per round and for the run; exits non-zero on any anomaly or harness failure.
import {spawnSync} from 'node:child_process'
import {parseArgs} from 'node:util'

const usage = 'usage: npm run torture -- --minutes N [--seed S] [--round-minutes M] [--consumers C]'
let values
try {
  values = parseArgs({options: {minutes: {type: 'string', default: '5'}, seed: {type: 'string'}, 'round-minutes': {type: 'string', default: '10'}, consumers: {type: 'string', default: '2'}}}).values
} catch (err) {
  process.stderr.write(`samsa torture: ${err.message}\n${usage}\n`)
  process.exit(2)
}
const bad = (name, what) => {
  process.stderr.write(`samsa torture: --${name} must be ${what}, not ${JSON.stringify(values[name])}\n${usage}\n`)
  process.exit(2)
}
for (const name of ['minutes', 'round-minutes']) if (!(Number(values[name]) > 0)) bad(name, 'a positive number of minutes')
if (values.seed !== undefined && !/^\d+$/.test(values.seed)) bad('seed', 'a whole number')
if (!/^[1-9]\d*$/.test(values.consumers)) bad('consumers', 'a positive whole number')
const env = {...process.env, TORTURE_MINUTES: values.minutes, TORTURE_ROUND_MINUTES: values['round-minutes'], TORTURE_CONSUMERS: values.consumers}
if (values.seed !== undefined) env.TORTURE_SEED = values.seed
const vitest = spawnSync('npx', ['vitest', 'run', '--config', 'test/torture/vitest.long.config.ts'], {stdio: 'inherit', env, cwd: new URL('../..', import.meta.url)})
process.exit(vitest.status ?? 1)
