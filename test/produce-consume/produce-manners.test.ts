// samsa produce as a user sees it (issue 16): the progress bar on a terminal, how a last line without a
// newline is partitioned, words and figures of its messages, the retention warning for old timestamps.
// The built CLI against a real daemon in a temp directory; `script` gives it a terminal where one matters.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, cleanup, run, samsa, tempDir} from '../support/index.js'

let dir: string

beforeAll(() => {
  dir = tempDir()
})
afterAll(cleanup)

async function topic(name: string, ...args: string[]): Promise<void> {
  const r = await samsa(dir, ['topic', 'create', name, ...args])
  expect(r.code, r.stderr).toBe(0)
}

// `samsa ARGS --data-dir DIR` on a terminal (stdin, stdout and stderr a pty); the terminal's transcript,
// with its "\r\n" line ends as "\n".
async function onTerminal(args: string[]): Promise<{code: number | null; screen: string}> {
  const cmd = [process.execPath, BIN, ...args, '--data-dir', dir].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const r = await run('script', ['-qec', cmd, '/dev/null'], {timeoutMs: 120_000})
  return {code: r.code, screen: r.stdout.replaceAll('\r\n', '\n')}
}

describe('the progress bar of a file import', () => {
  it('ends on a finished line with the final counts, and a --skip-invalid message on a line of its own', async () => {
    await topic('bar')
    const n = 60_000
    let text = ''
    for (let i = 0; i < n; i++) text += i === n / 2 ? 'not json\n' : `{"user":"u${i % 50}","n":${i}}\n`
    const file = join(dir, 'bar.jsonl')
    writeFileSync(file, text)
    const {code, screen} = await onTerminal(['produce', 'bar', '--file', file, '--key-field', 'user', '--skip-invalid'])
    expect(code, screen).toBe(0)
    // the last frame shows every line read and every record acknowledged, and the line is finished
    const frames = screen.split('\r\x1b[K')
    const last = frames[frames.length - 1]
    expect(last).toMatch(new RegExp(`^producing .* 100% \\| ${n} lines read, ${n - 1} acknowledged.*\\n$`))
    // the message is a line of its own; no cursor restore moves the prompt back over the bar
    expect(screen).toMatch(new RegExp(`(^|\\r\\x1b\\[K)samsa: line ${n / 2 + 1}: [^\\r\\n]*\\(skipped\\)\\n`))
    expect(screen).not.toContain('\x1b8')
  })
})

describe('the sticky partitioner', () => {
  it('puts a last line without a newline on the partition of the lines before it', async () => {
    await topic('sticky', '--partitions', '8')
    for (let i = 0; i < 5; i++) {
      const r = await run('bash', ['-c', `printf 'a${i}\\nb${i}\\nc${i}' | "$0" "$1" produce sticky --data-dir "$2"`, process.execPath, BIN, dir])
      expect(r.code, r.stderr).toBe(0)
    }
    const c = await samsa(dir, ['consume', 'sticky', '--format', '%p %s\n'])
    const partitionOf = new Map(c.stdout.trimEnd().split('\n').map((l) => [l.split(' ')[1], l.split(' ')[0]]))
    expect(partitionOf.size).toBe(15)
    for (let i = 0; i < 5; i++) {
      expect([partitionOf.get(`b${i}`), partitionOf.get(`c${i}`)], `run ${i}: ${c.stdout}`).toEqual([partitionOf.get(`a${i}`), partitionOf.get(`a${i}`)])
    }
  })
})
