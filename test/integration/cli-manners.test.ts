// What a user sees from the CLI's manners (issue 16): arguments from argv only, exit codes and --json as
// the README states them, one-line errors. The built CLI, spawned as a user would run it, against a real
// daemon in a temp directory where one is needed.
import {afterAll, describe, expect, it} from 'vitest'
import {join} from 'node:path'
import {cleanup, samsa, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'

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

describe('exit codes and --json as the README states them', () => {
  it('produce --file of a missing file is "not found", exit 4', async () => {
    const dir = tempDir()
    const missing = `${dir}/missing.log`
    const r = await samsa(dir, ['produce', 't', '--file', missing, '--no-autostart'])
    expect(r.stderr).toBe(`samsa: no such file: ${missing}\n`)
    expect(r.code).toBe(4)
  })

  it('log dump of a directory says it is not a segment file, exit 6', async () => {
    const dir = tempDir()
    const r = await samsa(null, ['log', 'dump', dir])
    expect(r.stderr).toBe(`samsa: ${dir} is not a segment file (.log): it is a directory\n`)
    expect(r.code).toBe(6)
  })

  it('consume --json prints the records as JSON envelopes, one per line, as --jsonl does', async () => {
    const dir = tempDir()
    expect((await samsa(dir, ['topic', 'create', 'j'])).code).toBe(0)
    expect((await samsa(dir, ['produce', 'j', '--key', 'k'], {input: 'a\nb\n'})).code).toBe(0)
    const json = await samsa(dir, ['consume', 'j', '--json'])
    expect(json.code, json.stderr).toBe(0)
    const records = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(records.map((r) => [r.topic, r.partition, r.offset, r.key, r.value])).toEqual([
      ['j', 0, 0, 'k', 'a'],
      ['j', 0, 1, 'k', 'b'],
    ])
    expect(json.stdout).toBe((await samsa(dir, ['consume', 'j', '--jsonl'])).stdout)
    // an error stays on stderr: stdout is records only
    const missing = await samsa(dir, ['consume', 'nope', '--json'])
    expect(missing.code).toBe(4)
    expect(missing.stdout).toBe('')
  })
})

describe('a data directory that cannot be created', () => {
  // mkdir under /proc/1 answers ENOENT although /proc/1 exists: Node's recursive mkdir spun on it forever
  it('is one line and a non-zero exit, for a client and for the daemon', async () => {
    for (const args of [['topic', 'list'], ['daemon', 'start', '--foreground']]) {
      const r = await samsa('/proc/1/nope', args, {timeoutMs: 60_000})
      expect(r.stderr).toMatch(/^samsa: cannot (create|use data directory) \/proc\/1\/nope[^\n]*: ENOENT[^\n]*\n$/)
      expect(r.code).toBe(7)
    }
  })
})

describe('a daemon on a custom --socket', () => {
  it('a command on the default socket says where the daemon listens, at once, with and without autostart', async () => {
    const dir = tempDir()
    const socket = join(dir, 'custom.sock')
    const d = await spawnDaemon(dir, {socket, workers: 1})
    const expected = `samsa: the samsa daemon for ${dir} (pid ${d.pid}) listens on ${socket}, not on ${join(dir, 'run', 'samsa.sock')}: pass --socket ${socket} (or set SAMSA_SOCKET)\n`
    for (const args of [['topic', 'list'], ['topic', 'list', '--no-autostart']]) {
      const r = await samsa(dir, args)
      expect(r.stderr).toBe(expected)
      expect(r.code).toBe(3)
    }
    const ok = await samsa(dir, ['topic', 'list', '--socket', socket])
    expect(ok.code, ok.stderr).toBe(0)
    await stopDaemon(d)
  })
})
