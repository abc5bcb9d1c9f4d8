// oclif's command_not_found hook (package.json "oclif.hooks"): an unknown command is a usage error in
// samsa's own words — one line, `samsa: …`, exit 2 — not oclif's ` ›   Error:` block. A line that starts
// with shared flags (`samsa --brokers k:9092 topic list`) is no unknown command: it runs (leading-flags.ts).
import type {Hook} from '@oclif/core'
import {commandAfterFlags} from './leading-flags.js'

const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  const line = commandAfterFlags([id, ...(argv ?? [])], config.commands)
  if (line !== null) return config.runCommand(line.id, line.argv)
  const words = id.split(':')
  const topic = words.length > 1 && config.topics.some((t) => t.name === words[0]) ? words[0] : null
  const see = topic === null ? `${config.bin} --help` : `${config.bin} help ${topic}`
  process.stderr.write(`samsa: unknown command "${words.join(' ')}" (see: ${see})\n`)
  process.exitCode = 2
}

export default hook
