// Committed offsets in-process, through the OffsetStore's typed methods on a real Broker (worker threads
// from dist/, partition logs in a temp directory): per-partition errors, a deleted topic's commits
// forgotten, every answered commit read back by the next daemon from __consumer_offsets, and a deleted
// group's tombstones keeping it deleted.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {SamsaError} from '../../../src/errors.js'
import {Broker} from '../../../src/engine/broker/broker.js'
import {OffsetStore} from '../../../src/engine/groups/offset-store.js'

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-offsets-'))
const lines: string[] = []
afterAll(() => rmSync(dataDir, {recursive: true, force: true}))

async function start(): Promise<{broker: Broker; offsets: OffsetStore}> {
  let offsets: OffsetStore | null = null
  const broker = new Broker({dataDir, workers: 1, log: (l) => lines.push(l), onTopicDeleted: async (name) => offsets?.forgetTopic(name)})
  offsets = new OffsetStore(broker, (l) => lines.push(l))
  await broker.open()
  await offsets.load()
  return {broker, offsets}
}

describe('OffsetStore (typed, in-process)', () => {
  it('commits what it can, answers per partition, and the next daemon reads every commit back', async () => {
    const {broker, offsets} = await start()
    try {
      await broker.createTopic('logs', 2, new Map(), {ifNotExists: false})
      await broker.createTopic('tmp', 1, new Map(), {ifNotExists: false})
      const results = await offsets.commitOffsets('g1', [
        {topic: 'logs', partition: 0, offset: 5, metadata: 'm'},
        {topic: 'logs', partition: 1, offset: 7, metadata: ''},
        {topic: 'logs', partition: 2, offset: 1, metadata: ''},
        {topic: 'nope', partition: 0, offset: 1, metadata: ''},
        {topic: 'logs', partition: 0, offset: -3, metadata: ''},
        {topic: 'tmp', partition: 0, offset: 2, metadata: ''},
      ])
      expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'ok', 'UNKNOWN_PARTITION', 'UNKNOWN_TOPIC', 'INVALID_REQUEST', 'ok'])
      expect(results[4]!.error).toBeInstanceOf(SamsaError)
      expect(offsets.fetchOffsets('g1', [{topic: 'logs', partition: 0}, {topic: 'logs', partition: 9}])).toEqual([
        {topic: 'logs', partition: 0, offset: 5, metadata: 'm'},
        {topic: 'logs', partition: 9, offset: -1, metadata: ''},
      ])
      expect(() => offsets.fetchOffsets('')).toThrow(/group id must be 1 to 1024 characters/)
      expect(await broker.deleteTopic('tmp', {ifExists: false})).toBe(true)
      expect(offsets.fetchOffsets('g1').map((c) => `${c.topic}-${c.partition}@${c.offset}`)).toEqual(['logs-0@5', 'logs-1@7'])
    } finally {
      await broker.close()
    }
    const again = await start()
    try {
      expect(again.offsets.fetchOffsets('g1').map((c) => `${c.topic}-${c.partition}@${c.offset}`)).toEqual(['logs-0@5', 'logs-1@7'])
      expect(lines.some((l) => /committed offsets: 1 group\(s\) from 4 record\(s\) of __consumer_offsets/.test(l))).toBe(true)
      // a deleted group: a tombstone per key, so the next daemon does not bring it back
      await again.offsets.commitOffsets('__proto__', [{topic: 'logs', partition: 0, offset: 1, metadata: ''}])
      expect(again.offsets.groupIds().sort()).toEqual(['__proto__', 'g1'])
      await again.offsets.forgetGroup('g1')
      expect([again.offsets.hasOffsets('g1'), again.offsets.groupIds()]).toEqual([false, ['__proto__']])
    } finally {
      await again.broker.close()
    }
    const third = await start()
    try {
      expect(third.offsets.fetchOffsets('g1')).toEqual([])
      expect(third.offsets.groupIds()).toEqual(['__proto__'])
    } finally {
      await third.broker.close()
    }
  })
})
