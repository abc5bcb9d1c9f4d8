// oclif's command_not_found hook (package.json "oclif.hooks"): an unknown command is a usage error in
// samsa's own words — one line, `samsa: …`, exit 2 — not oclif's ` ›   Error:` block.
import type {Hook} from '@oclif/core'

const hook: Hook<'command_not_found'> = async function ({id, config}) {
  const words = id.split(':')
  const topic = words.length > 1 && config.topics.some((t) => t.name === words[0]) ? words[0] : null
  const see = topic === null ? `${config.bin} --help` : `${config.bin} help ${topic}`
  process.stderr.write(`samsa: unknown command "${words.join(' ')}" (see: ${see})\n`)
  process.exitCode = 2
}

export default hook
