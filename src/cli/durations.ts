// Durations on the command line (--commit-interval, --session-timeout, `wait --timeout`): a number of
// milliseconds, or the --from grammar's durations: 500ms, 10s, 30m, 1h, 1h30m.
import {parseDuration} from '../client/offset-spec.js'
import {SamsaError} from '../errors.js'

/** Milliseconds, or USAGE naming the flag. */
export function parseDurationFlag(text: string, flag: string, options: {min?: number; max?: number} = {}): number {
  const t = text.trim().toLowerCase()
  const ms = /^\d+$/.test(t) ? Number(t) : parseDuration(t)
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    throw new SamsaError('USAGE', `bad ${flag} '${text}': expected a duration such as 500ms, 10s, 5m or 1h (a bare number is milliseconds)`)
  }
  const {min, max} = options
  if (min !== undefined && ms < min) throw new SamsaError('USAGE', `bad ${flag} '${text}': must be at least ${min} ms`)
  if (max !== undefined && ms > max) throw new SamsaError('USAGE', `bad ${flag} '${text}': must be at most ${max} ms`)
  return ms
}
