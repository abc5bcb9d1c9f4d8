// The Kafka listener's admin and group APIs on a real daemon process: CreateTopics, DeleteTopics,
// DescribeConfigs, IncrementalAlterConfigs, AlterConfigs, CreatePartitions, DeleteRecords, FindCoordinator, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups and DeleteGroups of groups without members (the classic group protocol with members: groups.test.ts). What they change is what
// samsa's own CLI sees: one engine underneath.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KafkaErrorCode as E, type RequestBody} from '../../../src/protocol/kafka/index.js'
import {cleanup, lines, requireBuild, samsa, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../../support/index.js'
import {batch, KafkaTestClient, produceBody} from './helpers.js'

let d: DaemonProcess
let port: number
let c: KafkaTestClient

beforeAll(async () => {
  requireBuild()
  d = await spawnDaemon(tempDir(), {kafka: true})
  port = d.kafkaPort()
  c = await KafkaTestClient.connect(port)
})

afterAll(async () => {
  c?.close()
  if (d) await stopDaemon(d)
  await cleanup()
})

type NewTopic = RequestBody<'CreateTopics'>['topics'][number]
const topic = (name: string, numPartitions = -1, extra: Partial<NewTopic> = {}): NewTopic => ({name, numPartitions, replicationFactor: -1, assignments: [], configs: [], ...extra})

async function describeTopic(name: string): Promise<{partitions: unknown[]; configs: {name: string; value: string; isDefault: boolean}[]} | null> {
  const r = await samsa(d.dataDir, ['topic', 'describe', name, '--json'])
  return r.code === 0 ? JSON.parse(r.stdout) : null
}

describe('CreateTopics and DeleteTopics', () => {
  it('creates with broker defaults for -1 (kafkajs), a count, configs; refuses with Kafka codes and messages; validate_only creates nothing', async () => {
    const r = await c.request('CreateTopics', {
      topics: [
        topic('made-default'),
        topic('made-three', 3, {replicationFactor: 1, configs: [{name: 'retention.ms', value: '60000'}, {name: 'segment.bytes', value: null}]}),
        topic('made-default'),
        topic('zero', 0),
        topic('replicated', 1, {replicationFactor: 3}),
        topic('bad-config', 1, {configs: [{name: 'retention.ms', value: 'soon'}]}),
        topic('unknown-config', 1, {configs: [{name: 'no.such.config', value: '1'}]}),
        topic('__mine'),
        topic('bad name'),
        topic('assigned', -1, {assignments: [{partitionIndex: 0, brokerIds: [1]}, {partitionIndex: 1, brokerIds: [1]}]}),
        topic('assigned-elsewhere', -1, {assignments: [{partitionIndex: 0, brokerIds: [2]}]}),
        topic('assigned-and-counted', 2, {assignments: [{partitionIndex: 0, brokerIds: [1]}]}),
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    })
    expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['made-default', E.INVALID_REQUEST], // named twice in one request
      ['made-three', 0],
      ['made-default', E.INVALID_REQUEST],
      ['zero', E.INVALID_PARTITIONS],
      ['replicated', E.INVALID_REPLICATION_FACTOR],
      ['bad-config', E.INVALID_CONFIG],
      ['unknown-config', E.INVALID_CONFIG],
      ['__mine', E.INVALID_TOPIC_EXCEPTION],
      ['bad name', E.INVALID_TOPIC_EXCEPTION],
      ['assigned', 0],
      ['assigned-elsewhere', E.INVALID_REPLICATION_FACTOR],
      ['assigned-and-counted', E.INVALID_REQUEST],
    ])
    expect(r.topics[0]!.errorMessage).toMatch(/named more than once/)
    expect(r.topics[4]!.errorMessage).toMatch(/single broker/)
    expect(r.topics[5]!.errorMessage).toMatch(/retention\.ms/)
    expect(r.topics[1]!.errorMessage).toBeNull()

    const three = await describeTopic('made-three')
    expect(three!.partitions).toHaveLength(3)
    expect(three!.configs.find((x) => x.name === 'retention.ms')).toMatchObject({value: '60000', isDefault: false})
    expect(three!.configs.find((x) => x.name === 'segment.bytes')!.isDefault).toBe(true) // a null value: the default
    expect((await describeTopic('assigned'))!.partitions).toHaveLength(2)
    for (const name of ['zero', 'replicated', 'bad-config', '__mine']) expect(await describeTopic(name)).toBeNull()

    const again = await c.request('CreateTopics', {topics: [topic('made-three', 3), topic('with.dot'), topic('with_dot')], timeoutMs: 10_000, validateOnly: false})
    expect(again.topics.map((t) => t.errorCode)).toEqual([E.TOPIC_ALREADY_EXISTS, 0, E.INVALID_TOPIC_EXCEPTION]) // '.'/'_' collide
    expect(again.topics[2]!.errorMessage).toMatch(/collides with existing topic with\.dot/)
    const one = await c.request('CreateTopics', {topics: [topic('defaulted')], timeoutMs: 10_000, validateOnly: false})
    expect(one.topics[0]!.errorCode).toBe(0)
    expect((await describeTopic('defaulted'))!.partitions).toHaveLength(1)

    const dry = await c.request('CreateTopics', {topics: [topic('dry', 2), topic('made-three')], timeoutMs: 10_000, validateOnly: true})
    expect(dry.topics.map((t) => t.errorCode)).toEqual([0, E.TOPIC_ALREADY_EXISTS])
    expect(await describeTopic('dry')).toBeNull()
  })

  it('deletes; unknown 3, internal 17', async () => {
    await c.request('CreateTopics', {topics: [topic('doomed')], timeoutMs: 10_000, validateOnly: false})
    const r = await c.request('DeleteTopics', {topicNames: ['doomed', 'never-was', '__consumer_offsets'], timeoutMs: 10_000})
    expect(r.responses).toEqual([
      {name: 'doomed', errorCode: 0},
      {name: 'never-was', errorCode: E.UNKNOWN_TOPIC_OR_PARTITION},
      {name: '__consumer_offsets', errorCode: E.INVALID_TOPIC_EXCEPTION},
    ])
    expect(await describeTopic('doomed')).toBeNull()
  })
})

describe('DescribeConfigs', () => {
  it("a topic's configs in Kafka's names (default 5, set on the topic 1), filtered by key; this broker: none; unknown topic 3", async () => {
    await c.request('CreateTopics', {topics: [topic('configured', 1, {configs: [{name: 'cleanup.policy', value: 'compact'}]})], timeoutMs: 10_000, validateOnly: false})
    const r = await c.request('DescribeConfigs', {
      resources: [
        {resourceType: 2, resourceName: 'configured', configurationKeys: null},
        {resourceType: 2, resourceName: 'configured', configurationKeys: ['retention.ms']},
        {resourceType: 4, resourceName: '1', configurationKeys: null},
        {resourceType: 2, resourceName: 'never-was', configurationKeys: null},
        {resourceType: 8, resourceName: 'x', configurationKeys: null},
      ],
      includeSynonyms: false,
    })
    const all = r.results[0]!
    expect(all.errorCode).toBe(0)
    expect(all.configs.find((x) => x.name === 'cleanup.policy')).toEqual({name: 'cleanup.policy', value: 'compact', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: []})
    expect(all.configs.find((x) => x.name === 'retention.ms')).toMatchObject({value: '604800000', configSource: 5})
    expect(r.results[1]!.configs.map((x) => x.name)).toEqual(['retention.ms'])
    expect(r.results[2]).toMatchObject({errorCode: 0, resourceType: 4, resourceName: '1', configs: []})
    expect(r.results[3]).toMatchObject({errorCode: E.UNKNOWN_TOPIC_OR_PARTITION, configs: []})
    expect(r.results[3]!.errorMessage).toMatch(/never-was/)
    expect(r.results[4]!.errorCode).toBe(E.INVALID_REQUEST)
    const v0 = await c.request('DescribeConfigs', {resources: [{resourceType: 2, resourceName: 'configured', configurationKeys: ['cleanup.policy']}], includeSynonyms: false}, 0)
    expect(v0.results[0]!.configs[0]).toMatchObject({name: 'cleanup.policy', isDefault: false})
  })
})

describe('IncrementalAlterConfigs, CreatePartitions and DeleteRecords', () => {
  it("SET and DELETE a topic's configs in one alter; refusals per resource with Kafka's codes", async () => {
    await c.request('CreateTopics', {topics: [topic('altered', 1, {configs: [{name: 'segment.bytes', value: '1048576'}]})], timeoutMs: 10_000, validateOnly: false})
    const change = (name: string, configs: {name: string; configOperation: number; value: string | null}[], resourceType = 2) => ({resourceType, resourceName: name, configs})
    const r = await c.request('IncrementalAlterConfigs', {
      resources: [
        change('altered', [{name: 'retention.ms', configOperation: 0, value: '60000'}, {name: 'segment.bytes', configOperation: 1, value: null}]),
        change('never-was', [{name: 'retention.ms', configOperation: 0, value: '1'}]),
        change('__consumer_offsets', [{name: 'retention.ms', configOperation: 0, value: '1'}]),
        change('1', [{name: 'log.retention.ms', configOperation: 0, value: '1'}], 4),
      ],
      validateOnly: false,
    })
    expect(r.responses.map((x) => [x.resourceName, x.errorCode])).toEqual([
      ['altered', 0],
      ['never-was', E.UNKNOWN_TOPIC_OR_PARTITION],
      ['__consumer_offsets', E.INVALID_TOPIC_EXCEPTION],
      ['1', E.INVALID_REQUEST],
    ])
    const configs = (await describeTopic('altered'))!.configs
    expect(configs.find((x) => x.name === 'retention.ms')).toEqual({name: 'retention.ms', value: '60000', isDefault: false})
    expect(configs.find((x) => x.name === 'segment.bytes')).toMatchObject({isDefault: true})
    const refused = await c.request('IncrementalAlterConfigs', {
      resources: [
        change('altered', [{name: 'retention.ms', configOperation: 0, value: 'soon'}]),
        change('altered-twice', [{name: 'retention.ms', configOperation: 0, value: '1'}, {name: 'retention.ms', configOperation: 1, value: null}]),
        change('appended', [{name: 'cleanup.policy', configOperation: 2, value: 'compact'}]),
      ],
      validateOnly: false,
    })
    expect(refused.responses.map((x) => x.errorCode)).toEqual([E.INVALID_CONFIG, E.INVALID_REQUEST, E.INVALID_REQUEST])
    expect(refused.responses[0]!.errorMessage).toMatch(/retention\.ms/)
    expect((await describeTopic('altered'))!.configs.find((x) => x.name === 'retention.ms')!.value).toBe('60000') // all or nothing
    // validate_only: the same checks, nothing changed
    const checkedBad = await c.request('IncrementalAlterConfigs', {resources: [change('altered', [{name: 'retention.ms', configOperation: 0, value: 'soon'}])], validateOnly: true})
    expect(checkedBad.responses.map((x) => x.errorCode)).toEqual([E.INVALID_CONFIG])
    const dry = await c.request('IncrementalAlterConfigs', {resources: [change('altered', [{name: 'retention.ms', configOperation: 0, value: '1000'}])], validateOnly: true})
    expect(dry.responses.map((x) => x.errorCode)).toEqual([0])
    expect((await describeTopic('altered'))!.configs.find((x) => x.name === 'retention.ms')!.value).toBe('60000')
  })

  it("AlterConfigs replaces a topic's overrides, all or nothing; validate_only changes nothing; refusals per resource with Kafka's codes", async () => {
    await c.request('CreateTopics', {topics: [topic('replaced', 1, {configs: [{name: 'segment.bytes', value: '1048576'}]})], timeoutMs: 10_000, validateOnly: false})
    const resource = (name: string, configs: {name: string; value: string | null}[], resourceType = 2) => ({resourceType, resourceName: name, configs})
    const checked = await c.request('AlterConfigs', {resources: [resource('replaced', [{name: 'retention.ms', value: '60000'}])], validateOnly: true}, 0)
    expect(checked.responses.map((x) => x.errorCode)).toEqual([0])
    expect((await describeTopic('replaced'))!.configs.find((x) => x.name === 'segment.bytes')).toEqual({name: 'segment.bytes', value: '1048576', isDefault: false})
    const r = await c.request('AlterConfigs', {
      resources: [
        resource('replaced', [{name: 'retention.ms', value: '60000'}]),
        resource('never-was', [{name: 'retention.ms', value: '1'}]),
        resource('__consumer_offsets', [{name: 'retention.ms', value: '1'}]),
        resource('1', [{name: 'log.retention.ms', value: '1'}], 4),
        resource('nulled', [{name: 'retention.ms', value: null}]),
        resource('given-twice', [{name: 'retention.ms', value: '1'}, {name: 'retention.ms', value: '2'}]),
      ],
      validateOnly: false,
    })
    expect(r.responses.map((x) => [x.resourceName, x.errorCode])).toEqual([
      ['replaced', 0],
      ['never-was', E.UNKNOWN_TOPIC_OR_PARTITION],
      ['__consumer_offsets', E.INVALID_TOPIC_EXCEPTION],
      ['1', E.INVALID_REQUEST],
      ['nulled', E.INVALID_REQUEST],
      ['given-twice', E.INVALID_REQUEST],
    ])
    const configs = (await describeTopic('replaced'))!.configs
    expect(configs.find((x) => x.name === 'retention.ms')).toEqual({name: 'retention.ms', value: '60000', isDefault: false})
    expect(configs.find((x) => x.name === 'segment.bytes')).toMatchObject({isDefault: true}) // not named: back to the default
    const refused = await c.request('AlterConfigs', {resources: [resource('replaced', [{name: 'retention.ms', value: 'soon'}, {name: 'no.such.config', value: '1'}])], validateOnly: false})
    expect(refused.responses.map((x) => x.errorCode)).toEqual([E.INVALID_CONFIG])
    expect((await describeTopic('replaced'))!.configs.find((x) => x.name === 'retention.ms')!.value).toBe('60000')
  })

  it('CreatePartitions grows to the count asked for; the same or a smaller count is 37, another broker 39, validate_only changes nothing', async () => {
    await c.request('CreateTopics', {topics: [topic('growing', 2), topic('checked', 1)], timeoutMs: 10_000, validateOnly: false})
    const r = await c.request('CreatePartitions', {
      topics: [
        {name: 'growing', count: 4, assignments: [{brokerIds: [1]}, {brokerIds: [1]}]},
        {name: 'never-was', count: 2, assignments: null},
        {name: '__consumer_offsets', count: 99, assignments: null},
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    })
    expect(r.results.map((x) => [x.name, x.errorCode])).toEqual([
      ['growing', 0],
      ['never-was', E.UNKNOWN_TOPIC_OR_PARTITION],
      ['__consumer_offsets', E.INVALID_TOPIC_EXCEPTION],
    ])
    expect((await describeTopic('growing'))!.partitions).toHaveLength(4)
    const refused = await c.request('CreatePartitions', {
      topics: [
        {name: 'growing', count: 4, assignments: null},
        {name: 'checked', count: 2, assignments: [{brokerIds: [2]}]},
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    })
    expect(refused.results.map((x) => x.errorCode)).toEqual([E.INVALID_PARTITIONS, E.INVALID_REPLICA_ASSIGNMENT])
    expect(refused.results[0]!.errorMessage).toBe('topic growing already has 4 partitions')
    const shrink = await c.request('CreatePartitions', {topics: [{name: 'growing', count: 1, assignments: null}], timeoutMs: 10_000, validateOnly: false})
    expect(shrink.results[0]).toMatchObject({errorCode: E.INVALID_PARTITIONS, errorMessage: 'topic growing has 4 partitions; partitions can only be increased (asked for 1)'})
    const dry = await c.request('CreatePartitions', {topics: [{name: 'checked', count: 3, assignments: null}], timeoutMs: 10_000, validateOnly: true})
    expect(dry.results[0]!.errorCode).toBe(0)
    const dryTooMany = await c.request('CreatePartitions', {topics: [{name: 'checked', count: 100_000, assignments: null}], timeoutMs: 10_000, validateOnly: true})
    expect(dryTooMany.results[0]).toMatchObject({errorCode: E.INVALID_PARTITIONS, errorMessage: expect.stringMatching(/partitions must be an integer from 1 to/)}) // the daemon's own limit
    expect((await describeTopic('checked'))!.partitions).toHaveLength(1)
  })

  it('DeleteRecords moves the log start (-1: to the high watermark); unknown 3, past the end 1', async () => {
    await c.request('CreateTopics', {topics: [topic('trimmed', 2)], timeoutMs: 10_000, validateOnly: false})
    for (const p of [0, 1]) await c.request('Produce', produceBody('trimmed', p, batch(['a', 'b', 'c', 'd', 'e'])))
    const r = await c.request('DeleteRecords', {
      topics: [
        {name: 'trimmed', partitions: [{partitionIndex: 0, offset: 3}, {partitionIndex: 1, offset: -1}]},
        {name: 'trimmed', partitions: [{partitionIndex: 0, offset: 99}]},
        {name: 'never-was', partitions: [{partitionIndex: 0, offset: 1}]},
      ],
      timeoutMs: 10_000,
    })
    expect(r.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.lowWatermark, p.errorCode]))).toEqual([
      [[0, 3, 0], [1, 5, 0]],
      [[0, -1, E.OFFSET_OUT_OF_RANGE]],
      [[0, -1, E.UNKNOWN_TOPIC_OR_PARTITION]],
    ])
    expect((await describeTopic('trimmed'))!.partitions).toMatchObject([{logStartOffset: 3}, {logStartOffset: 5}])
  })
})

describe('committed offsets', () => {
  it('FindCoordinator names this broker for groups (v0 and v1), and no transaction coordinator', async () => {
    expect(await c.request('FindCoordinator', {key: 'g', keyType: 0})).toEqual({throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port})
    expect(await c.request('FindCoordinator', {key: 'g', keyType: 0}, 0)).toMatchObject({errorCode: 0, nodeId: 1, port})
    expect((await c.request('FindCoordinator', {key: 'tx', keyType: 1})).errorCode).toBe(E.COORDINATOR_NOT_AVAILABLE)
  })

  it('a simple commit (generation -1) is stored where `samsa consume --group` reads it, and OffsetFetch returns it', async () => {
    expect((await samsa(d.dataDir, ['topic', 'create', 'committed', '--partitions', '2'])).code).toBe(0)
    await c.request('Produce', produceBody('committed', 0, batch(['r0', 'r1', 'r2', 'r3'])))
    const commit = await c.request('OffsetCommit', {
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        {
          name: 'committed',
          partitions: [
            {partitionIndex: 0, committedOffset: 3, commitTimestamp: -1, committedMetadata: null},
            {partitionIndex: 5, committedOffset: 1, commitTimestamp: -1, committedMetadata: ''},
            {partitionIndex: 1, committedOffset: 0, commitTimestamp: -1, committedMetadata: 'x'.repeat(5000)},
          ],
        },
        {name: 'never-was', partitions: [{partitionIndex: 0, committedOffset: 1, commitTimestamp: -1, committedMetadata: 'm'}]},
      ],
    })
    expect(commit.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      ['committed', [[0, 0], [5, E.UNKNOWN_TOPIC_OR_PARTITION], [1, E.OFFSET_METADATA_TOO_LARGE]]],
      ['never-was', [[0, E.UNKNOWN_TOPIC_OR_PARTITION]]],
    ])
    // the CLI, over the control socket, continues where the Kafka commit left off
    const consumed = await samsa(d.dataDir, ['consume', 'committed', '--group', 'simple'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(lines(consumed.stdout)).toEqual(['r3'])

    const fetched = await c.request('OffsetFetch', {groupId: 'simple', topics: [{name: 'committed', partitionIndexes: [0, 1]}]})
    expect(fetched).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 'committed',
          partitions: [
            {partitionIndex: 0, committedOffset: 4, metadata: '', errorCode: 0}, // the CLI committed what it printed
            // a group member commits its position on every partition it owns, read or not (as Kafka's consumer does)
            {partitionIndex: 1, committedOffset: 0, metadata: '', errorCode: 0},
          ],
        },
      ],
      errorCode: 0,
    })
    const everything = await c.request('OffsetFetch', {groupId: 'simple', topics: null})
    expect(everything.topics).toEqual([
      {
        name: 'committed',
        partitions: [
          {partitionIndex: 0, committedOffset: 4, metadata: '', errorCode: 0},
          {partitionIndex: 1, committedOffset: 0, metadata: '', errorCode: 0},
        ],
      },
    ])
    const v1 = await c.request('OffsetFetch', {groupId: '', topics: [{name: 'committed', partitionIndexes: [0]}]}, 1)
    expect(v1.topics[0]!.partitions[0]!.errorCode).toBe(E.INVALID_GROUP_ID)
    expect((await c.request('OffsetFetch', {groupId: '', topics: null})).errorCode).toBe(E.INVALID_GROUP_ID)
  })

  it("refuses a commit claiming a generation of a group without members (Kafka's answer for a group it does not know), or an empty group id", async () => {
    const body = (groupId: string, generationId: number, memberId: string): RequestBody<'OffsetCommit'> => ({
      groupId,
      generationId,
      memberId,
      retentionTimeMs: -1,
      topics: [{name: 'committed', partitions: [{partitionIndex: 1, committedOffset: 1, commitTimestamp: -1, committedMetadata: ''}]}],
    })
    expect((await c.request('OffsetCommit', body('member', 3, 'm-1'))).topics[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION)
    expect((await c.request('OffsetCommit', body('', -1, ''))).topics[0]!.partitions[0]!.errorCode).toBe(E.INVALID_GROUP_ID)
    const none = await c.request('OffsetFetch', {groupId: 'member', topics: [{name: 'committed', partitionIndexes: [1]}]})
    expect(none.topics[0]!.partitions[0]!.committedOffset).toBe(-1)
  })
})

describe('groups', () => {
  it('ListGroups and DescribeGroups show groups with committed offsets as simple, Empty groups; unknown ones Dead', async () => {
    const listed = await c.request('ListGroups', {})
    expect(listed.errorCode).toBe(0)
    expect(listed.groups).toContainEqual({groupId: 'simple', protocolType: ''})
    const described = await c.request('DescribeGroups', {groups: ['simple', 'unheard-of', '']})
    expect(described.groups).toEqual([
      {errorCode: 0, groupId: 'simple', groupState: 'Empty', protocolType: '', protocolData: '', members: []},
      {errorCode: 0, groupId: 'unheard-of', groupState: 'Dead', protocolType: '', protocolData: '', members: []},
      {errorCode: E.INVALID_GROUP_ID, groupId: '', groupState: 'Dead', protocolType: '', protocolData: '', members: []},
    ])
    const v0 = await c.request('ListGroups', {}, 0)
    expect(v0.groups).toContainEqual({groupId: 'simple', protocolType: ''})
  })

  it('DeleteGroups forgets a group without members; one with a member is 68, an unknown one 69, an empty id 24', async () => {
    const joined = await c.request('JoinGroup', {
      groupId: 'occupied',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{name: 'range', metadata: Buffer.alloc(0)}],
    })
    expect(joined.errorCode).toBe(0)
    const r = await c.request('DeleteGroups', {groupsNames: ['simple', 'occupied', 'unheard-of', '']})
    expect(r.results).toEqual([
      {groupId: 'simple', errorCode: 0},
      {groupId: 'occupied', errorCode: E.NON_EMPTY_GROUP},
      {groupId: 'unheard-of', errorCode: E.GROUP_ID_NOT_FOUND},
      {groupId: '', errorCode: E.INVALID_GROUP_ID},
    ])
    expect((await samsa(d.dataDir, ['group', 'describe', 'simple'])).code).toBe(4)
    expect((await c.request('ListGroups', {})).groups.map((g) => g.groupId)).not.toContain('simple')
    await c.request('LeaveGroup', {groupId: 'occupied', memberId: joined.memberId})
  })
})
