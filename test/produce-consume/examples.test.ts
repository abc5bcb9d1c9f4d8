// The runnable pipelines in examples/ keep working (each uses its own temp data directory and stops
// its daemon on exit).
import {describe, expect, it} from 'vitest'
import {run} from './helpers.js'

describe('examples/*.sh', () => {
  it.each(['topic-copy.sh', 'access-log-pipeline.sh', 'tail-rotating-file.sh'])('%s runs to success', async (script) => {
    const r = await run('bash', [`examples/${script}`], 90_000)
    expect(r.code, `${r.out}\n${r.stderr}`).toBe(0)
  }, 120_000)
})
