// Requests captured from kcat 1.7.1 (librdkafka 2.0.2) and kafkajs 2.2.4 (fixtures/capture.mjs) decode to
// these literal objects, and encoding each object gives back the captured bytes exactly — so the schemas
// consume every byte the clients send, in the clients' own layout.
import {describe, expect, it} from 'vitest'
import {Compression, compressionOf} from '../../../src/format/batch-header.js'
import {decodeRecordBatch} from '../../../src/format/record-batch.js'
import {decodeRequest, encodeRequest, type KafkaRequest} from '../../../src/protocol/kafka/codec.js'
import {fixture, fixtureNames, hex} from './helpers.js'

const kafkajs = (apiKey: number, apiVersion: number, correlationId: number) => ({apiKey, apiVersion, correlationId, clientId: 'kafkajs'})
const rdkafka = (apiKey: number, apiVersion: number, correlationId: number) => ({apiKey, apiVersion, correlationId, clientId: 'rdkafka'})

// kafkajs's LZ4 batch (kafkajs-lz4: FLG 0x64 with content checksum, BD 0x70) of two records at fixed timestamps
const KAFKAJS_LZ4_BATCH = hex(`
  0000000000000000 00000064 00000000 02 d3a9d233 0003 00000001 0000018bcfe56800 0000018bcfe56805
  ffffffffffffffff 0000 00000000 00000002
  04224d18 64 70 b9 20000000 f00f22000000046b310a68656c6c6f020268027816000a02010a776f726c640000000000 2a4c0971`)
// librdkafka's LZ4 batch (FLG 0x60, BD 0x40, as Kafka's Java client) with producerEpoch and baseSequence -1
const KCAT_LZ4_BATCH = hex(`
  0000000000000000 0000006a 00000000 02 6009d615 0003 00000001 000001a23712eb10 000001a23712eb10
  ffffffffffffffff ffff ffffffff 00000002
  04224d18 60 40 82 2a000000 ff044e000000046b323e66726f6d206b6361742c200b00018f004e000002046b33280009506b63617400 00000000`)

const JOIN_KAFKAJS_METADATA = hex('0000 00000001 0008 6669787475726573 00000000') // v0: [fixtures], no user data
const JOIN_RDKAFKA_METADATA = hex('0001 00000001 0008 6669787475726573 00000000 00000000') // v1: + owned partitions []
const ASSIGNMENT = hex('0000 00000001 0008 6669787475726573 00000001 00000000 00000000') // fixtures [0], no user data

type Expected = Omit<KafkaRequest, 'kind'>
const EXPECTED: Record<string, Expected> = {
  // ── kcat 1.7.1 / librdkafka 2.0.2 ──
  'rdkafka-api-versions-v3': {api: 'ApiVersions', header: rdkafka(18, 3, 1), body: {clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2'}},
  'rdkafka-metadata-v4': {api: 'Metadata', header: rdkafka(3, 4, 2), body: {topics: [{name: 'fixtures'}], allowAutoTopicCreation: true}},
  'rdkafka-produce-v3': {
    api: 'Produce',
    header: rdkafka(0, 3, 3),
    body: {transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{name: 'fixtures', partitionData: [{index: 0, records: KCAT_LZ4_BATCH}]}]},
  },
  'rdkafka-list-offsets-v2': {
    api: 'ListOffsets',
    header: rdkafka(2, 2, 4),
    body: {replicaId: -1, isolationLevel: 1, topics: [{name: 'fixtures', partitions: [{partitionIndex: 0, timestamp: -2, maxNumOffsets: 1}]}]},
  },
  'rdkafka-fetch-v4': {
    api: 'Fetch',
    header: rdkafka(1, 4, 5),
    body: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      topics: [{topic: 'fixtures', partitions: [{partition: 0, fetchOffset: 0, partitionMaxBytes: 1048576}]}],
    },
  },
  'rdkafka-find-coordinator-v1': {api: 'FindCoordinator', header: rdkafka(10, 1, 3), body: {key: 'fixtures-kcat', keyType: 0}},
  'rdkafka-join-group-v2': {
    api: 'JoinGroup',
    header: rdkafka(11, 2, 3),
    body: {
      groupId: 'fixtures-kcat',
      sessionTimeoutMs: 45000,
      rebalanceTimeoutMs: 300000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [
        {name: 'range', metadata: JOIN_RDKAFKA_METADATA},
        {name: 'roundrobin', metadata: JOIN_RDKAFKA_METADATA},
      ],
    },
  },
  'rdkafka-sync-group-v1': {
    api: 'SyncGroup',
    header: rdkafka(14, 1, 5),
    body: {groupId: 'fixtures-kcat', generationId: 1, memberId: 'rdkafka-1', assignments: [{memberId: 'rdkafka-1', assignment: ASSIGNMENT}]},
  },
  'rdkafka-offset-fetch-v3': {api: 'OffsetFetch', header: rdkafka(9, 3, 6), body: {groupId: 'fixtures-kcat', topics: [{name: 'fixtures', partitionIndexes: [0]}]}},
  'rdkafka-heartbeat-v1': {api: 'Heartbeat', header: rdkafka(12, 1, 6), body: {groupId: 'fixtures-kcat', generationId: 1, memberId: 'rdkafka-1'}},
  'rdkafka-offset-commit-v3': {
    api: 'OffsetCommit',
    header: rdkafka(8, 3, 8),
    body: {
      groupId: 'fixtures-kcat',
      generationId: 1,
      memberId: 'rdkafka-1',
      retentionTimeMs: -1,
      // librdkafka sends "" for no metadata; commitTimestamp is v1 only
      topics: [{name: 'fixtures', partitions: [{partitionIndex: 0, committedOffset: 4, commitTimestamp: -1, committedMetadata: ''}]}],
    },
  },
  'rdkafka-leave-group-v1': {api: 'LeaveGroup', header: rdkafka(13, 1, 9), body: {groupId: 'fixtures-kcat', memberId: 'rdkafka-1'}},

  // ── kafkajs 2.2.4 ──
  'kafkajs-api-versions-v2': {api: 'ApiVersions', header: kafkajs(18, 2, 0), body: {clientSoftwareName: '', clientSoftwareVersion: ''}},
  'kafkajs-metadata-v4': {api: 'Metadata', header: kafkajs(3, 4, 1), body: {topics: null, allowAutoTopicCreation: false}},
  'kafkajs-create-topics-v2': {
    api: 'CreateTopics',
    header: kafkajs(19, 2, 2),
    // replicationFactor -1 at v2: kafkajs's "broker default", legal in Kafka only from v4
    body: {topics: [{name: 'fixtures', numPartitions: 1, replicationFactor: -1, assignments: [], configs: []}], timeoutMs: 5000, validateOnly: false},
  },
  'kafkajs-describe-configs-v1': {
    api: 'DescribeConfigs',
    header: kafkajs(32, 1, 8),
    body: {resources: [{resourceType: 2, resourceName: 'fixtures', configurationKeys: ['cleanup.policy']}], includeSynonyms: false},
  },
  'kafkajs-produce-v3': {
    api: 'Produce',
    header: kafkajs(0, 3, 2),
    body: {transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{name: 'fixtures', partitionData: [{index: 0, records: KAFKAJS_LZ4_BATCH}]}]},
  },
  'kafkajs-find-coordinator-v1': {api: 'FindCoordinator', header: kafkajs(10, 1, 2), body: {key: 'fixtures-kafkajs', keyType: 0}},
  'kafkajs-join-group-v2': {
    api: 'JoinGroup',
    header: kafkajs(11, 2, 3),
    body: {
      groupId: 'fixtures-kafkajs',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{name: 'RoundRobinAssigner', metadata: JOIN_KAFKAJS_METADATA}],
    },
  },
  'kafkajs-sync-group-v1': {
    api: 'SyncGroup',
    header: kafkajs(14, 1, 5),
    body: {groupId: 'fixtures-kafkajs', generationId: 1, memberId: 'kafkajs-1', assignments: [{memberId: 'kafkajs-1', assignment: ASSIGNMENT}]},
  },
  'kafkajs-offset-fetch-v3': {api: 'OffsetFetch', header: kafkajs(9, 3, 6), body: {groupId: 'fixtures-kafkajs', topics: [{name: 'fixtures', partitionIndexes: [0]}]}},
  'kafkajs-list-offsets-v2': {
    api: 'ListOffsets',
    header: kafkajs(2, 2, 7),
    body: {replicaId: -1, isolationLevel: 1, topics: [{name: 'fixtures', partitions: [{partitionIndex: 0, timestamp: -2, maxNumOffsets: 1}]}]},
  },
  'kafkajs-fetch-v4': {
    api: 'Fetch',
    header: kafkajs(1, 4, 0), // the consumer's own fetch connection starts its ids at 0 again
    body: {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 10485760,
      isolationLevel: 1,
      topics: [{topic: 'fixtures', partitions: [{partition: 0, fetchOffset: 0, partitionMaxBytes: 1048576}]}],
    },
  },
  'kafkajs-offset-commit-v3': {
    api: 'OffsetCommit',
    header: kafkajs(8, 3, 8),
    body: {
      groupId: 'fixtures-kafkajs',
      generationId: 1,
      memberId: 'kafkajs-1',
      retentionTimeMs: -1,
      // kafkajs sends null metadata (int16 -1)
      topics: [{name: 'fixtures', partitions: [{partitionIndex: 0, committedOffset: 1, commitTimestamp: -1, committedMetadata: null}]}],
    },
  },
  'kafkajs-heartbeat-v1': {api: 'Heartbeat', header: kafkajs(12, 1, 10), body: {groupId: 'fixtures-kafkajs', generationId: 1, memberId: 'kafkajs-1'}},
  'kafkajs-leave-group-v1': {api: 'LeaveGroup', header: kafkajs(13, 1, 12), body: {groupId: 'fixtures-kafkajs', memberId: 'kafkajs-1'}},
  'kafkajs-list-groups-v1': {api: 'ListGroups', header: kafkajs(16, 1, 10), body: {}},
  'kafkajs-describe-groups-v1': {api: 'DescribeGroups', header: kafkajs(15, 1, 12), body: {groups: ['fixtures-kafkajs']}},
  'kafkajs-delete-topics-v1': {api: 'DeleteTopics', header: kafkajs(20, 1, 14), body: {topicNames: ['doomed'], timeoutMs: 5000}},
  'kafkajs-init-producer-id-v1': {api: 'InitProducerId', header: kafkajs(22, 1, 2), body: {transactionalId: null, transactionTimeoutMs: 60000}},
}

describe('captured requests', () => {
  it('every fixture file has an expectation, and every expectation a file', () => {
    expect(fixtureNames()).toEqual(Object.keys(EXPECTED).sort())
  })

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} decodes to the literal request and encodes back to the same bytes`, () => {
      const payload = fixture(name)
      const decoded = decodeRequest(payload)
      expect(decoded).toEqual({kind: 'request', ...expected})
      const frame = Buffer.concat(encodeRequest(expected.api, expected.header, expected.body as never))
      expect(frame.readInt32BE(0)).toBe(payload.length)
      expect(frame.subarray(4).toString('hex')).toBe(payload.toString('hex'))
    })
  }
})

describe('what the captures show about the clients', () => {
  it('librdkafka sends ApiVersions v3 with request header v2: int16 client_id, a tag byte, compact strings', () => {
    expect(fixture('rdkafka-api-versions-v3').toString('hex')).toBe(
      '0012' + '0003' + '00000001' + '0007' + Buffer.from('rdkafka').toString('hex') + '00' + // header v2
        '0b' + Buffer.from('librdkafka').toString('hex') + '06' + Buffer.from('2.0.2').toString('hex') + '00', // body + tags
    )
  })

  it('the Produce v3 payloads are complete LZ4 RecordBatch v2 batches that src/format reads as sent', () => {
    const fromKafkajs = decodeRecordBatch(KAFKAJS_LZ4_BATCH)
    expect(compressionOf(fromKafkajs.header.attributes)).toBe(Compression.Lz4)
    expect(fromKafkajs.header).toMatchObject({producerId: -1, producerEpoch: 0, baseSequence: 0}) // kafkajs's 0s (pitfall 20)
    expect(fromKafkajs.records.map((r) => ({key: r.key?.toString() ?? null, value: r.value?.toString(), timestamp: r.timestamp, headers: r.headers.map((h) => `${h.key}=${h.value}`)}))).toEqual([
      {key: 'k1', value: 'hello', timestamp: 1700000000000, headers: ['h=x']},
      {key: null, value: 'world', timestamp: 1700000000005, headers: []},
    ])
    const fromKcat = decodeRecordBatch(KCAT_LZ4_BATCH)
    expect(compressionOf(fromKcat.header.attributes)).toBe(Compression.Lz4)
    expect(fromKcat.header).toMatchObject({producerId: -1, producerEpoch: -1, baseSequence: -1})
    expect(fromKcat.records.map((r) => `${r.key}:${r.value}`)).toEqual(['k2:from kcat, from kcat, from kcat', 'k3:from kcat, from kcat, from kcat'])
  })
})
