// The CLI runs from dist/bundle/cli.cjs with the V8 code cache the build writes beside it (bin/build-cli.js,
// bin/load-cli.js). A cache V8 refuses is silently compiled around, so nothing but start-up time would show
// it: this checks that V8 takes it, in a plain `node` as a user runs it, and that the bundle still starts
// only what a command needs (`samsa --version` loads no native binding, no table or Kafka code).
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const loader = pathToFileURL(join(root, 'bin', 'load-cli.js')).href

function node(script: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: root, encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}})
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return r.stdout
}

describe('the bundled CLI', () => {
  it('is compiled from the code cache the build wrote', () => {
    const out = node(`const {loadCli} = await import(${JSON.stringify(loader)}); const {script} = loadCli(); console.log(JSON.stringify(script.cachedDataRejected))`)
    expect(out.trim()).toBe('false')
  })

  it('starts no command it does not run: --version loads no native binding and no lazy module', () => {
    const out = node(
      `import {createRequire} from 'node:module'
      const {loadCli, BUNDLE} = await import(${JSON.stringify(loader)})
      await loadCli().exports.execute({dir: ${JSON.stringify(join(root, 'bin', 'run.js'))}, args: ['--version']})
      console.log(JSON.stringify(Object.keys(createRequire(BUNDLE).cache)))`,
    )
    const [version, loaded] = out.trim().split('\n')
    expect(version).toMatch(/^samsa\/\d+\.\d+\.\d+ /)
    const files = JSON.parse(loaded) as string[]
    expect(files.some((f) => f.endsWith('cli.cjs'))).toBe(true)
    expect(files.filter((f) => /\.node$|@node-rs|cli-table3|lz4/.test(f))).toEqual([])
  })
})
