// samsa's help as a user reads it (issue 16): each group described as itself, `samsa help …` and `-h`,
// unknown commands in samsa's one-line style, readable usage lines, no daemon flags on the offline log
// tools, defaults and tokens documented. The built CLI, no daemon.
import {afterAll, describe, expect, it} from 'vitest'
import {cleanup, samsa} from '../support/index.js'

afterAll(cleanup)

// the lines of one section of a help text (USAGE, TOPICS, FLAGS …), up to the next blank line
function section(help: string, name: string): string {
  const at = help.indexOf(`\n${name}\n`)
  expect(at, `no ${name} section in:\n${help}`).toBeGreaterThanOrEqual(0)
  return help.slice(at + name.length + 2).split('\n\n')[0]
}

describe('samsa help', () => {
  it('describes each group of commands as a group, not as its first subcommand', async () => {
    const r = await samsa(null, ['--help'])
    expect(r.code).toBe(0)
    const topics = section(r.stdout, 'TOPICS')
    expect(topics).toMatch(/^ {2}topic +Create, list, describe, alter and delete topics$/m)
    expect(topics).toMatch(/^ {2}group +List, describe, reset and delete consumer groups$/m)
    expect(topics).toMatch(/^ {2}daemon +Start, stop and inspect the daemon/m)
    expect(topics).toMatch(/^ {2}log +Read and check segment files on disk/m)
    expect(topics).toMatch(/^ {2}config +Save connection profiles for Kafka clusters and choose the current one$/m)
  })

  it('`samsa help`, `samsa help topic create` and -h print what --help prints', async () => {
    const root = (await samsa(null, ['--help'])).stdout
    for (const args of [['help'], ['-h']]) {
      const r = await samsa(null, args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(root)
    }
    const create = await samsa(null, ['topic', 'create', '--help'])
    expect(create.stdout).toMatch(/^Create a topic/)
    for (const args of [['help', 'topic', 'create'], ['topic', 'create', '-h']]) {
      const r = await samsa(null, args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe(create.stdout)
    }
  })

  it('an unknown command is one `samsa:` line and exit 2', async () => {
    const nope = await samsa(null, ['nope'])
    expect(nope.stderr).toBe('samsa: unknown command "nope" (see: samsa --help)\n')
    expect(nope.code).toBe(2)
    const lst = await samsa(null, ['topic', 'lst'])
    expect(lst.stderr).toBe('samsa: unknown command "topic lst" (see: samsa help topic)\n')
    expect(lst.code).toBe(2)
    const help = await samsa(null, ['help', 'nope'])
    expect(help.stderr).toBe('samsa: unknown command "nope" (see: samsa --help)\n')
    expect(help.code).toBe(2)
  })

  it('a missing argument names it and its description on one line', async () => {
    const r = await samsa(null, ['produce'])
    expect(r.stderr).toBe('samsa: Missing 1 required arg: topic (topic to write to) (see: samsa produce --help)\n')
    expect(r.code).toBe(2)
  })

  it('usage lines read as the flags combine', async () => {
    const produce = section((await samsa(null, ['produce', '--help'])).stdout, 'USAGE').replace(/\s+/g, ' ')
    expect(produce).toBe(' $ samsa produce TOPIC [--file PATH [--follow [--from-start]]] [--key K | --key-delimiter D | --key-field F | --jsonl [--repartition]] [FLAGS]')
    const consume = section((await samsa(null, ['consume', '--help'])).stdout, 'USAGE').replace(/\s+/g, ' ')
    expect(consume).toBe(' $ samsa consume TOPIC... [--follow] [--from SPEC] [--until SPEC] [--partition P... | --group G] [--format FMT | --jsonl] [FLAGS]')
  })

  it('the offline log tools take no daemon flags', async () => {
    for (const tool of ['dump', 'verify']) {
      const help = (await samsa(null, ['log', tool, '--help'])).stdout
      expect(help).toContain('--data-dir')
      expect(help).not.toMatch(/--socket|--autostart/)
      const r = await samsa(null, ['log', tool, '--socket', '/tmp/x.sock'])
      expect(r.stderr).toMatch(/^samsa: Nonexistent flag: --socket/)
      expect(r.code).toBe(2)
    }
  })

  it('shows the --linger-ms default and documents %R', async () => {
    const produce = (await samsa(null, ['produce', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(produce).toContain('--linger-ms=<value> wait up to this long to fill a batch (default 0:')
    const consume = (await samsa(null, ['consume', '--help'])).stdout.replace(/\s+/g, ' ')
    expect(consume).toContain('%R value size as a 4-byte big-endian integer (kcat)')
  })
})
