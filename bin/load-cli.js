// Loads the bundled CLI, dist/bundle/cli.cjs (bin/build-cli.js), with the V8 code cache written beside it at
// build time: V8 then takes the compiled bytecode of oclif's and samsa's start-up functions from the cache
// instead of parsing and compiling them again on every run. Node 20 has no module.enableCompileCache, and
// its loaders accept no cache, so the file is compiled here as Node's CommonJS loader would compile it
// (its wrapper, filename and require) with vm.Script's cachedData. A cache V8 does not accept (another
// Node version, other V8 flags) is ignored, and the file is compiled from source: slower, nothing else.
import {readFileSync} from 'node:fs'
import {Module, createRequire} from 'node:module'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

export const BUNDLE = fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url))
export const CODE_CACHE = `${BUNDLE}.v8cache`

/** Runs the bundle once per process and returns its exports ({execute, COMMANDS, Config}) and its script. */
export function loadCli({useCache = true} = {}) {
  const require = createRequire(BUNDLE)
  const loaded = require.cache[BUNDLE]
  if (loaded) return {exports: loaded.exports, script: null}
  let cachedData
  if (useCache) {
    try {
      cachedData = readFileSync(CODE_CACHE)
    } catch {} // no cache (or unreadable): compile from source
  }
  // CommonJS's wrapper, and one more parameter: the bundle's run-time import() calls come here (see
  // __samsaImport in bin/build-cli.js), to Node's own ESM loader, with absolute URLs
  const source = `(function (exports, require, module, __filename, __dirname, __samsaEsmImport) {${readFileSync(BUNDLE, 'utf8')}\n})`
  const script = new vm.Script(source, {filename: BUNDLE, cachedData})
  const module = new Module(BUNDLE)
  module.filename = BUNDLE
  // oclif require()s its commands target, which is this file: it must get this instance, not a second one
  require.cache[BUNDLE] = module
  script.runInThisContext()(module.exports, require, module, BUNDLE, dirname(BUNDLE), (specifier) => import(specifier))
  module.loaded = true
  return {exports: module.exports, script}
}
