// Connection profiles (`samsa config`): named Kafka connection settings, each a librdkafka-style
// properties file — the format --kafka-config reads, so `kcat -F` takes the same file — kept in the
// user's config directory:
//
//   $XDG_CONFIG_HOME/samsa/                          (~/.config/samsa) mode 0700
//   $XDG_CONFIG_HOME/samsa/profiles/NAME.properties  mode 0600: it may hold a SASL password
//   $XDG_CONFIG_HOME/samsa/current-profile           the name `samsa config use` chose, one line
//
// A file is written whole (a temporary file in the same directory, then rename), so a command reading a
// profile while another replaces it reads the old one or the new one, never half of each.
import {chmodSync, closeSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {readProperties} from '../client/index.js'
import {SamsaError} from '../errors.js'
import {makeDirs} from '../make-dirs.js'

export type Properties = Map<string, string>

// `--profile none` (and `SAMSA_PROFILE=none`) means "no profile", so no profile may take the name.
export const NO_PROFILE = 'none'
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const PROFILE_SUFFIX = '.properties' // profiles/NAME.properties holds profile NAME

/** $XDG_CONFIG_HOME/samsa, else ~/.config/samsa: absolute. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'samsa')
}

export function profilesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profiles')
}

export function profilePath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(profilesDir(env), `${name}${PROFILE_SUFFIX}`)
}

export function profileNameProblem(name: string): string | null {
  if (name === NO_PROFILE) return `profile name "${NO_PROFILE}" is reserved (--profile ${NO_PROFILE} means no profile)`
  if (!NAME.test(name)) return `bad profile name ${JSON.stringify(name)}: 1–64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit`
  return null
}

export function validateProfileName(name: string): void {
  const problem = profileNameProblem(name)
  if (problem !== null) throw new SamsaError('USAGE', problem)
}

export function profileExists(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    return statSync(profilePath(name, env)).isFile()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw fileError(profilePath(name, env), err)
  }
}

/** The profile's properties; a missing profile is NOT_FOUND (exit 4). */
export function readProfile(name: string, env: NodeJS.ProcessEnv = process.env): Properties {
  validateProfileName(name)
  if (!profileExists(name, env)) throw new SamsaError('NOT_FOUND', `no profile "${name}" (see: samsa config list)`)
  return readProperties(profilePath(name, env))
}

/** The names of the stored profiles, sorted. Files that are not NAME.properties are not profiles. */
export function listProfiles(env: NodeJS.ProcessEnv = process.env): string[] {
  let entries: string[]
  try {
    entries = readdirSync(profilesDir(env))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw fileError(profilesDir(env), err)
  }
  return entries
    .filter((f) => f.endsWith(PROFILE_SUFFIX))
    .map((f) => f.slice(0, -PROFILE_SUFFIX.length))
    .filter((n) => profileNameProblem(n) === null)
    .sort()
}

/** Writes (or replaces) the profile: `# comment` lines, then name=value lines, mode 0600. */
export function writeProfile(name: string, props: Properties, comments: string[], env: NodeJS.ProcessEnv = process.env): string {
  validateProfileName(name)
  const lines = [...comments.map((c) => `# ${c}`), ...[...props].map(([k, v]) => `${k}=${v}`)]
  const path = profilePath(name, env)
  writePrivate(profilesDir(env), path, `${lines.join('\n')}\n`, env)
  return path
}

/** Removes the profile; false when there was none. */
export function deleteProfile(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  validateProfileName(name)
  try {
    unlinkSync(profilePath(name, env))
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw fileError(profilePath(name, env), err)
  }
}

function currentFile(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'current-profile')
}

/** The profile `samsa config use` chose, or null. */
export function currentProfile(env: NodeJS.ProcessEnv = process.env): string | null {
  let text: string
  try {
    text = readFileSync(currentFile(env), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw fileError(currentFile(env), err)
  }
  const name = text.trim()
  if (name === '') return null
  if (profileNameProblem(name) !== null) {
    throw new SamsaError('USAGE', `${currentFile(env)}: ${JSON.stringify(name)} is not a profile name (reset it with: samsa config use NAME, or samsa config use --none)`)
  }
  return name
}

/** Makes NAME the current profile (null: none, commands go to the local daemon again). */
export function setCurrentProfile(name: string | null, env: NodeJS.ProcessEnv = process.env): void {
  if (name === null) {
    rmSync(currentFile(env), {force: true})
    return
  }
  validateProfileName(name)
  writePrivate(configDir(env), currentFile(env), `${name}\n`, env)
}

// A file only its owner may read, in a directory only its owner may enter. The directories are samsa's
// own, so they are made private even when they already existed with a looser mode.
function writePrivate(dir: string, path: string, text: string, env: NodeJS.ProcessEnv): void {
  try {
    makeDirs(dir, 0o700)
    for (const d of new Set([configDir(env), dir])) chmodSync(d, 0o700)
  } catch (err) {
    throw fileError(dir, err)
  }
  const temp = `${path}.${process.pid}.tmp`
  try {
    const fd = openSync(temp, 'wx', 0o600)
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch (err) {
    rmSync(temp, {force: true})
    throw fileError(path, err)
  }
}

function fileError(path: string, err: unknown): SamsaError {
  const e = err as NodeJS.ErrnoException
  return new SamsaError('STORAGE_ERROR', `${path}: ${e.code ?? ''} ${e.message}`.replace(/ +/g, ' '), {cause: err})
}

// ── what a profile says, for `config list` and `config show` ─────────────────────────────────────────

/** The broker list a profile names, or null. */
export function profileBrokers(props: Properties): string | null {
  return props.get('bootstrap.servers') || props.get('metadata.broker.list') || null
}

/** How a profile connects, in Kafka's words, as the Kafka backend reads the file: "SASL_SSL (PLAIN)". */
export function profileSecurity(props: Properties): string {
  const protocol = (props.get('security.protocol') ?? '').toUpperCase()
  const tls = protocol.endsWith('SSL') || props.has('ssl.ca.location') || props.has('ssl.certificate.location')
  const sasl = protocol.startsWith('SASL') || props.has('sasl.username')
  const effective = sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : tls ? 'SSL' : 'PLAINTEXT'
  return sasl ? `${effective} (${(props.get('sasl.mechanism') ?? 'PLAIN').toUpperCase()})` : effective
}

// Names whose values are secrets: sasl.password, ssl.key.password, sasl.jaas.config (which embeds one) …
export function isSecret(name: string): boolean {
  return /password|secret|jaas/i.test(name)
}

export const MASK = '********'

export function masked(props: Properties): Properties {
  return new Map([...props].map(([k, v]) => [k, isSecret(k) ? MASK : v]))
}

// Stable (--json): fields are added, never renamed.
export interface ProfileSummary {
  name: string
  path: string
  current: boolean
  brokers: string | null
  security: string
  properties: Record<string, string> // secrets masked unless asked for
}

export function describeProfile(name: string, props: Properties, options: {showSecrets?: boolean; env?: NodeJS.ProcessEnv} = {}): ProfileSummary {
  const env = options.env ?? process.env
  return {
    name,
    path: profilePath(name, env),
    current: currentProfile(env) === name,
    brokers: profileBrokers(props),
    security: profileSecurity(props),
    properties: Object.fromEntries(options.showSecrets ? props : masked(props)),
  }
}
