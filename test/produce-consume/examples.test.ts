// The runnable pipelines in examples/ keep working (each uses its own temp data directory and stops
// its daemon on exit).
import {afterAll, describe, expect, it} from 'vitest'
import {cleanup, run} from '../support/index.js'

afterAll(cleanup)

describe('examples/*.sh', () => {
  it.each(['topic-copy.sh', 'access-log-pipeline.sh', 'tail-rotating-file.sh'])('%s runs to success', async (script) => {
    const r = await run('bash', [`examples/${script}`], {timeoutMs: 90_000})
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  }, 120_000)
})
