// produce's flag defaults repeat the Producer's (the command avoids importing it at load time).
import {describe, expect, it} from 'vitest'
import Produce from '../../src/commands/produce.js'
import {DEFAULT_BATCH_BYTES, DEFAULT_LINGER_MS} from '../../src/client/producer.js'
import {parseByteSize} from '../../src/cli/lines/byte-size.js'
import {parseReconnectTimeout} from '../../src/cli/reconnect.js'
import {DEFAULT_RECONNECT_TIMEOUT_MS} from '../../src/client/retry.js'
import Consume from '../../src/commands/consume.js'

describe('produce flag defaults', () => {
  it('match the Producer', () => {
    expect(Produce.flags['linger-ms'].default).toBe(DEFAULT_LINGER_MS)
    expect(parseByteSize(String(Produce.flags['batch-size'].default), '--batch-size')).toBe(DEFAULT_BATCH_BYTES)
  })

  it('byte sizes', () => {
    expect(parseByteSize('64k', 'x')).toBe(65536)
    expect(parseByteSize('1MiB', 'x')).toBe(1048576)
    expect(parseByteSize('1000', 'x')).toBe(1000)
    expect(() => parseByteSize('0', 'x')).toThrow('at least 1 byte')
    expect(() => parseByteSize('lots', '--batch-size')).toThrow("bad --batch-size 'lots'")
  })

  it('--reconnect-timeout: 5 min by default; 0, seconds, durations; anything else is a usage error', () => {
    expect(parseReconnectTimeout(String(Produce.flags['reconnect-timeout'].default))).toBe(DEFAULT_RECONNECT_TIMEOUT_MS)
    expect(parseReconnectTimeout(String(Consume.flags['reconnect-timeout'].default))).toBe(DEFAULT_RECONNECT_TIMEOUT_MS)
    expect(parseReconnectTimeout('0')).toBe(0)
    expect(parseReconnectTimeout('2s')).toBe(2000)
    expect(parseReconnectTimeout('30')).toBe(30_000)
    expect(parseReconnectTimeout('1h30m')).toBe(5_400_000)
    expect(() => parseReconnectTimeout('soon')).toThrow(expect.objectContaining({code: 'USAGE', message: expect.stringMatching(/^bad --reconnect-timeout 'soon'/)}))
  })
})
