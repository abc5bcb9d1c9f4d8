#!/usr/bin/env node
// Node ignores SIGPIPE: a closed pipe (`samsa … | head -1`) surfaces as EPIPE on stdout.
// The reader has all it wanted, so leave quietly with success, as `cat` does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

// The bundled CLI (oclif and every command in one file, dist/bundle/cli.cjs) and its V8 code cache: one file
// to read and little to compile, not ~150 modules to resolve and compile (bin/build-cli.js)
const {loadCli} = await import('./load-cli.js')
let cli
try {
  cli = loadCli().exports
} catch (err) {
  if (err.code !== 'ENOENT') throw err
  process.stderr.write(`samsa: ${err.path} is missing: run \`npm run build\`\n`) // tsc alone makes no bundle
  process.exit(1)
}
await cli.execute({dir: import.meta.url})
