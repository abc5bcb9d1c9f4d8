// segment.bytes holds with the producer's multi-batch requests: the daemon rolls between the batches of
// one request, so no segment grows past segment.bytes by more than one batch (issue 7, item 8).
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, tempDir} from '../support/index.js'

const SEGMENT_BYTES = 65536
let dir: string

function batchSizes(file: string): number[] {
  const buf = readFileSync(file)
  const out: number[] = []
  for (let p = 0; p + 12 <= buf.length; p += buf.readInt32BE(p + 8) + 12) out.push(buf.readInt32BE(p + 8) + 12)
  return out
}

describe('segment.bytes with multi-batch produce requests', () => {
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(cleanup)

  it('every segment stays within segment.bytes (or holds one larger batch); every record reads back', async () => {
    const create = await samsa(dir, ['topic', 'create', 'seg', '--config', `segment.bytes=${SEGMENT_BYTES}`, '--config', 'retention.ms=-1'])
    expect(create.code, create.stderr).toBe(0)
    // varied lines that LZ4 cannot shrink much, in small batches: each request carries many of them
    const input = Array.from({length: 30000}, (_, i) => `${i} ${(i * 2654435761 % 4294967296).toString(36)} ${Math.sin(i)}`)
    const p = await samsa(dir, ['produce', 'seg', '--batch-size', '16k'], {input: input.join('\n') + '\n', timeoutMs: 120_000})
    expect(p.code, p.stderr).toBe(0)

    const part = join(dir, 'seg-0')
    const logs = readdirSync(part).filter((n) => n.endsWith('.log')).sort()
    for (const name of logs) {
      const sizes = batchSizes(join(part, name))
      const total = sizes.reduce((a, b) => a + b, 0)
      if (sizes.length > 1) expect(total, `${name}: ${sizes.length} batches`).toBeLessThanOrEqual(SEGMENT_BYTES)
    }
    expect(logs.length).toBeGreaterThan(3)

    const c = await samsa(dir, ['consume', 'seg'], {timeoutMs: 120_000})
    expect(c.code, c.stderr).toBe(0)
    expect(lines(c.stdout)).toEqual(input)
    const verify = await samsa(dir, ['log', 'verify'])
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  })
})
