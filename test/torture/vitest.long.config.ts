// The torture suite's long profile (`npm run torture`, test/torture/run.mjs), apart from `npm test`:
// only long.torture.ts, which the default config's test/**/*.test.ts never matches.
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/torture/long.torture.ts'],
    testTimeout: 0, // the run is bounded by --minutes itself
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
})
