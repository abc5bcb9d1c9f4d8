import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // oclif writes straight to process.stdout; keep vitest from swallowing it
    disableConsoleIntercept: true,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // the JSON report lets .ci/run print the plain 'N passed, N failed' line CI reads
    reporters: ['default', ['json', {outputFile: '.vitest-results.json'}]],
  },
})
