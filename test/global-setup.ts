// Integration tests run the compiled daemon and CLI from dist/ (worker threads cannot load .ts): fail the
// whole run at once with a clear message when dist/ is missing, rather than skipping those tests. The CLI
// runs from the bundle bin/build-cli.js makes of tsc's output, so a bundle older than that output (tsc run
// alone) would test yesterday's CLI: that fails the run too.
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

const BUNDLE = 'dist/bundle/cli.cjs'

export default function setup(): void {
  const root = join(import.meta.dirname, '..')
  for (const file of ['dist/engine/main.js', 'dist/engine/worker/main.js', 'dist/commands/produce.js', BUNDLE, `${BUNDLE}.v8cache`]) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`)
  }
  const bundled = statSync(join(root, BUNDLE)).mtimeMs
  const dist = join(root, 'dist')
  const newer = readdirSync(dist, {recursive: true, withFileTypes: true}).find(
    (e) => e.isFile() && e.name.endsWith('.js') && !e.parentPath.startsWith(join(dist, 'bundle')) && statSync(join(e.parentPath, e.name)).mtimeMs > bundled,
  )
  if (newer) throw new Error(`${BUNDLE} is older than dist/${join(newer.parentPath, newer.name).slice(dist.length + 1)}: run \`npm run build\` (npm test does)`)
}
