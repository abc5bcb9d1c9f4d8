// `npm run bench`: runs every test/bench/*.bench.mjs in its own process, one after another, so one
// benchmark's heap and page cache state do not skew the next. BENCH_RECORDS lowers record counts;
// pass names to run a subset: `npm run bench -- storage daemon`.
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

let failed = 0
for (const file of files) {
  console.log(`\n== ${file} ==`)
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, file)], {stdio: 'inherit'})
  if (r.status !== 0) {
    failed++
    console.log(`${file} exited with ${r.status ?? r.signal}`)
  }
}
process.exit(failed ? 1 : 0)
