// `samsa --brokers k:9092 topic list`: shared flags before the command words (src/cli/leading-flags.ts),
// checked against the commands the build describes (oclif.manifest.json), so a flag added to the base
// command is moved too without a list to update.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {commandAfterFlags, type CommandShape} from '../../src/cli/leading-flags.js'

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, CommandShape>}
const commands = Object.values(manifest.commands)
const line = (text: string) => commandAfterFlags(text.split(' '), commands)

describe('shared flags before the command', () => {
  it('moves them after the command words, values and all, before the arguments', () => {
    expect(line('--brokers k:9092 topic create orders --partitions 3')).toEqual({id: 'topic:create', argv: ['--brokers', 'k:9092', 'orders', '--partitions', '3']})
    expect(line('--profile prod --tls produce orders')).toEqual({id: 'produce', argv: ['--profile', 'prod', '--tls', 'orders']})
    expect(line('--kafka-config=f.properties --json --no-autostart topic list')).toEqual({id: 'topic:list', argv: ['--kafka-config=f.properties', '--json', '--no-autostart']})
    expect(line('--data-dir /d log verify')).toEqual({id: 'log:verify', argv: ['--data-dir', '/d']})
    expect(line('--brokers k consume a b -- x')).toEqual({id: 'consume', argv: ['--brokers', 'k', 'a', 'b', '--', 'x']})
  })

  it('leaves alone what is not shared flags then a command', () => {
    expect(line('topic list')).toBeNull() // nothing to move
    expect(line('--partitions 3 topic create t')).toBeNull() // a command's own flag
    expect(line('--brokers k')).toBeNull() // no command
    expect(line('--brokers')).toBeNull() // no value
    expect(line('--brokers k nope')).toBeNull()
    expect(line('-h topic list')).toBeNull()
  })
})
