// The cleaner's offset map against a plain Map model: the last offset per key, refusing new keys once
// it holds maxEntries, memory fixed by its size; and against a map too small for one batch the cleaner
// says so instead of looping.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {OffsetMap} from '../../src/storage/offset-map.js'
import {keyed} from './cleaner-helpers.js'
import {config, open, removeDir, tempDir} from './helpers.js'

const key = (s: string): Buffer => Buffer.from(s)

describe('OffsetMap', () => {
  it('answers like a Map of key → last offset, for any keys (sub-ranges of larger buffers too), growing as it fills', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({maxLength: 40}), fc.boolean()), {maxLength: 300}), fc.constantFrom(4, 16, 1024), (ops, initialSlots) => {
        const map = new OffsetMap({memoryBytes: 24 * 1024, initialSlots})
        const model = new Map<string, number>()
        ops.forEach(([bytes, isGet], offset) => {
          const padded = Buffer.concat([Buffer.from('..'), Buffer.from(bytes), Buffer.from('...')])
          const id = Buffer.from(bytes).toString('hex')
          if (isGet) {
            expect(map.get(padded, 2, 2 + bytes.length)).toBe(model.get(id) ?? -1)
          } else {
            expect(map.put(padded, 2, 2 + bytes.length, offset)).toBe(true)
            model.set(id, offset)
          }
        })
        expect(map.size).toBe(model.size)
        for (const [id, offset] of model) {
          const k = Buffer.from(id, 'hex')
          expect(map.get(k, 0, k.length)).toBe(offset)
        }
        map.clear()
        expect(map.size).toBe(0)
        for (const id of model.keys()) expect(map.get(Buffer.from(id, 'hex'), 0, id.length / 2)).toBe(-1)
      }),
      {numRuns: 200},
    )
  })

  it('refuses a new key once it holds maxEntries, still updates the keys it has, and clear() empties it', () => {
    const map = new OffsetMap({memoryBytes: 24 * 16, loadFactor: 0.75, initialSlots: 4}) // 16 slots, 12 keys
    expect([map.slots, map.maxEntries, map.memoryBytes]).toEqual([16, 12, 384])
    for (let i = 0; i < 12; i++) {
      const k = key(`k${i}`)
      expect(map.put(k, 0, k.length, i)).toBe(true)
    }
    expect(map.size).toBe(12)
    expect(map.utilization).toBe(1)
    expect(map.put(key('new'), 0, 3, 99)).toBe(false)
    expect(map.get(key('new'), 0, 3)).toBe(-1)
    expect(map.put(key('k3'), 0, 2, 100)).toBe(true) // an update needs no new slot
    expect(map.get(key('k3'), 0, 2)).toBe(100)
    map.updateLatestOffset(100)
    map.updateLatestOffset(50)
    expect(map.latestOffset).toBe(100)
    map.clear()
    expect([map.size, map.latestOffset, map.get(key('k3'), 0, 2)]).toEqual([0, -1, -1])
    expect(map.put(key('new'), 0, 3, 1)).toBe(true)
  })

  it('keeps offsets beyond 2^32 exactly, through growth', () => {
    const map = new OffsetMap({memoryBytes: 24 * 64, initialSlots: 4})
    const big = (i: number): number => 2 ** 40 + i * 2 ** 33 + 7
    for (let i = 0; i < 50; i++) map.put(key(`k${i}`), 0, `k${i}`.length, big(i))
    for (let i = 0; i < 50; i++) expect(map.get(key(`k${i}`), 0, `k${i}`.length)).toBe(big(i))
  })

  it('its memory is set by its size (a power-of-two number of 24-byte slots within the budget), never by what it holds', () => {
    expect(new OffsetMap({memoryBytes: 24 * 1024 * 1024}).slots).toBe(1 << 20)
    expect(new OffsetMap({memoryBytes: 24 * 1024 * 1024 - 1}).slots).toBe(1 << 19)
    expect(new OffsetMap().memoryBytes).toBe(24 * 1024 * 1024)
    expect(() => new OffsetMap({memoryBytes: 50})).toThrow(/holds no key/)
    expect(() => new OffsetMap({loadFactor: 1})).toThrow(/load factor/)
  })

  it('a map that cannot hold the keys of one batch stops the pass with a message naming what to change', () => {
    const root = tempDir()
    const log = open(`${root}/t-0`, {config: config({'cleanup.policy': 'compact'})})
    log.append(keyed([['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']]))
    log.roll()
    const map = new OffsetMap({memoryBytes: 24 * 4, loadFactor: 0.75}) // 3 keys
    expect(() => log.startCleaning(map)!.run()).toThrow(expect.objectContaining({code: 'INVALID_CONFIG', message: expect.stringMatching(/offset map \(3 keys\) cannot hold the keys of the batch at offset 0/)}))
    expect(log.online).toBe(true)
    log.close()
    removeDir(root)
  })
})
