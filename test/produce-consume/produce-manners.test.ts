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
    // the last frame shows every line read and every record acknowledged, and the line is finished;
    // below it, the sum of what was skipped
    const frames = screen.split('\r\x1b[K')
    expect(frames.at(-2)).toMatch(new RegExp(`^producing .* 100% \\| ${n} lines read, ${n - 1} acknowledged.*\\n$`))
    expect(frames.at(-1)).toBe(`samsa: skipped 1 invalid line of ${n} lines read\n`)
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

describe('words and figures', () => {
  it('--skip-invalid says on stderr how many lines it skipped, also when it skipped them all', async () => {
    await topic('skips')
    const r = await samsa(dir, ['produce', 'skips', '--key-field', 'user', '--skip-invalid'], {input: 'a\nb\n'})
    expect(r.code).toBe(0)
    expect(r.stderr.split('\n').at(-2)).toBe('samsa: skipped 2 invalid lines of 2 lines read')
    const one = await samsa(dir, ['produce', 'skips', '--key-field', 'user', '--skip-invalid'], {input: '{"user":"u"}\nx\n'})
    expect(one.stderr.split('\n').at(-2)).toBe('samsa: skipped 1 invalid line of 2 lines read')
  })

  it('--json under --acks 0 reports nothing as acknowledged', async () => {
    await topic('acks0')
    const r = await samsa(dir, ['produce', 'acks0', '--acks', '0', '--json'], {input: 'a\nb\n'})
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({topic: 'acks0', records: 2, acknowledged: null, skipped: 0, interrupted: false})
    const acked = await samsa(dir, ['produce', 'acks0', '--json'], {input: 'c\n'})
    expect(JSON.parse(acked.stdout).acknowledged).toBe(1)
  })

  it('topic describe shows "never" for flush.ms and flush.messages; alter to the same partition count says unchanged', async () => {
    await topic('words', '--partitions', '2')
    const d = await samsa(dir, ['topic', 'describe', 'words'])
    expect(d.stdout).toMatch(/│ flush\.ms +│ never +│ default/)
    expect(d.stdout).toMatch(/│ flush\.messages +│ never +│ default/)
    expect(d.stdout).not.toContain('9223372036854775807')
    const same = await samsa(dir, ['topic', 'alter', 'words', '--partitions', '2'])
    expect(same.code, same.stderr).toBe(0)
    expect(same.stdout).toBe('topic words unchanged: it already has 2 partitions\n')
    const grown = await samsa(dir, ['topic', 'alter', 'words', '--partitions', '3'])
    expect(grown.stdout).toBe('altered topic words: 2 → 3 partitions\n')
  })

  it('a topic is named the same way in every message, unquoted', async () => {
    const r = await samsa(dir, ['topic', 'describe', 'no-such-topic'])
    expect(r.code).toBe(4)
    expect(r.stderr).toBe('samsa: topic no-such-topic does not exist\n')
    const p = await samsa(dir, ['produce', 'no-such-topic'], {input: 'x\n'})
    expect(p.stderr).toBe('samsa: topic no-such-topic does not exist\n')
  })

  it('log dump counts in the singular for one', async () => {
    await topic('one')
    expect((await samsa(dir, ['produce', 'one'], {input: 'x\n'})).code).toBe(0)
    const r = await samsa(null, ['log', 'dump', join(dir, 'one-0', '00000000000000000000.log')])
    expect(r.stderr).toBe('samsa: 1 batch, 1 record\n')
  })
})

describe('old timestamps and retention', () => {
  const day = 86_400_000
  const input = (ages: number[]): string => ages.map((a, i) => `{"ts":${Date.now() - a},"n":${i}}\n`).join('')

  it('warns once on stderr when records older than retention.ms are produced', async () => {
    await topic('old')
    const r = await samsa(dir, ['produce', 'old', '--timestamp-field', 'ts'], {input: input([0, 8 * day, 9 * day])})
    expect(r.code, r.stderr).toBe(0)
    const warnings = r.stderr.split('\n').filter((l) => l.includes('older than retention.ms'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^samsa: line 2: timestamp \S+ is older than retention\.ms \(604800000\) of topic old: the daemon's next retention check deletes such records \(to keep them: samsa topic alter old --config retention\.ms=-1\)$/,
    )
  })

  it('says nothing when the records are recent or the topic keeps everything', async () => {
    await topic('kept', '--config', 'retention.ms=-1')
    const recent = await samsa(dir, ['produce', 'old', '--timestamp-field', 'ts'], {input: input([0, day])})
    expect(recent.stderr).toBe('')
    const kept = await samsa(dir, ['produce', 'kept', '--timestamp-field', 'ts'], {input: input([30 * day])})
    expect(kept.stderr).toBe('')
  })
})
