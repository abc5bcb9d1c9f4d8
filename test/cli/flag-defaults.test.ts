// produce's flag defaults repeat the Producer's (the command avoids importing it at load time).
import {describe, expect, it} from 'vitest'
import Produce from '../../src/commands/produce.js'
import {DEFAULT_BATCH_BYTES, DEFAULT_LINGER_MS} from '../../src/client/producer.js'
import {parseByteSize} from '../../src/cli/lines/byte-size.js'

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
})
