// consume --exec CMD through the built CLI: CMD gets each record on stdin (as consume would print it) and
// its metadata in SAMSA_* variables; a group commits a record only once CMD exits 0; a failure is retried
// with backoff, then parked in the --dead-letter topic (or, without one, stops the consumer at that
// record); --exec-batch runs CMD once per partition batch; a command that does not exist is one line.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, tempDir} from '../support/index.js'

let dir: string

async function ok(args: string[], input?: string): Promise<string> {
  const r = await samsa(dir, args, input === undefined ? {} : {input})
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

async function committed(group: string): Promise<number[]> {
  const d = JSON.parse(await ok(['group', 'describe', group, '--json']))
  return d.partitions.map((p: {currentOffset: number}) => p.currentOffset)
}

describe('consume --exec', () => {
  beforeAll(async () => {
    dir = tempDir()
    await ok(['topic', 'create', 'jobs'])
    await ok(['topic', 'create', 'parked'])
    await ok(['produce', 'jobs', '--key-delimiter', ':'], 'a:ok-1\nb:fail\nc:ok-2\n')
  })
  afterAll(cleanup)

  it('runs CMD per record with the record on stdin and its metadata in the environment', async () => {
    const cmd = 'printf "%s|%s|%s|%s|%s|%s|" "$SAMSA_TOPIC" "$SAMSA_PARTITION" "$SAMSA_OFFSET" "$SAMSA_KEY" "$SAMSA_ATTEMPT" "${#SAMSA_TIMESTAMP}"; cat'
    const out = await ok(['consume', 'jobs', '--exec', cmd])
    expect(lines(out)).toEqual(['jobs|0|0|a|1|13|ok-1', 'jobs|0|1|b|1|13|fail', 'jobs|0|2|c|1|13|ok-2'])
    // --jsonl: CMD reads the envelope
    const env = await ok(['consume', 'jobs', '--jsonl', '--count', '1', '--exec', 'cat'])
    expect(JSON.parse(env)).toMatchObject({topic: 'jobs', partition: 0, offset: 0, key: 'a', value: 'ok-1'})
  })

  it('retries a failing command with backoff, then parks the record in the dead-letter topic and commits past it', async () => {
    const r = await samsa(dir, ['consume', 'jobs', '--group', 'dl', '--exec', 'read v; echo "$v $SAMSA_ATTEMPT"; test "$v" != fail', '--retries', '2', '--dead-letter', 'parked'])
    expect(r.code, r.stderr).toBe(0)
    expect(lines(r.stdout)).toEqual(['ok-1 1', 'fail 1', 'fail 2', 'fail 3', 'ok-2 1'])
    expect(lines(r.stderr)).toEqual([
      'samsa: --exec: exit 1 (attempt 1); retrying in 100 ms',
      'samsa: --exec: exit 1 (attempt 2); retrying in 200 ms',
      'samsa: --exec failed on jobs-0 offset 1 (exit 1, 3 attempts): parked in dead-letter topic parked',
    ])
    const parked = JSON.parse(await ok(['consume', 'parked', '--jsonl']))
    expect(parked).toMatchObject({key: 'b', value: 'fail'})
    expect(parked.headers).toEqual([
      {key: 'samsa.dead-letter.topic', value: 'jobs'},
      {key: 'samsa.dead-letter.partition', value: '0'},
      {key: 'samsa.dead-letter.offset', value: '1'},
      {key: 'samsa.dead-letter.error', value: 'exit 1'},
      {key: 'samsa.dead-letter.attempts', value: '3'},
    ])
    expect(await committed('dl')).toEqual([3])
    expect(await ok(['consume', 'jobs', '--group', 'dl', '--exec', 'cat'])).toBe('')
  })

  it('without a dead-letter topic, a record that keeps failing stops the consumer, uncommitted', async () => {
    const r = await samsa(dir, ['consume', 'jobs', '--group', 'stop', '--exec', 'read v; test "$v" != fail'])
    expect(r.code).toBe(1)
    expect(lines(r.stderr)).toEqual(['samsa: --exec failed on jobs-0 offset 1 (exit 1, 1 attempt); it is not committed'])
    expect(await committed('stop')).toEqual([1])
    // once fixed, the next run starts at the failed record
    expect(lines(await ok(['consume', 'jobs', '--group', 'stop', '--exec', 'cat']))).toEqual(['fail', 'ok-2'])
  })

  it('--exec-batch runs CMD once per partition batch, with its offset range', async () => {
    const out = await ok(['consume', 'jobs', '--group', 'batch', '--exec-batch', '--exec', 'echo "$SAMSA_OFFSET..$SAMSA_LAST_OFFSET n=$SAMSA_COUNT key=${SAMSA_KEY-none}"; wc -l'])
    expect(lines(out).map((l) => l.trim())).toEqual(['0..2 n=3 key=none', '3'])
    expect(await committed('batch')).toEqual([3])
  })

  it('a key that is not text arrives as SAMSA_KEY_BASE64', async () => {
    await ok(['topic', 'create', 'bin'])
    await ok(['produce', 'bin', '--jsonl'], JSON.stringify({key: {base64: Buffer.from([0, 255]).toString('base64')}, value: 'x'}) + '\n')
    expect(await ok(['consume', 'bin', '--exec', 'echo "${SAMSA_KEY-unset} $SAMSA_KEY_BASE64"'])).toBe('unset AP8=\n')
  })

  it('a command that does not exist, or a missing dead-letter topic: one line, nothing read or committed', async () => {
    const r = await samsa(dir, ['consume', 'jobs', '--group', 'nf', '--exec', 'no-such-command-here --flag'])
    expect([r.code, r.stdout, lines(r.stderr)]).toEqual([4, '', ['samsa: --exec: command not found: no-such-command-here']])
    const d = await samsa(dir, ['consume', 'jobs', '--group', 'nf', '--exec', 'cat', '--dead-letter', 'nowhere'])
    expect([d.code, lines(d.stderr)]).toEqual([4, ['samsa: dead-letter topic nowhere does not exist (create it: samsa topic create nowhere)']])
    expect((await samsa(dir, ['group', 'describe', 'nf'])).code).toBe(4)
    const flags = await samsa(dir, ['consume', 'jobs', '--retries', '2'])
    expect(flags.code).toBe(2)
    expect(lines(flags.stderr)).toHaveLength(1)
  })
})
