// Topic configs: Kafka's names and defaults; bad input is refused with a message naming the config
// and what it accepts.
import {describe, expect, it} from 'vitest'
import {
  formatLogConfigValue,
  LOG_CONFIG_DEFAULTS,
  LOG_CONFIG_DEFS,
  maxSegmentMs,
  NEVER,
  parseLogConfigValue,
  resolveLogConfig,
} from '../../src/storage/log-config.js'

describe('log config', () => {
  it("has Kafka's defaults", () => {
    expect(LOG_CONFIG_DEFAULTS).toEqual({
      'cleanup.policy': 'delete',
      'retention.ms': 604800000,
      'retention.bytes': -1,
      'segment.bytes': 1073741824,
      'segment.ms': 604800000,
      'max.message.bytes': 1048588,
      'message.timestamp.type': 'CreateTime',
      'min.cleanable.dirty.ratio': 0.5,
      'delete.retention.ms': 86400000,
      'min.compaction.lag.ms': 0,
      'max.compaction.lag.ms': NEVER,
      'flush.messages': NEVER,
      'flush.ms': NEVER,
      'index.interval.bytes': 4096,
    })
    expect(Object.keys(LOG_CONFIG_DEFS).every((k) => LOG_CONFIG_DEFS[k as keyof typeof LOG_CONFIG_DEFS].doc.length > 10)).toBe(true)
  })

  it('parses overrides from a Map or an object', () => {
    const c = resolveLogConfig(new Map([['retention.ms', '-1'], ['cleanup.policy', 'delete, compact'], ['min.cleanable.dirty.ratio', '0.25']]))
    expect(c['retention.ms']).toBe(-1)
    expect(c['cleanup.policy']).toBe('compact,delete')
    expect(c['min.cleanable.dirty.ratio']).toBe(0.25)
    expect(resolveLogConfig({'flush.messages': '9223372036854775807'})['flush.messages']).toBe(NEVER)
    expect(formatLogConfigValue('flush.messages', NEVER)).toBe('9223372036854775807')
    expect(parseLogConfigValue('message.timestamp.type', 'LogAppendTime')).toBe('LogAppendTime')
  })

  const bad: Array<[string, string, string]> = [
    ['segment.bytes', 'abc', 'invalid value "abc" for segment.bytes: expected an integer from 1024 to 2147483647'],
    ['segment.bytes', '100', 'invalid value "100" for segment.bytes: expected an integer from 1024 to 2147483647'],
    ['segment.bytes', '2147483648', 'expected an integer from 1024 to 2147483647'],
    ['retention.ms', '-2', 'invalid value "-2" for retention.ms: expected an integer from -1 (no limit) to 9223372036854775807'],
    ['retention.ms', '1.5', 'for retention.ms'],
    ['min.cleanable.dirty.ratio', '1.5', 'invalid value "1.5" for min.cleanable.dirty.ratio: expected a number from 0 to 1'],
    ['cleanup.policy', 'remove', 'invalid value "remove" for cleanup.policy: expected one of delete | compact | compact,delete'],
    ['message.timestamp.type', 'createtime', 'expected one of CreateTime | LogAppendTime'],
    ['flush.messages', '0', 'for flush.messages'],
    ['flush.ms', '99999999999999999999', 'for flush.ms'],
    ['min.compaction.lag.ms', '-1', 'invalid value "-1" for min.compaction.lag.ms: expected an integer from 0 to 9223372036854775807'],
    ['max.compaction.lag.ms', '0', 'invalid value "0" for max.compaction.lag.ms: expected an integer from 1 to 9223372036854775807'],
  ]
  for (const [name, raw, message] of bad) {
    it(`rejects ${name}=${raw}`, () => {
      expect(() => resolveLogConfig({[name]: raw})).toThrow(expect.objectContaining({code: 'INVALID_CONFIG', message: expect.stringContaining(message)}))
    })
  }

  it("refuses min.compaction.lag.ms above max.compaction.lag.ms (Kafka's one rule between configs)", () => {
    expect(() => resolveLogConfig({'min.compaction.lag.ms': '60000', 'max.compaction.lag.ms': '1000'})).toThrow(
      expect.objectContaining({code: 'INVALID_CONFIG', message: 'min.compaction.lag.ms (60000) is greater than max.compaction.lag.ms (1000)'}),
    )
    expect(resolveLogConfig({'min.compaction.lag.ms': '1000', 'max.compaction.lag.ms': '1000'})['max.compaction.lag.ms']).toBe(1000)
  })

  it('a compacted topic rolls by max.compaction.lag.ms when it is shorter than segment.ms (Kafka: maxSegmentMs)', () => {
    const c = resolveLogConfig({'segment.ms': '600000', 'max.compaction.lag.ms': '60000'})
    expect(maxSegmentMs(c)).toBe(600000) // cleanup.policy=delete: the lag means nothing
    expect(maxSegmentMs({...c, 'cleanup.policy': 'compact'})).toBe(60000)
    expect(maxSegmentMs({...c, 'cleanup.policy': 'compact,delete', 'max.compaction.lag.ms': NEVER})).toBe(600000)
  })

  it('rejects unknown names, with a suggestion', () => {
    expect(() => resolveLogConfig({'retention.mss': '1'})).toThrow('unknown config "retention.mss" (did you mean retention.ms?)')
    expect(() => resolveLogConfig({__proto__: '1'} as unknown as Record<string, string>)).not.toThrow() // a literal __proto__ sets the prototype, no key
    expect(() => resolveLogConfig(new Map([['__proto__', '1']]))).toThrow(expect.objectContaining({code: 'INVALID_CONFIG'}))
    expect(() => resolveLogConfig(new Map([['constructor', '1']]))).toThrow(/unknown config "constructor"/)
    expect(() => parseLogConfigValue('toString', '1')).toThrow(/unknown config/)
  })
})
