// The CLI's output and flag helpers (src/cli/output.ts, config-pairs.ts): small pure functions the
// integration tests rely on, checked here without a daemon.
import {describe, expect, it} from 'vitest'
import {parseConfigNames, parseConfigPairs} from '../../src/cli/config-pairs.js'
import {humanBytes, humanDuration, keyValueTable, table, withDurationHint} from '../../src/cli/output.js'

describe('output helpers', () => {
  it('humanBytes uses binary units', () => {
    expect(humanBytes(0)).toBe('0 B')
    expect(humanBytes(1023)).toBe('1023 B')
    expect(humanBytes(1024)).toBe('1.0 KiB')
    expect(humanBytes(1.2 * 1024 * 1024)).toBe('1.2 MiB')
    expect(humanBytes(15 * 1024 * 1024)).toBe('15 MiB')
    expect(humanBytes(1024 ** 3)).toBe('1.0 GiB')
  })

  it('humanDuration shows the two largest units', () => {
    expect(humanDuration(850)).toBe('850 ms')
    expect(humanDuration(12_345)).toBe('12.3 s')
    expect(humanDuration(245_000)).toBe('4m 05s')
    expect(humanDuration(3 * 3600_000 + 7 * 60_000)).toBe('3h 07m')
    expect(humanDuration(604_800_000)).toBe('7d 00h')
  })

  it('withDurationHint annotates *.ms values, not "never"', () => {
    expect(withDurationHint('retention.ms', '604800000')).toBe('604800000 (7d 00h)')
    expect(withDurationHint('flush.ms', '9223372036854775807')).toBe('9223372036854775807')
    expect(withDurationHint('retention.ms', '-1')).toBe('-1')
    expect(withDurationHint('segment.bytes', '1024')).toBe('1024')
  })

  it('tables carry no ANSI escapes unless colour is asked for', () => {
    const plain = table(['A', 'B'], [[1, 'x'], [null, undefined]], {colour: false})
    expect(plain).not.toMatch(/\x1b\[/)
    expect(plain).toContain('│ 1 │ x │')
    // (whether colour: true really colours is cli-table3's call: it stays plain under CI=true or NO_COLOR)
    const kv = keyValueTable([['pid', 42]], {colour: false})
    expect(kv).toContain('pid')
    expect(kv).toContain('42')
    expect(kv).not.toMatch(/\x1b\[/)
  })
})

describe('--config pairs', () => {
  it('splits at the first "=" and keeps the rest of the value', () => {
    expect(parseConfigPairs(['retention.ms=5', 'x=a=b', 'empty='])).toEqual({'retention.ms': '5', x: 'a=b', empty: ''})
  })

  it('keeps "__proto__" as data', () => {
    const c = parseConfigPairs(['__proto__=1'])
    expect(Object.hasOwn(c, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype)
  })

  it('refuses missing "=", empty names and duplicates as usage errors', () => {
    for (const bad of [['retention.ms'], ['=5'], ['a=1', 'a=2']]) {
      let err: unknown
      try {
        parseConfigPairs(bad)
      } catch (e) {
        err = e
      }
      expect(err, bad.join(' ')).toMatchObject({code: 'USAGE', exitCode: 2})
    }
    expect(() => parseConfigNames(['a=1'])).toThrow(/takes a config name/)
    expect(parseConfigNames(['a', 'a', 'b'])).toEqual(['a', 'b'])
  })
})
