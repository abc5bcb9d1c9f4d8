import {describe, expect, it} from 'vitest'
import {parseDuration, parseOffsetSpec, parseTime} from '../../src/client/offset-spec.js'
import {SamsaError} from '../../src/errors.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')

describe('--from / --until grammar', () => {
  it.each([
    ['beginning', {kind: 'beginning'}],
    ['earliest', {kind: 'beginning'}],
    ['end', {kind: 'end'}],
    ['latest', {kind: 'end'}],
    ['0', {kind: 'offset', offset: 0}],
    ['42', {kind: 'offset', offset: 42}],
    ['-2', {kind: 'last', count: 2}],
    ['-1h', {kind: 'time', timestamp: NOW - 3_600_000}],
    ['-30m', {kind: 'time', timestamp: NOW - 1_800_000}],
    ['-10s', {kind: 'time', timestamp: NOW - 10_000}],
    ['-1h30m', {kind: 'time', timestamp: NOW - 5_400_000}],
    ['-500ms', {kind: 'time', timestamp: NOW - 500}],
    ['@2026-11-20T09:00:00Z', {kind: 'time', timestamp: Date.parse('2026-11-20T09:00:00Z')}],
    ['@2026-11-20T09:00:00', {kind: 'time', timestamp: Date.parse('2026-11-20T09:00:00Z')}],
    ['@2026-11-20', {kind: 'time', timestamp: Date.parse('2026-11-20T00:00:00Z')}],
    ['@2026-11-20T10:00:00+01:00', {kind: 'time', timestamp: Date.parse('2026-11-20T09:00:00Z')}],
    ['@1700000000000', {kind: 'time', timestamp: 1700000000000}],
  ])('%s', (text, spec) => {
    expect(parseOffsetSpec(text, '--from', NOW)).toEqual(spec)
  })

  it.each(['', 'x', '--1', '1.5', '-1y', '@yesterday', '@2026-02-31', '@2026-13-01', '+5', '-h'])('rejects %j with a usage error', (text) => {
    let err: unknown
    try {
      parseOffsetSpec(text, '--from', NOW)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SamsaError)
    expect((err as SamsaError).code).toBe('USAGE')
    expect((err as SamsaError).message).toMatch(/^bad --from/)
  })

  it('parses times and durations', () => {
    expect(parseTime('2026-11-20T09:00:00.5Z')).toBe(Date.parse('2026-11-20T09:00:00.500Z'))
    expect(parseTime('2026-11-20 09:00')).toBe(Date.parse('2026-11-20T09:00:00Z'))
    expect(parseTime('nope')).toBeUndefined()
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('2')).toBeUndefined()
  })
})
