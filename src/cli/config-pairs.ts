// `--config name=value` pairs. The CLI only checks the syntax (a name, then '=', then a value that may
// itself contain '='); whether a name is known and a value in range is the daemon's job, so the Kafka
// backend can pass the same pairs straight through. Bad syntax is a usage error (exit 2).
import {SamsaError} from '../errors.js'

export function parseConfigPairs(pairs: readonly string[] | undefined, flag = '--config'): Record<string, string> {
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=')
    if (eq < 0) throw new SamsaError('USAGE', `${flag} ${JSON.stringify(pair)} is not name=value (e.g. ${flag} retention.ms=86400000)`)
    const name = pair.slice(0, eq).trim()
    if (name.length === 0) throw new SamsaError('USAGE', `${flag} ${JSON.stringify(pair)} has no config name before '='`)
    if (seen.has(name)) throw new SamsaError('USAGE', `${flag} sets ${name} more than once`)
    seen.add(name)
    entries.push([name, pair.slice(eq + 1)])
  }
  // fromEntries defines own properties, so a name like "__proto__" stays data (the daemon rejects it).
  return Object.fromEntries(entries)
}

export function parseConfigNames(names: readonly string[] | undefined, flag = '--delete-config'): string[] {
  const out: string[] = []
  for (const raw of names ?? []) {
    const name = raw.trim()
    if (name.length === 0 || name.includes('=')) {
      throw new SamsaError('USAGE', `${flag} takes a config name (e.g. ${flag} retention.ms), not ${JSON.stringify(raw)}`)
    }
    if (!out.includes(name)) out.push(name)
  }
  return out
}
