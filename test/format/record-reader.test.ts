import {describe, expect, it} from 'vitest'
import {batchSizeOf, Compression} from '../../src/format/batch-header.js'
import {encodeRecordBatch, forEachRecord, type Record, RecordView} from '../../src/format/record-batch.js'
import {GOLDEN} from './helpers.js'

const lines = (n: number, from = 0): Record[] =>
  Array.from({length: n}, (_, i) => ({key: i % 2 ? Buffer.from(`k${i}`) : null, value: Buffer.from(`line ${from + i}`), timestamp: 1700000000000 + i, headers: []}))

describe('forEachRecord', () => {
  it('visits the golden records with offsets, timestamps, keys, values and headers', () => {
    const seen: string[] = []
    const header = forEachRecord(GOLDEN, (r) => {
      seen.push(`${r.offset}@${r.timestamp} ${r.key?.toString() ?? 'null'}=${r.valueString()} ${JSON.stringify(r.headers.map((h) => [h.key, h.value?.toString()]))}`)
    })
    expect(seen).toEqual(['0@1700000000000 null=hello []', '1@1700000000005 k1=v1 [["h","x"]]'])
    expect(header.recordsCount).toBe(2)
  })

  it('reads consecutive batches in one buffer (a fetch response or a segment) via pos', () => {
    const buf = Buffer.concat([encodeRecordBatch(lines(3), {baseOffset: 10}), encodeRecordBatch(lines(2, 3), {baseOffset: 13, compression: Compression.None})])
    const values: string[] = []
    for (let pos = 0; pos < buf.length; ) {
      const h = forEachRecord(buf, (r) => values.push(`${r.offset}:${r.valueString()}`), {pos})
      pos += batchSizeOf(h)
    }
    expect(values).toEqual(['10:line 0', '11:line 1', '12:line 2', '13:line 3', '14:line 4'])
  })

  it('reuses one view per batch and hands out a shared frozen empty headers array', () => {
    const views = new Set<RecordView>()
    const headerArrays = new Set<unknown>()
    forEachRecord(encodeRecordBatch(lines(5)), (r) => {
      views.add(r)
      headerArrays.add(r.headers)
    })
    expect(views.size).toBe(1)
    expect(headerArrays.size).toBe(1)
    expect(Object.isFrozen([...headerArrays][0])).toBe(true)
  })

  it('a callback may read another batch without corrupting the outer one (re-entrancy)', () => {
    const outer = encodeRecordBatch(lines(3))
    const inner = encodeRecordBatch(lines(3, 100))
    const seen: string[] = []
    forEachRecord(outer, (r) => {
      const before = r.valueString()
      forEachRecord(inner, () => {})
      seen.push(`${before}|${r.valueString()}`)
    })
    expect(seen).toEqual(['line 0|line 0', 'line 1|line 1', 'line 2|line 2'])
  })
})
