// `samsa --brokers kafka-1:9092 produce orders`, `samsa --profile prod topic list`: the shared flags
// (the GLOBAL and KAFKA groups of the base command, and --json) written before the command's words, as
// the README and habits from kcat and rpk write them. oclif takes the first word for the command, so
// such a line arrives at the command_not_found hook; there it is turned into
// `samsa produce --brokers kafka-1:9092 orders`. Which flags those are, and which take a value, comes from
// the loaded commands (oclif.manifest.json), not from a list kept here.

export interface FlagShape {
  type: string // 'boolean' | 'option'
  helpGroup?: string
  allowNo?: boolean
}

export interface CommandShape {
  id: string // "topic:create"
  flags: Record<string, FlagShape>
}

const SHARED_GROUPS = new Set(['GLOBAL', 'KAFKA'])

/** The command and its argv, with the leading shared flags moved after the command's words; null when
 *  the line does not start with shared flags followed by a command. */
export function commandAfterFlags(tokens: readonly string[], commands: readonly CommandShape[]): {id: string; argv: string[]} | null {
  const shared = sharedFlags(commands)
  const moved: string[] = []
  let i = 0
  while (i < tokens.length && tokens[i]!.startsWith('--') && tokens[i] !== '--') {
    const token = tokens[i]!
    const eq = token.indexOf('=')
    const name = token.slice(2, eq < 0 ? undefined : eq)
    const flag = shared.get(name) ?? (name.startsWith('no-') && shared.get(name.slice(3))?.allowNo ? {type: 'boolean'} : undefined)
    if (flag === undefined) return null
    const takesValue = flag.type !== 'boolean' && eq < 0
    if (takesValue && i + 1 >= tokens.length) return null
    moved.push(...tokens.slice(i, takesValue ? i + 2 : i + 1))
    i += takesValue ? 2 : 1
  }
  if (moved.length === 0) return null
  // the longest run of words that names a command: "topic create orders" → topic:create
  const ids = new Set(commands.map((c) => c.id))
  let id: string | null = null
  let words = 0
  for (let n = 1; i + n <= tokens.length && !tokens[i + n - 1]!.startsWith('-'); n++) {
    const candidate = tokens.slice(i, i + n).join(':')
    if (ids.has(candidate)) [id, words] = [candidate, n]
  }
  if (id === null) return null
  return {id, argv: [...moved, ...tokens.slice(i + words)]}
}

function sharedFlags(commands: readonly CommandShape[]): Map<string, FlagShape> {
  const out = new Map<string, FlagShape>([['json', {type: 'boolean'}]])
  for (const c of commands) {
    for (const [name, f] of Object.entries(c.flags)) if (f.helpGroup !== undefined && SHARED_GROUPS.has(f.helpGroup)) out.set(name, f)
  }
  return out
}
