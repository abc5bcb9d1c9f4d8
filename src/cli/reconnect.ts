// --reconnect-timeout, shared by the long-running commands (`produce`, `consume --follow`): how long they
// wait for a daemon that went away (restarted, upgraded, killed and started again) before giving up with
// exit 3, and the one stderr line they write per outage once it answers again.
// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {parseDuration} from '../client/offset-spec.js'
import {SamsaError} from '../errors.js'

export function reconnectTimeoutFlag(options: {when?: string; helpGroup?: string} = {}) {
  return Flags.string({
    description: `${options.when ?? ''}when the daemon goes away, wait this long for it to come back (0: fail at once), e.g. 30s, 5m, 1h`,
    default: '5m',
    helpGroup: options.helpGroup,
  })
}

/** '0', a duration (500ms, 30s, 5m, 1h30m) or a number of seconds, in milliseconds. */
export function parseReconnectTimeout(text: string): number {
  const t = text.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000)
  const ms = parseDuration(t)
  if (ms === undefined) throw new SamsaError('USAGE', `bad --reconnect-timeout '${text}': expected 0, seconds or a duration such as 30s, 5m or 1h`)
  return ms
}

/** "samsa: daemon restarted, …", the line an outage gets once the daemon answers again. */
export function restartedLine(startedPid: number | null, what: string): string {
  return `samsa: daemon restarted${startedPid === null ? '' : ` (auto-started, pid ${startedPid})`}, ${what}\n`
}

/** topic-partition offset N, …: at most `max` of them, then how many more. */
export function listPositions(items: {topic: string; partition: number; offset?: number}[], max = 4): string {
  const shown = items.slice(0, max).map((i) => `${i.topic}-${i.partition}${i.offset === undefined ? '' : ` offset ${i.offset}`}`)
  if (items.length > max) shown.push(`and ${items.length - max} more`)
  return shown.join(', ')
}
