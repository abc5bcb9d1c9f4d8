#!/usr/bin/env node
// Bundles the CLI into one file, dist/bundle/cli.cjs, and writes V8's code cache for it (run by `npm run
// build`, after tsc and before the manifest); bin/run.js loads the two with bin/load-cli.js. Node then
// reads one file instead of resolving, reading and compiling ~150 (oclif's ~100 CommonJS modules and
// ours), and takes most of the compiled code from the cache; oclif finds the commands in the bundle's
// COMMANDS export (package.json oclif.commands, strategy "explicit") instead of in a directory.
// What loads late still loads late: the bundle holds every module, but a module behind an `await import()`
// (the Kafka client with --brokers, the consumer, chokidar for --follow, the foreground daemon) runs only
// when imported, and cli-table3, lz4's binding and @node-rs/crc32 are still required from node_modules on
// first use. It is built from tsc's output in dist/, so tsc stays the one compiler; the rest of dist/ is
// kept (the daemon and its worker threads run from it, and the tests use it).
import {readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
const outdir = join(dist, 'bundle')
const outfile = join(outdir, 'cli.cjs')

// Every compiled command, by its oclif id (dist/commands/topic/list.js → "topic:list"): nothing hand-kept.
const commandsDir = join(dist, 'commands')
const commands = readdirSync(commandsDir, {withFileTypes: true, recursive: true})
  .filter((e) => e.isFile() && e.name.endsWith('.js'))
  .map((e) => join(e.parentPath, e.name))
  .sort()
  .map((file) => ({file, id: relative(commandsDir, file).replace(/\.js$/, '').split(sep).join(':')}))
if (commands.length === 0) throw new Error('no commands found in dist/commands: run tsc first')

// COMMANDS has a getter per command, and each getter a require(): esbuild wraps each command module (and
// what only it imports) in a function run at its first require, so a start initialises only the command it
// runs — `samsa --version` none — as loading one file per command did. oclif reads COMMANDS[id] for the
// command it runs (the manifest lists them all); only building the manifest enumerates it.
const entry = [
  "export {execute} from '@oclif/core/execute'",
  "export {Config} from '@oclif/core/config'",
  'export const COMMANDS = {',
  ...commands.map((c) => `  get ${JSON.stringify(c.id)}() { return require(${JSON.stringify('./' + relative(dist, c.file).split(sep).join('/'))}).default },`),
  '}',
].join('\n')

// Each file is rewritten as it is loaded, so the source map stays exact (test/bench/cpu-split maps profile
// frames in the bundle back to the files they came from with it):
// - a bundled module keeps the import.meta.url of the file it came from (relative to the bundle, so the
//   checkout can move), so the paths it builds from it — the daemon entry autostart spawns, the worker
//   threads, the package.json the daemon reads its version from, createRequire's look-ups in node_modules —
//   stay what they were; tsc's sourceMappingURL goes, so the map names dist/*.js, what runs;
// - an import() of a name only known at run time (oclif loading a hook or a user's plugin) goes through
//   __samsaImport (the banner): bin/load-cli.js's own import() when it loads the bundle (code compiled by
//   vm.Script has no loader for import()), a plain import() when Node's require() loads it (the manifest
//   build); an import() of a literal name is bundled by esbuild;
// - characters outside ASCII are written as \u escapes (one in ansis's source, in a regular expression), so
//   Node reads the bundle as a one-byte string: ~4 ms less at every start.
const RUNTIME_IMPORT = /(?<![\w$.])import\((?!\s*['"`)])/g
const rewrite = {
  name: 'samsa-bundle-rewrite',
  setup(b) {
    b.onLoad({filter: /\.[cm]?js$/}, async (args) => {
      let source = await readFile(args.path, 'utf8')
      if (args.path.startsWith(dist + sep)) {
        source = source.replace(/^\/\/# sourceMappingURL=.*$/m, '')
        const from = JSON.stringify(relative(outdir, args.path).split(sep).join('/'))
        source = source.replaceAll('import.meta.url', `new URL(${from}, require('node:url').pathToFileURL(__filename)).href`)
        if (source.includes('import.meta')) throw new Error(`${args.path}: import.meta other than .url has no meaning in the bundle`)
      }
      source = source.replace(RUNTIME_IMPORT, '__samsaImport(').replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      return {contents: source, loader: 'js'}
    })
  },
}

rmSync(outdir, {recursive: true, force: true})
await build({
  stdin: {contents: entry, resolveDir: dist, sourcefile: 'cli.js', loader: 'js'},
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile,
  // native bindings, and oclif's optional look-ups (TypeScript sources in development, Yarn PnP): loaded
  // from node_modules at run time, as before
  external: ['@node-rs/crc32', 'lz4', 'typescript', 'ts-node', 'tsx', 'pnpapi'],
  // "use strict": the modules were ES modules, strict mode included
  banner: {js: '"use strict";var __samsaImport=typeof __samsaEsmImport==="function"?__samsaEsmImport:(specifier)=>import(specifier);'},
  plugins: [rewrite],
  logLevel: 'warning',
  legalComments: 'none',
  minifyWhitespace: true,
  charset: 'ascii',
  sourcemap: 'external',
})
const bundled = readFileSync(outfile, 'utf8')
const imports = (bundled.match(/__samsaImport\(/g)?.length ?? 0)
// the output is what Node reads fast, and its one import() left is the banner's own
if (/[^\0-\x7f]/.test(bundled)) throw new Error(`${outfile} is not ASCII`)
if ((bundled.match(/(?<![\w$.])import\((?!\))/g)?.length ?? 0) !== 1) throw new Error(`${outfile}: an import() not through __samsaImport`)

// The code cache: V8's bytecode for what a start runs — the bundle's top level, oclif loading its config
// and the manifest, every command module's own top level. Functions compiled later in a run (a command's
// work) are compiled then, as without a cache.
const {loadCli, CODE_CACHE} = await import('./load-cli.js')
const {exports, script} = loadCli({useCache: false})
await exports.Config.load(root)
for (const id of Object.keys(exports.COMMANDS)) void exports.COMMANDS[id]
writeFileSync(CODE_CACHE, script.createCachedData())
console.log(`${relative(root, outfile)}: ${commands.length} commands, ${imports} run-time import() calls, with a code cache`)
