// `npm run bench`: runs every test/bench/*.bench.mjs in its own process, one after another, so one
// benchmark's heap and page cache state do not skew the next. BENCH_RECORDS lowers record counts;
// pass names to run a subset: `npm run bench -- storage daemon`. Arguments from the first one starting
// with '-' on are passed to each benchmark: `npm run bench -- peers --records 10000000`.
// peers.bench.mjs (issue 15) runs only when named: it installs and starts Redis and NATS servers and
// takes minutes.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const OPT_IN = ['peers.bench.mjs']
const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const firstOption = args.findIndex((a) => a.startsWith('-'))
const wanted = firstOption < 0 ? args : args.slice(0, firstOption)
const passed = firstOption < 0 ? [] : args.slice(firstOption)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => (wanted.length === 0 ? !OPT_IN.includes(f) : wanted.some((w) => f.startsWith(w))))
  .sort()

let failed = 0
for (const file of files) {
  console.log(`\n== ${file} ==`)
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, file), ...passed], {stdio: 'inherit'})
  if (r.status !== 0) {
    failed++
    console.log(`${file} exited with ${r.status ?? r.signal}`)
  }
}
process.exit(failed ? 1 : 0)
