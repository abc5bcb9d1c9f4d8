// Topic (log) configuration with Kafka's names, defaults and ranges, so a Kafka user needs no new
// vocabulary and the Kafka backend can pass the same `--config k=v` pairs straight through.
//
// Layout: a LogConfig is a plain object keyed by the exact Kafka names ('segment.bytes', …). It is built
// only by resolveLogConfig from LOG_CONFIG_DEFAULTS plus checked overrides, never by indexing an object
// with a user-supplied name: every name is first checked with isLogConfigName (Object.hasOwn on a
// null-prototype table, so '__proto__' or 'constructor' are just unknown names).
// Invariants: every value in a LogConfig is within its def's range, and min.compaction.lag.ms ≤
// max.compaction.lag.ms (Kafka's one cross-config rule). "Never" (flush.messages, flush.ms)
// is Number.MAX_SAFE_INTEGER: Kafka's default is Long.MAX_VALUE, and any integer ≥ 2^53 given by a user
// is clamped to it (formatLogConfigValue prints it back as Kafka's 9223372036854775807).
// Deviation from Kafka: segment.bytes has a minimum of 1024 (Kafka: 14, which only makes sense in tests;
// a segment smaller than one batch header plus one record would roll on every append).
// Owner: pure data, no I/O; used by the daemon's catalog (validate, describe) and by PartitionLog.

import {SamsaError} from '../errors.js'

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'
export type TimestampType = 'CreateTime' | 'LogAppendTime'

export interface LogConfig {
  'cleanup.policy': CleanupPolicy
  'retention.ms': number
  'retention.bytes': number
  'segment.bytes': number
  'segment.ms': number
  'max.message.bytes': number
  'message.timestamp.type': TimestampType
  'min.cleanable.dirty.ratio': number
  'delete.retention.ms': number
  'min.compaction.lag.ms': number
  'max.compaction.lag.ms': number
  'flush.messages': number
  'flush.ms': number
  'index.interval.bytes': number
}

export type LogConfigName = keyof LogConfig

export interface LogConfigDef {
  /** int: 32-bit integer; long: integer up to 2^63-1 (clamped to 2^53-1); double; enum: one of `values` */
  type: 'int' | 'long' | 'double' | 'enum'
  default: number | string
  min?: number
  max?: number
  values?: readonly string[]
  doc: string
}

const INT_MAX = 2147483647
/** What Kafka calls Long.MAX_VALUE ("never"); held as the largest exact double. */
export const NEVER = Number.MAX_SAFE_INTEGER
const LONG_MAX_TEXT = '9223372036854775807'
const LONG_MAX = 9223372036854775807n

function defs(table: {[K in LogConfigName]: LogConfigDef}): Readonly<{[K in LogConfigName]: LogConfigDef}> {
  // a null prototype: LOG_CONFIG_DEFS['__proto__'] is undefined rather than Object.prototype
  return Object.freeze(Object.assign(Object.create(null) as object, table)) as {[K in LogConfigName]: LogConfigDef}
}

export const LOG_CONFIG_DEFS = defs({
  'cleanup.policy': {
    type: 'enum',
    default: 'delete',
    values: ['delete', 'compact', 'compact,delete'],
    doc: 'delete old segments by retention.ms/retention.bytes, compact to the latest record per key, or both',
  },
  'retention.ms': {
    type: 'long',
    default: 604800000,
    min: -1,
    max: NEVER,
    doc: 'delete a closed segment once its newest record is older than this (ms); -1 keeps data forever',
  },
  'retention.bytes': {
    type: 'long',
    default: -1,
    min: -1,
    max: NEVER,
    doc: 'delete the oldest closed segments while the partition is larger than this; -1 means no limit',
  },
  'segment.bytes': {
    type: 'int',
    default: 1073741824,
    min: 1024,
    max: INT_MAX,
    doc: 'roll to a new segment file when the active one would grow beyond this many bytes',
  },
  'segment.ms': {
    type: 'long',
    default: 604800000,
    min: 1,
    max: NEVER,
    doc: 'roll to a new segment when the active one is older than this (ms), even if not full',
  },
  'max.message.bytes': {
    type: 'int',
    default: 1048588,
    min: 0,
    max: INT_MAX,
    doc: 'largest record batch accepted, in bytes (after compression)',
  },
  'message.timestamp.type': {
    type: 'enum',
    default: 'CreateTime',
    values: ['CreateTime', 'LogAppendTime'],
    doc: "keep the producer's timestamps (CreateTime) or stamp each batch with the broker's time",
  },
  'min.cleanable.dirty.ratio': {
    type: 'double',
    default: 0.5,
    min: 0,
    max: 1,
    doc: 'compact once this fraction of the log is dirty (written since the last compaction)',
  },
  'delete.retention.ms': {
    type: 'long',
    default: 86400000,
    min: 0,
    max: NEVER,
    doc: 'how long a tombstone (null value) survives compaction, in ms',
  },
  'min.compaction.lag.ms': {
    type: 'long',
    default: 0,
    min: 0,
    max: NEVER,
    doc: 'a record stays uncompacted for at least this long (ms): segments holding newer records are not cleaned',
  },
  'max.compaction.lag.ms': {
    type: 'long',
    default: NEVER,
    min: 1,
    max: NEVER,
    doc: 'a record is compacted within about this long (ms): a dirty segment older than this is cleaned whatever the dirty ratio',
  },
  'flush.messages': {
    type: 'long',
    default: NEVER,
    min: 1,
    max: NEVER,
    doc: 'fsync after this many records (1 = every batch is durable before anyone can read it); default never',
  },
  'flush.ms': {
    type: 'long',
    default: NEVER,
    min: 0,
    max: NEVER,
    doc: 'fsync when the oldest unflushed record is this old (ms); default never',
  },
  'index.interval.bytes': {
    type: 'int',
    default: 4096,
    min: 0,
    max: INT_MAX,
    doc: 'bytes of log between two entries of the sparse offset index',
  },
})

export const LOG_CONFIG_NAMES = Object.freeze(Object.keys(LOG_CONFIG_DEFS) as LogConfigName[])

export const LOG_CONFIG_DEFAULTS: Readonly<LogConfig> = Object.freeze(
  Object.fromEntries(LOG_CONFIG_NAMES.map((n) => [n, LOG_CONFIG_DEFS[n].default])) as unknown as LogConfig,
)

export function isLogConfigName(name: string): name is LogConfigName {
  return Object.hasOwn(LOG_CONFIG_DEFS, name)
}

/** Parses one `--config name=raw` value; throws SamsaError INVALID_CONFIG naming the config and its range. */
export function parseLogConfigValue<N extends LogConfigName>(name: N, raw: string): LogConfig[N]
export function parseLogConfigValue(name: string, raw: string): LogConfig[LogConfigName]
export function parseLogConfigValue(name: string, raw: string): LogConfig[LogConfigName] {
  if (!isLogConfigName(name)) throw unknownConfig(name)
  const def = LOG_CONFIG_DEFS[name]
  const text = raw.trim()
  const bad = (): SamsaError =>
    new SamsaError('INVALID_CONFIG', `invalid value ${JSON.stringify(raw)} for ${name}: expected ${expectation(def)}`)
  switch (def.type) {
    case 'enum': {
      const value = name === 'cleanup.policy' ? normalizeCleanupPolicy(text) : text
      if (!def.values!.includes(value)) throw bad()
      return value as CleanupPolicy | TimestampType
    }
    case 'double': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw bad()
      const value = Number(text)
      if (!Number.isFinite(value) || value < def.min! || value > def.max!) throw bad()
      return value
    }
    case 'int':
    case 'long': {
      if (!/^[+-]?\d{1,19}$/.test(text)) throw bad()
      const big = BigInt(text)
      if (big < BigInt(def.min!)) throw bad()
      if (def.type === 'int' && big > BigInt(def.max!)) throw bad()
      if (big > LONG_MAX) throw bad()
      // a long beyond 2^53 means "practically never": clamp to the largest exact double
      return big > BigInt(NEVER) ? NEVER : Number(big)
    }
  }
}

/** Defaults overridden by checked values. Unknown names and bad values throw INVALID_CONFIG. */
export function resolveLogConfig(overrides: ReadonlyMap<string, string> | Readonly<Record<string, string>> = {}): LogConfig {
  const config: LogConfig = {...LOG_CONFIG_DEFAULTS}
  const entries = overrides instanceof Map ? [...overrides.entries()] : Object.entries(overrides as Record<string, string>)
  for (const [name, raw] of entries) {
    if (!isLogConfigName(name)) throw unknownConfig(name)
    setConfig(config, name, parseLogConfigValue(name, String(raw)))
  }
  // Kafka's LogConfig.validateValues: the one rule between two configs
  if (config['min.compaction.lag.ms'] > config['max.compaction.lag.ms']) {
    throw new SamsaError(
      'INVALID_CONFIG',
      `min.compaction.lag.ms (${config['min.compaction.lag.ms']}) is greater than max.compaction.lag.ms (${formatLogConfigValue('max.compaction.lag.ms', config['max.compaction.lag.ms'])})`,
    )
  }
  return config
}

/**
 * When the active segment rolls by age (Kafka's LogConfig.maxSegmentMs): segment.ms, or sooner on a
 * compacted topic when max.compaction.lag.ms is shorter — the cleaner never touches the active segment,
 * so a record could otherwise stay uncompacted for segment.ms whatever max.compaction.lag.ms says.
 */
export function maxSegmentMs(config: LogConfig): number {
  if (config['cleanup.policy'].includes('compact')) return Math.min(config['segment.ms'], config['max.compaction.lag.ms'])
  return config['segment.ms']
}

/** The text a user would type for a value (`topic describe`): "never" longs print as Kafka's Long.MAX. */
export function formatLogConfigValue(name: LogConfigName, value: LogConfig[LogConfigName]): string {
  const def = LOG_CONFIG_DEFS[name]
  if ((def.type === 'long' || def.type === 'int') && value === NEVER) return LONG_MAX_TEXT
  return String(value)
}

function setConfig<N extends LogConfigName>(config: LogConfig, name: N, value: LogConfig[N]): void {
  config[name] = value
}

function normalizeCleanupPolicy(text: string): string {
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length === 2 && parts.includes('compact') && parts.includes('delete') && parts[0] !== parts[1]) return 'compact,delete'
  return parts.join(',')
}

function expectation(def: LogConfigDef): string {
  switch (def.type) {
    case 'enum':
      return `one of ${def.values!.join(' | ')}`
    case 'double':
      return `a number from ${def.min} to ${def.max}`
    case 'int':
    case 'long': {
      const max = def.max === NEVER ? LONG_MAX_TEXT : String(def.max)
      const min = def.min === -1 ? '-1 (no limit)' : String(def.min)
      return `an integer from ${min} to ${max}`
    }
  }
}

function unknownConfig(name: string): SamsaError {
  const guess = closestName(name)
  const hint = guess ? ` (did you mean ${guess}?)` : `; known configs: ${LOG_CONFIG_NAMES.join(', ')}`
  return new SamsaError('INVALID_CONFIG', `unknown config ${JSON.stringify(name)}${hint}`)
}

function closestName(name: string): string | null {
  let best: string | null = null
  let bestDistance = 4
  for (const candidate of LOG_CONFIG_NAMES) {
    const d = editDistance(name.toLowerCase(), candidate)
    if (d < bestDistance) {
      bestDistance = d
      best = candidate
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64) return 99
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}
