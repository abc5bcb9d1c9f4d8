import {describe, expect, it} from 'vitest'
import {Partitioner} from '../../src/client/partitioner.js'

describe('Partitioner', () => {
  // kafka-protocol.md §8.1 vectors: keys land where Kafka's Java client puts them
  it.each([
    ['21', 3, 0], ['foobar', 3, 0], ['abc', 3, 0], ['abc', 6, 3], ['kafka', 3, 1], ['', 6, 3],
    ['key1', 3, 2], ['hello', 6, 3], ['hello', 3, 0],
  ])('%j of %i partitions → %i', (key, n, p) => {
    expect(new Partitioner().partition('t', Buffer.from(key), n)).toBe(p)
  })

  it('null keys stick to one partition until a batch size went to it, then move to another (KIP-794)', () => {
    let r = 0
    const seq = [0.1, 0.9, 0.0, 0.5]
    const p = new Partitioner(() => seq[r++ % seq.length])
    const first = p.partition('t', null, 4)
    expect(first).toBe(0)
    for (let i = 0; i < 10; i++) expect(p.partition('t', null, 4)).toBe(first)
    p.onBatchSealed('t', 3, 4, 1000, 1000) // not the sticky one: no change
    expect(p.partition('t', null, 4)).toBe(first)
    p.onBatchSealed('t', first, 4, 600, 1000) // small batches (the input paused): not yet
    expect(p.partition('t', null, 4)).toBe(first)
    p.onBatchSealed('t', first, 4, 400, 1000)
    const second = p.partition('t', null, 4)
    expect(second).not.toBe(first)
    // one partition: always 0
    expect(new Partitioner().partition('u', null, 1)).toBe(0)
  })
})
