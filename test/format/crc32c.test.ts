import {describe, expect, it} from 'vitest'
import {crc32c} from '../../src/format/crc32c.js'

describe('crc32c', () => {
  it('is CRC-32C (Castagnoli), not zlib IEEE CRC-32: "123456789" → 0xE3069283', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  it('returns an unsigned value and checksums only the requested range', () => {
    const b = Buffer.from('xx123456789yy')
    expect(crc32c(b, 2, 11)).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBeGreaterThan(0)
    expect(crc32c(b, 5, 5)).toBe(0)
  })
})
