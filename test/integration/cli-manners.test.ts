// What a user sees from the CLI's manners (issue 16): arguments from argv only, exit codes and --json as
// the README states them, one-line errors. The built CLI, spawned as a user would run it, against a real
// daemon in a temp directory where one is needed.
import {afterAll, describe, expect, it} from 'vitest'
import {cleanup, samsa, tempDir} from '../support/index.js'

afterAll(cleanup)

describe('arguments come from argv, never from piped stdin', () => {
  it('produce, topic describe: a missing topic is a usage error, the input is not taken for it', async () => {
    const dir = tempDir()
    for (const [args, input] of [
      [['produce'], 'hello\n'],
      [['produce'], 'p1'],
      [['topic', 'describe'], 'h1\n'],
    ] as const) {
      const r = await samsa(dir, [...args, '--no-autostart'], {input})
      expect(r.stderr).toMatch(/^samsa: Missing 1 required arg/)
      expect(r.stderr).not.toMatch(/does not exist/)
      expect(r.code).toBe(2)
    }
  })

  it('a boolean flag given a value is refused, not taken as a topic', async () => {
    const r = await samsa(tempDir(), ['consume', 'app', '--follow=yes', '--no-autostart'])
    expect(r.stderr).toBe('samsa: --follow takes no value (got --follow=yes): use --follow\n')
    expect(r.code).toBe(2)
  })
})
