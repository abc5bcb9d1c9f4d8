#!/usr/bin/env node
// Node ignores SIGPIPE: a closed pipe (`samsa … | head -1`) surfaces as EPIPE on stdout.
// The reader has all it wanted, so leave quietly with success, as `cat` does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
