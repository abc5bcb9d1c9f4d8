// How a samsa command reads its command line, on top of oclif's parser. Two oclif habits do not suit a
// tool whose stdin is data:
// - a required argument missing from argv is read from piped stdin (`echo hello | samsa produce` took
//   "hello" as the topic and ate the input): arguments come from argv only;
// - `--follow=yes` on a boolean flag is read as `--follow` and an argument `yes`: a value given to a
//   boolean flag is refused instead (exit 2).
import type {Interfaces} from '@oclif/core'
import {SamsaError} from '../errors.js'

// The command's args, none of them read from stdin.
export function argvOnly<A extends Record<string, Interfaces.Arg<unknown>>>(args: A | undefined): A {
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, arg]) => [name, {...arg, ignoreStdin: true}])) as A
}

// Throws USAGE for `--flag=value` (or `--no-flag=value`) where flag is a boolean flag.
export function refuseValuedBooleans(argv: readonly string[], flags: Record<string, {type: string; allowNo?: boolean}>): void {
  for (const token of argv) {
    if (token === '--') return // what follows is arguments
    const m = /^--(no-)?([^=]+)=/.exec(token)
    if (m === null) continue
    const flag = flags[m[2]]
    if (flag?.type === 'boolean' && (m[1] === undefined || flag.allowNo)) {
      const forms = flag.allowNo ? `--${m[2]} or --no-${m[2]}` : `--${m[2]}`
      throw new SamsaError('USAGE', `--${m[1] ?? ''}${m[2]} takes no value (got ${token}): use ${forms}`)
    }
  }
}
