// The consume output path: values moved out of the stage (batches decompressed beside the output) must
// be byte for byte what the plain copy path gives, across output growth, take() and reuse() of flushed
// memory — the stage moves at each take() and a growth in mid-batch leaves the batch on the old stage.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {OutputBuffer} from '../../src/cli/lines/output-buffer.js'
import {Compression} from '../../src/format/batch-header.js'
import {encodeRecordBatch, forEachRecord} from '../../src/format/record-batch.js'

function drain(out: OutputBuffer, batches: Buffer[], staged: boolean, takeEvery: number, reuse: boolean): Buffer {
  const chunks: Buffer[] = []
  batches.forEach((batch, i) => {
    forEachRecord(batch, (r) => {
      if (r.valueStart >= 0) out.range(r.buffer, r.valueStart, r.valueEnd)
      out.byte(0x0a)
    }, staged ? {scratch: out.stage} : {})
    if ((i + 1) % takeEvery === 0) {
      const chunk = out.take()
      if (chunk) {
        chunks.push(Buffer.from(chunk)) // what the stream was given, as it was when given
        if (reuse) out.reuse(chunk)
      }
    }
  })
  const last = out.take()
  if (last) chunks.push(last)
  return Buffer.concat(chunks)
}

describe('OutputBuffer with a stage', () => {
  it('gives the same bytes as the plain path, whatever the sizes, takes and reuses', () => {
    const value = fc.oneof(fc.constant(null), fc.uint8Array({maxLength: 3000}))
    const batch = fc.array(value, {minLength: 1, maxLength: 40})
    fc.assert(
      fc.property(fc.array(batch, {minLength: 1, maxLength: 12}), fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 256}), fc.boolean(), (spec, takeEvery, initial, reuse) => {
        const batches = spec.map((values, i) =>
          encodeRecordBatch(values.map((v) => ({value: v === null ? null : Buffer.from(v), key: null, timestamp: 1000 + i})), {compression: i % 3 === 2 ? Compression.None : Compression.Lz4}),
        )
        const plain = drain(new OutputBuffer(initial), batches, false, takeEvery, false)
        const staged = drain(new OutputBuffer(initial, {stage: true}), batches, true, takeEvery, reuse)
        const expected = Buffer.concat(spec.flatMap((values) => values.map((v) => Buffer.concat([v === null ? Buffer.alloc(0) : Buffer.from(v), Buffer.from('\n')]))))
        expect(plain.equals(expected)).toBe(true)
        expect(staged.equals(expected)).toBe(true)
      }),
      {numRuns: 300},
    )
  })

  it('moves values out of the stage only while it lies beside the output', () => {
    const out = new OutputBuffer(16, {stage: true})
    const batch = encodeRecordBatch([{value: Buffer.from('x'.repeat(100)), key: null, timestamp: 1}], {compression: Compression.Lz4})
    let source: Buffer | null = null
    forEachRecord(batch, (r) => (source = r.buffer), {scratch: out.stage})
    // decompressed into the stage, which shares its memory with the output
    expect(source).toBe(out.stage.buf)
    expect(out.stage.buf.buffer).toBe((out as unknown as {buf: Buffer}).buf.buffer)
  })
})
