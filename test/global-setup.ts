// Integration tests run the compiled daemon and CLI from dist/ (worker threads cannot load .ts): fail the
// whole run at once with a clear message when dist/ is missing, rather than skipping those tests.
import {existsSync} from 'node:fs'
import {join} from 'node:path'

export default function setup(): void {
  const root = join(import.meta.dirname, '..')
  for (const file of ['dist/engine/main.js', 'dist/engine/worker/main.js', 'dist/commands/produce.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`)
  }
}
