// The one test harness: temp dirs and a sandboxed environment (sandbox.ts), the built CLI run as a user
// would (cli.ts), real daemon processes and the cleanup after them (daemon.ts), bounded waits (wait.ts),
// keyed input lines for crash pipelines (keyed-lines.ts).
// A test file imports from here and ends with `afterAll(cleanup)`.
export * from './cli.js'
export * from './daemon.js'
export * from './keyed-lines.js'
export * from './sandbox.js'
export * from './wait.js'
