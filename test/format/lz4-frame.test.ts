import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, describe, expect, it} from 'vitest'
import {compressFrame, decompressFrame} from '../../src/format/lz4-frame.js'
import {xxhash32} from '../../src/format/xxhash32.js'

const dir = mkdtempSync(join(tmpdir(), 'samsa-lz4-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function lz4(args: string[], input?: Buffer): Buffer {
  const r = spawnSync('/usr/bin/lz4', args, {input, maxBuffer: 1 << 28})
  if (r.status !== 0) throw new Error(`lz4 ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

// log-like text (compressible) with an incompressible stretch in the middle, > 64 KiB so frames hold
// several blocks, including one that LZ4 stores raw
function sampleData(lines = 6000): Buffer {
  const text: string[] = []
  for (let i = 0; i < lines; i++) text.push(`2026-11-20T09:${String(i % 60).padStart(2, '0')}:00Z INFO user${(i * 7919) % 5000} GET /api/orders/${i} -> 200 in ${i % 997}ms\n`)
  const t = Buffer.from(text.join(''))
  return Buffer.concat([t, randomBytes(70_000), t.subarray(0, 5000)])
}

function expectCorrupt(fn: () => unknown, message?: RegExp): void {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, 'expected a SamsaError').toMatchObject({code: 'CORRUPT_MESSAGE'})
  if (message) expect((err as Error).message).toMatch(message)
}

// a frame header with a correct HC, for crafting hostile frames
function header(flg: number, bd: number, contentSize?: number): Buffer {
  const descriptor = Buffer.alloc(contentSize === undefined ? 2 : 10)
  descriptor[0] = flg
  descriptor[1] = bd
  if (contentSize !== undefined) descriptor.writeBigUInt64LE(BigInt(contentSize), 2)
  const hc = (xxhash32(descriptor) >>> 8) & 0xff
  return Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([hc])])
}

describe('compressFrame', () => {
  it('writes the frame Kafka writes: magic, FLG 0x60, BD 0x40, correct HC, end mark', () => {
    const frame = compressFrame(Buffer.from('hello hello hello hello'))
    expect(frame.subarray(0, 6).toString('hex')).toBe('04224d186040')
    expect(frame[6]).toBe((xxhash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff)
    expect(frame.subarray(-4).toString('hex')).toBe('00000000')
  })

  it('is decoded by the lz4 CLI to the original bytes', () => {
    const data = sampleData()
    const frame = compressFrame(data)
    expect(frame.length).toBeLessThan(data.length)
    expect(lz4(['-d', '-c'], frame).equals(data)).toBe(true)
    expect(lz4(['-d', '-c'], compressFrame(Buffer.alloc(0))).length).toBe(0)
  })

  it('stores an incompressible block raw (high bit set) instead of growing it', () => {
    const noise = randomBytes(1000)
    const frame = compressFrame(noise)
    expect(frame.readUInt32LE(7)).toBe((0x80000000 | 1000) >>> 0)
    expect(frame.length).toBe(7 + 4 + 1000 + 4)
    expect(lz4(['-d', '-c'], frame).equals(noise)).toBe(true)
  })

  it('round-trips arbitrary bytes through decompressFrame', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 3000}), fc.integer({min: 0, max: 3}), (a, repeat) => {
        let data = Buffer.from(a)
        for (let i = 0; i < repeat; i++) data = Buffer.concat([data, data])
        expect(decompressFrame(compressFrame(data), data.length).equals(data)).toBe(true)
      }),
      {numRuns: 200},
    )
  })
})

describe('decompressFrame reads frames written by the lz4 CLI', () => {
  const data = sampleData()
  const file = join(dir, 'sample.txt')
  writeFileSync(file, data)
  const variants: string[][] = [[], ['-BX'], ['--content-size'], ['-B4'], ['-B5'], ['-B6'], ['-B7'], ['--no-frame-crc'], ['-B4', '-BX', '--content-size'], ['-1'], ['-9']]
  for (const args of variants) {
    it(`lz4 ${args.join(' ') || '(defaults)'}`, () => {
      const frame = lz4(['-c', ...args, file])
      expect(decompressFrame(frame, 1 << 24).equals(data)).toBe(true)
    })
  }

  it('checks --content-size and rejects a frame bigger than maxSize before decoding it', () => {
    const frame = lz4(['-c', '--content-size', file])
    expect(frame[4] & 0x08).toBe(0x08)
    expectCorrupt(() => decompressFrame(frame, data.length - 1), /content size \d+ exceeds/)
  })

  it('verifies block checksums (-BX) and the content checksum', () => {
    const withBlockSums = lz4(['-c', '-BX', '-B4', file])
    const bad = Buffer.from(withBlockSums)
    bad[bad.length - 20] ^= 0x01 // inside the last block's data
    expectCorrupt(() => decompressFrame(bad, 1 << 24), /checksum/)
    // default frames carry a content checksum: corrupt it directly
    const plain = lz4(['-c', file])
    const badContent = Buffer.from(plain)
    badContent[badContent.length - 1] ^= 0x01
    expectCorrupt(() => decompressFrame(badContent, 1 << 24), /content checksum/)
  })

  it('linked blocks (-BD): a single-block frame decodes; a multi-block one is rejected, as Kafka does', () => {
    const small = Buffer.from('linked but only one block '.repeat(100))
    expect(decompressFrame(lz4(['-c', '-BD'], small), 1 << 20).equals(small)).toBe(true)
    const linked = lz4(['-c', '-BD', '-B4', file])
    expect(linked[4] & 0x20).toBe(0) // the CLI really wrote dependent blocks
    expectCorrupt(() => decompressFrame(linked, 1 << 24), /LZ4 frame uses linked blocks/)
  })

  it('accepts concatenated frames and skips skippable frames', () => {
    const a = Buffer.from('first frame ')
    const b = Buffer.from('second frame')
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9])
    expect(decompressFrame(Buffer.concat([compressFrame(a), skippable, lz4(['-c'], b)]), 100).toString()).toBe('first frame second frame')
  })
})

describe('decompressFrame on hostile input', () => {
  it('rejects bad magic, version, reserved bits, header checksum and trailing garbage', () => {
    const good = compressFrame(Buffer.from('some data some data'))
    expectCorrupt(() => decompressFrame(Buffer.from('not a frame'), 100), /bad magic/)
    expectCorrupt(() => decompressFrame(Buffer.alloc(0), 100), /truncated/)
    const badHc = Buffer.from(good)
    badHc[6] ^= 0xff
    expectCorrupt(() => decompressFrame(badHc, 100), /header checksum/)
    expectCorrupt(() => decompressFrame(Buffer.concat([header(0xa0, 0x40), Buffer.alloc(4)]), 100), /version/)
    expectCorrupt(() => decompressFrame(Buffer.concat([header(0x62, 0x40), Buffer.alloc(4)]), 100), /reserved/)
    expectCorrupt(() => decompressFrame(Buffer.concat([header(0x60, 0x30), Buffer.alloc(4)]), 100), /block size id 3/)
    expectCorrupt(() => decompressFrame(Buffer.concat([good, Buffer.from([1, 2])]), 100), /trailing/)
  })

  it('a frame claiming a huge content size fails fast without allocating it', () => {
    const before = process.memoryUsage().arrayBuffers
    const t0 = performance.now()
    // 2^40 bytes claimed, 10 bytes present
    expectCorrupt(() => decompressFrame(Buffer.concat([header(0x68, 0x70, 2 ** 40), Buffer.alloc(10, 1)]), 64 << 20), /content size/)
    // exactly maxSize claimed (64 MiB), 10 bytes present: allowed by the cap, but not worth allocating
    expectCorrupt(() => decompressFrame(Buffer.concat([header(0x68, 0x70, 64 << 20), Buffer.from([10, 0, 0, 0]), Buffer.alloc(6)]), 64 << 20), /truncated/)
    expect(performance.now() - t0).toBeLessThan(200)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20)
  })

  it('a 4 MiB block with 10 bytes present is reported as truncated', () => {
    const frame = Buffer.concat([header(0x60, 0x70), Buffer.from([0, 0, 0x40, 0]), Buffer.alloc(10)])
    expectCorrupt(() => decompressFrame(frame, 64 << 20), /truncated: block of 4194304 bytes, 10 left/)
    const tooBig = Buffer.concat([header(0x60, 0x40), Buffer.from([0, 0, 0x40, 0]), Buffer.alloc(10)])
    expectCorrupt(() => decompressFrame(tooBig, 64 << 20), /exceeds the 65536-byte block size/)
  })

  it('blocks that decompress past maxSize are stopped at maxSize', () => {
    const zeros = Buffer.alloc(1 << 20)
    const frame = compressFrame(zeros) // ~4 KiB of frame for 1 MiB of zeros
    expect(frame.length).toBeLessThan(8192)
    expectCorrupt(() => decompressFrame(frame, 100_000), /limit/)
    expectCorrupt(() => decompressFrame(compressFrame(randomBytes(5000)), 4999), /limit/)
    expect(decompressFrame(frame, 1 << 20).equals(zeros)).toBe(true)
  })

  it('never throws anything but CORRUPT_MESSAGE on truncated or mutated frames, and never hangs', () => {
    const frame = lz4(['-c', '-BX', '--content-size', join(dir, 'sample.txt')])
    fc.assert(
      fc.property(fc.integer({min: 0, max: frame.length - 1}), fc.integer({min: 1, max: 255}), fc.boolean(), (at, xor, truncate) => {
        const bad = truncate ? frame.subarray(0, at) : Buffer.from(frame)
        if (!truncate) bad[at] ^= xor
        try {
          decompressFrame(bad, 1 << 24)
        } catch (err) {
          expect(err).toMatchObject({code: 'CORRUPT_MESSAGE'})
          return
        }
        // a mutation inside a raw (stored) block without checksums can survive; with -BX it cannot
        expect.unreachable(`frame mutated at ${at} decoded without error`)
      }),
      {numRuns: 300},
    )
  })
})
