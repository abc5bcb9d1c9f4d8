// A flipped byte in the middle of partition 0's segment, through the built CLI and a real daemon: consume
// prints every record of partition 1 and every record of partition 0 below the bad batch, then exits 7
// with one line naming the topic-partition, offset, file and byte, and the --from that reads past it.
// Found at read time (clean restart) or by recovery (quarantine): the reader sees the same thing.
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, tempDir} from '../support/index.js'

const P0 = 3000
const P1 = 2000
const value = (p: number, i: number): string => `p${p}-${String(i).padStart(5, '0')} ${'x'.repeat(40)}`

interface Batch {
  position: number
  baseOffset: number
  lastOffset: number
}

function batches(file: string): Batch[] {
  const buf = readFileSync(file)
  const out: Batch[] = []
  for (let p = 0; p + 12 <= buf.length; p += buf.readInt32BE(p + 8) + 12) {
    const baseOffset = Number(buf.readBigInt64BE(p))
    out.push({position: p, baseOffset, lastOffset: baseOffset + buf.readInt32BE(p + 23)})
  }
  return out
}

function flipByte(file: string, position: number): void {
  const bytes = readFileSync(file)
  bytes[position] ^= 0x40
  writeFileSync(file, bytes)
}

let dir: string

interface Topic {
  name: string
  segment: string
  bad: Batch
  next: Batch
}

// A two-partition topic; partition 0's only segment holds several batches.
async function createTopic(name: string): Promise<Topic> {
  const create = await samsa(dir, ['topic', 'create', name, '--partitions', '2', '--config', 'retention.ms=-1'])
  expect(create.code, create.stderr).toBe(0)
  for (const [p, n] of [[0, P0], [1, P1]] as const) {
    const input = Array.from({length: n}, (_, i) => value(p, i)).join('\n') + '\n'
    const r = await samsa(dir, ['produce', name, '--partition', String(p), '--batch-size', '8k'], {input})
    expect(r.code, r.stderr).toBe(0)
  }
  const segment = join(dir, `${name}-0`, '00000000000000000000.log')
  const all = batches(segment)
  expect(all.length).toBeGreaterThan(4)
  const middle = Math.floor(all.length / 2)
  return {name, segment, bad: all[middle]!, next: all[middle + 1]!}
}

// `%p %o %s`: partition, offset, value — so both what is printed and where it stops are checked.
function consume(t: Topic, ...args: string[]) {
  return samsa(dir, ['consume', t.name, '--format', '%p %o %s\\n', '--no-autostart', ...args])
}

function expected(p: number, from: number, until: number): string[] {
  return Array.from({length: until - from}, (_, k) => `${p} ${from + k} ${value(p, from + k)}`)
}

// Stops the daemon cleanly, flips a byte inside the bad batch's records (covered by its CRC), restarts.
async function damage(t: Topic, quarantine: boolean): Promise<void> {
  const stop = await samsa(dir, ['daemon', 'stop'])
  expect(stop.code, stop.stderr).toBe(0)
  flipByte(t.segment, t.bad.position + 100)
  if (quarantine) {
    // as after a crash with nothing flushed: recovery re-validates every batch and finds the damage
    rmSync(join(dir, `${t.name}-0`, '.clean-shutdown'))
    rmSync(join(dir, `${t.name}-0`, 'recovery-point.checkpoint'))
  }
  const start = await samsa(dir, ['daemon', 'start'])
  expect(start.code, start.stderr).toBe(0)
}

describe('a corrupt batch in partition 0 of a two-partition topic', () => {
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(cleanup)

  for (const quarantine of [false, true]) {
    const how = quarantine ? 'found by recovery (quarantined)' : 'found by a read after a clean restart'
    it(`${how}: everything valid is printed, then exit 7 naming the place and the way past it`, async () => {
      const t = await createTopic(quarantine ? 'quarantined' : 'damaged')
      const {bad, next, segment} = t
      await damage(t, quarantine)
      const r = await consume(t)
      expect(r.code, r.stderr).toBe(7)
      const out = lines(r.stdout)
      expect(out.filter((l) => l.startsWith('1 '))).toEqual(expected(1, 0, P1))
      expect(out.filter((l) => l.startsWith('0 '))).toEqual(expected(0, 0, bad.baseOffset))
      const err = lines(r.stderr)
      expect(err).toHaveLength(1)
      expect(err[0]).toMatch(new RegExp(`^samsa: ${t.name}-0: `))
      expect(err[0]).toContain(`offset ${bad.baseOffset}`)
      expect(err[0]).toContain(`byte ${bad.position} of ${segment}`)
      expect(err[0]).toMatch(/CRC mismatch/)
      expect(err[0]).toContain(`--partition 0 --from ${next.baseOffset}`)
      if (quarantine) expect(err[0]).toMatch(/quarantined/)

      // --follow cannot wait for the other partitions to end: it stops at the failure, after what it read
      const follow = await consume(t, '--follow')
      expect(follow.code, follow.stderr).toBe(7)
      expect(lines(follow.stdout).filter((l) => l.startsWith('0 '))).toEqual(expected(0, 0, bad.baseOffset))
      expect(lines(follow.stderr)).toEqual(err)

      // the way past it, as the error says
      const past = await consume(t, '--partition', '0', '--from', String(next.baseOffset))
      expect(past.code, past.stderr).toBe(0)
      expect(lines(past.stdout)).toEqual(expected(0, next.baseOffset, P0))

      // a read that starts inside the bad batch fails at once, the same way
      const inside = await consume(t, '--partition', '0', '--from', String(bad.baseOffset + 1))
      expect(inside.code).toBe(7)
      expect(inside.stdout).toBe('')
      expect(inside.stderr).toContain(`--from ${next.baseOffset}`)

      // writes: a quarantined partition refuses them; one whose bad batch was found by a read does not
      const produce = await samsa(dir, ['produce', t.name, '--partition', '0', '--no-autostart'], {input: 'late\n'})
      expect(produce.code, produce.stderr).toBe(quarantine ? 7 : 0)
      if (!quarantine) {
        const tail = await consume(t, '--partition', '0', '--from', String(P0))
        expect(lines(tail.stdout)).toEqual([`0 ${P0} late`])
      }
    })
  }
})
