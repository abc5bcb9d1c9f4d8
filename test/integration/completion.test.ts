// Shell completion as a user gets it (issue 16.5): `samsa completion bash` sourced into a real bash, asked
// for completions the way bash asks at a TAB (COMP_WORDS / COMP_CWORD, then the completion function), and
// the words it offers compared. The built CLI, no daemon.
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, samsa, tempDir} from '../support/index.js'

afterAll(cleanup)

describe('samsa completion', () => {
  let script: string

  beforeAll(async () => {
    const r = await samsa(null, ['completion', 'bash'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    script = join(tempDir(), 'samsa.bash')
    writeFileSync(script, r.stdout)
  })

  // What bash offers for the command line `words` with the cursor at the end of the last word.
  const completeIn = (env: NodeJS.ProcessEnv, words: string[]): string[] => {
    const program = [
      'source "$1"; shift',
      'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))',
      // the function `complete -p samsa` names: what bash would call at a TAB
      'fn=$(complete -p samsa | sed -E "s/.* -F ([^ ]+) .*/\\1/")',
      '"$fn" samsa "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n')
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program, 'bash', script, ...words], {encoding: 'utf8', env})
    return out.split('\n').filter((l) => l !== '')
  }
  const complete = Object.assign((...words: string[]) => completeIn(process.env, words), {
    with: (env: NodeJS.ProcessEnv) => (...words: string[]) => completeIn(env, words),
  })

  it('completes command words: samsa to<TAB> is topic, samsa topic <TAB> lists its subcommands', () => {
    expect(complete('samsa', 'to')).toEqual(['topic'])
    expect(complete('samsa', 'topic', '')).toEqual(['alter', 'compact', 'create', 'delete', 'describe', 'list'])
    expect(complete('samsa', 'topic', 'de')).toEqual(['delete', 'describe'])
    expect(complete('samsa', '')).toEqual(['completion', 'config', 'consume', 'daemon', 'group', 'help', 'log', 'produce', 'table', 'topic', 'wait'])
    expect(complete('samsa', 'help', 'topic', 'cr')).toEqual(['create'])
    expect(complete('samsa', 'config', '')).toEqual(['create', 'delete', 'list', 'show', 'use'])
  })

  it("completes a command's flags, past its arguments and other flags' values", () => {
    expect(complete('samsa', 'consume', 'logs', '--fo')).toEqual(['--follow', '--format'])
    expect(complete('samsa', 'consume', '--group', 'g1', 'logs', '--comm')).toEqual(['--commit-interval', '--commit'])
    expect(complete('samsa', 'topic', 'create', 'clicks', '--part')).toEqual(['--partitions'])
    expect(complete('samsa', 'topic', 'list', '--pro')).toEqual(['--profile'])
    expect(complete('samsa', 'config', 'use', '--n')).toEqual(['--none'])
    // the offline log tools have no daemon flags
    expect(complete('samsa', 'log', 'dump', '--')).toEqual(['--json', '--data-dir', '--records', '--help'])
  })

  it("completes a flag's fixed values; an argument or a free value is left to file names", () => {
    expect(complete('samsa', 'produce', 'logs', '--compression', '')).toEqual(['lz4', 'none'])
    expect(complete('samsa', 'produce', 'logs', '--file', '')).toEqual([])
    expect(complete('samsa', 'topic', 'describe', '')).toEqual([])
    expect(execFileSync('bash', ['--norc', '--noprofile', '-c', 'source "$1"; complete -p samsa', 'bash', script], {encoding: 'utf8'})).toMatch(/-o default/)
  })

  it('completes profile names: the value of --profile (and none), the argument of config show, use and delete', () => {
    const home = tempDir()
    const env = {...process.env, XDG_CONFIG_HOME: join(home, 'config')}
    expect(complete.with(env)('samsa', 'config', 'use', '')).toEqual([]) // no profiles yet
    mkdirSync(join(home, 'config', 'samsa', 'profiles'), {recursive: true})
    for (const name of ['prod', 'prod-eu', 'staging']) writeFileSync(join(home, 'config', 'samsa', 'profiles', `${name}.properties`), 'bootstrap.servers=k:9092\n')
    const sorted = (words: string[]) => [...words].sort() // bash sorts what it shows
    expect(sorted(complete.with(env)('samsa', 'config', 'use', ''))).toEqual(['prod', 'prod-eu', 'staging'])
    expect(sorted(complete.with(env)('samsa', 'config', 'delete', 'pr'))).toEqual(['prod', 'prod-eu'])
    expect(sorted(complete.with(env)('samsa', 'topic', 'list', '--profile', ''))).toEqual(['none', 'prod', 'prod-eu', 'staging'])
    expect(complete.with(env)('samsa', 'topic', 'list', '--profile', 'st')).toEqual(['staging'])
    expect(complete.with(env)('samsa', 'config', 'create', '')).toEqual([]) // a new name: nothing to offer
  })

  it('zsh and fish scripts; an unknown shell is one line, exit 2', async () => {
    const zsh = await samsa(null, ['completion', 'zsh'])
    expect(zsh.code).toBe(0)
    expect(zsh.stdout).toContain('autoload -U +X bashcompinit && bashcompinit\n')
    const fish = await samsa(null, ['completion', 'fish'])
    expect(fish.code).toBe(0)
    expect(fish.stdout).toContain("complete -c samsa -n '__samsa_is topic' -a create -d 'Create a topic")
    expect(fish.stdout).toContain("complete -c samsa -n '__samsa_is config use' -x -a '(__samsa_profiles)'")
    expect(fish.stdout).toMatch(/complete -c samsa -n '__samsa_is topic list' -l profile -x -a '\(__samsa_profiles\) none'/)
    const bad = await samsa(null, ['completion', 'tcsh'])
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([2, '', 'samsa: completion: unknown shell "tcsh" (one of: bash, zsh, fish)\n'])
  })
})
