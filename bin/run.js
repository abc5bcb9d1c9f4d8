#!/usr/bin/env node
// Node ignores SIGPIPE: a closed pipe (`samsa … | head -1`) surfaces as EPIPE on stdout.
// The reader has all it wanted, so leave quietly with success, as `cat` does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

// '@oclif/core/execute', not the package index: the index also loads semver, help and ux (~60 CJS files)
const {execute} = await import('@oclif/core/execute')
await execute({dir: import.meta.url})
