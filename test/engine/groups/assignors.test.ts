// The server-side assignors (engine/groups/assignors.ts), pure: every partition of a subscribed topic goes
// to exactly one member subscribed to it; range and roundrobin give Kafka's layouts; sticky is balanced
// and moves as little as balance allows when a member joins or leaves.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ASSIGNORS, type AssignorMember, type TopicPartition} from '../../../src/engine/groups/assignors.js'

const member = (memberId: string, topics: string[], current: TopicPartition[] = [], instanceId: string | null = null): AssignorMember => ({
  memberId,
  instanceId,
  topics,
  current,
})
const show = (m: Map<string, TopicPartition[]>): Record<string, string[]> =>
  Object.fromEntries([...m].map(([id, tps]) => [id, tps.map((tp) => `${tp.topic}-${tp.partition}`).sort()]))

describe('assignors', () => {
  it('range: contiguous runs per topic, the first members one more', () => {
    const out = ASSIGNORS.get('range')!([member('b', ['t', 'u']), member('a', ['t', 'u'])], new Map([['t', 5], ['u', 2]]))
    expect(show(out)).toEqual({a: ['t-0', 't-1', 't-2', 'u-0'], b: ['t-3', 't-4', 'u-1']})
  })

  it('roundrobin: every partition dealt in turn, skipping members that do not subscribe', () => {
    const out = ASSIGNORS.get('roundrobin')!([member('a', ['t']), member('b', ['t', 'u']), member('c', ['t'])], new Map([['t', 4], ['u', 2]]))
    expect(show(out)).toEqual({a: ['t-0', 't-3'], b: ['t-1', 'u-0', 'u-1'], c: ['t-2']})
  })

  it('sticky: a joining member takes only what balance needs; the others keep the rest', () => {
    const sticky = ASSIGNORS.get('sticky')!
    const partitions = new Map([['t', 6]])
    const alone = sticky([member('a', ['t'])], partitions)
    expect(show(alone)).toEqual({a: ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5']})
    const two = sticky([member('a', ['t'], alone.get('a')), member('b', ['t'])], partitions)
    expect(two.get('a')!.length).toBe(3)
    expect(two.get('a')!.every((tp) => alone.get('a')!.some((x) => x.partition === tp.partition))).toBe(true)
    const three = sticky([member('a', ['t'], two.get('a')), member('b', ['t'], two.get('b')), member('c', ['t'])], partitions)
    expect(three.get('c')!.length).toBe(2)
    // a and b each gave up exactly one partition
    for (const id of ['a', 'b']) expect(three.get(id)!.filter((tp) => two.get(id)!.some((x) => x.partition === tp.partition)).length).toBe(2)
    // b leaves: its two go to the others, nothing else moves
    const after = sticky([member('a', ['t'], three.get('a')), member('c', ['t'], three.get('c'))], partitions)
    expect(after.get('a')!.length + after.get('c')!.length).toBe(6)
    for (const id of ['a', 'c']) expect(three.get(id)!.every((tp) => after.get(id)!.some((x) => x.partition === tp.partition))).toBe(true)
  })

  it('a topic nobody subscribes to, or that does not exist, is not assigned', () => {
    for (const [name, assign] of ASSIGNORS) {
      const out = assign([member('a', ['t', 'missing'])], new Map([['t', 2], ['other', 3]]))
      expect(show(out), name).toEqual({a: ['t-0', 't-1']})
    }
  })

  it('every partition goes to exactly one subscribed member; homogeneous groups are balanced (property)', () => {
    const topics = ['a', 'b', 'c']
    fc.assert(
      fc.property(
        fc.array(fc.subarray(topics, {minLength: 1}), {minLength: 1, maxLength: 6}),
        fc.array(fc.integer({min: 0, max: 9}), {minLength: 3, maxLength: 3}),
        fc.boolean(),
        (subscriptions, counts, homogeneous) => {
          const partitions = new Map(topics.map((t, i) => [t, counts[i]!] as [string, number]).filter(([, n]) => n > 0))
          const members = subscriptions.map((s, i) => member(`m${i}`, homogeneous ? topics : s))
          for (const [name, assign] of ASSIGNORS) {
            const out = assign(members, partitions)
            const seen = new Map<string, string>()
            for (const [id, tps] of out) {
              for (const tp of tps) {
                const key = `${tp.topic}-${tp.partition}`
                expect(seen.has(key), `${name}: ${key} twice`).toBe(false)
                seen.set(key, id)
                expect(members.find((m) => m.memberId === id)!.topics).toContain(tp.topic)
              }
            }
            let wanted = 0
            for (const [t, n] of partitions) if (members.some((m) => m.topics.includes(t))) wanted += n
            expect(seen.size, name).toBe(wanted)
            if (homogeneous && name !== 'range') {
              const loads = [...out.values()].map((tps) => tps.length)
              expect(Math.max(...loads) - Math.min(...loads), name).toBeLessThanOrEqual(1)
            }
          }
        },
      ),
      {numRuns: 200},
    )
  })
})
