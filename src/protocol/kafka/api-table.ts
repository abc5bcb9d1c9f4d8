// Every Kafka API samsa speaks, and what it advertises in ApiVersions: MinVersion 0 everywhere and the
// MaxVersion both kcat (librdkafka 2.0.2) and kafkajs 2.2.4 then send (kafka-protocol.md §0):
//
//   Produce 0–3   Fetch 0–4   ListOffsets 0–2   Metadata 0–4   OffsetCommit 0–3   OffsetFetch 0–3
//   FindCoordinator 0–1   JoinGroup 0–2   Heartbeat 0–1   LeaveGroup 0–1   SyncGroup 0–1
//   DescribeGroups 0–1   ListGroups 0–1   ApiVersions 0–3   CreateTopics 0–2   DeleteTopics 0–1
//   InitProducerId 0–1   DescribeConfigs 0–1   DeleteRecords 0–1   CreatePartitions 0–1
//   DeleteGroups 0–1   IncrementalAlterConfigs 0   AlterConfigs 0–1 (kafkajs's admin.alterConfigs)
//   SaslHandshake 0–1   SaslAuthenticate 0–2 (advertised on every listener, as Kafka does; a listener
//   without SASL answers a handshake with ILLEGAL_SASL_STATE: engine/kafka/sasl.ts)
//
// Why MinVersion 0: librdkafka 2.0.2 enables a feature only if an exact old version lies inside the range
// (FindCoordinator v0 for consumer groups and LZ4, Produce v0 before it compresses anything, Produce v3 and
// Fetch v4 for RecordBatch v2). Why these maxima: both clients pick the highest common version, and
// kafkajs writes RecordBatch v2 only from Produce v3 and reads it only from Fetch v4; kafkajs has no
// OffsetFetch v0, so its max must stay ≥ 1. ApiVersions v3 and SaslAuthenticate v2 are the only flexible
// versions here.
// InitProducerId only makes sense if the broker checks idempotent producers' sequences; a listener that
// does not can leave it out of what it advertises (advertisedApiVersions's `omit`).

import type {KafkaApi} from './api.js'
import {AlterConfigs} from './apis/alter-configs.js'
import {ApiVersions} from './apis/api-versions.js'
import {CreatePartitions} from './apis/create-partitions.js'
import {CreateTopics} from './apis/create-topics.js'
import {DeleteGroups} from './apis/delete-groups.js'
import {DeleteRecords} from './apis/delete-records.js'
import {DeleteTopics} from './apis/delete-topics.js'
import {DescribeConfigs} from './apis/describe-configs.js'
import {DescribeGroups} from './apis/describe-groups.js'
import {Fetch} from './apis/fetch.js'
import {FindCoordinator} from './apis/find-coordinator.js'
import {Heartbeat} from './apis/heartbeat.js'
import {IncrementalAlterConfigs} from './apis/incremental-alter-configs.js'
import {InitProducerId} from './apis/init-producer-id.js'
import {JoinGroup} from './apis/join-group.js'
import {LeaveGroup} from './apis/leave-group.js'
import {ListGroups} from './apis/list-groups.js'
import {ListOffsets} from './apis/list-offsets.js'
import {Metadata} from './apis/metadata.js'
import {OffsetCommit} from './apis/offset-commit.js'
import {OffsetFetch} from './apis/offset-fetch.js'
import {Produce} from './apis/produce.js'
import {SaslAuthenticate} from './apis/sasl-authenticate.js'
import {SaslHandshake} from './apis/sasl-handshake.js'
import {SyncGroup} from './apis/sync-group.js'

export const KAFKA_APIS = {
  Produce,
  Fetch,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  FindCoordinator,
  JoinGroup,
  Heartbeat,
  LeaveGroup,
  SyncGroup,
  DescribeGroups,
  ListGroups,
  SaslHandshake,
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  InitProducerId,
  DescribeConfigs,
  AlterConfigs,
  SaslAuthenticate,
  DeleteRecords,
  CreatePartitions,
  DeleteGroups,
  IncrementalAlterConfigs,
} as const

export type KafkaApis = typeof KAFKA_APIS
export type KafkaApiName = keyof KafkaApis

const BY_KEY = new Map<number, KafkaApi>(Object.values(KAFKA_APIS).map((api) => [api.key, api as KafkaApi]))

export function apiByKey(key: number): KafkaApi | undefined {
  return BY_KEY.get(key)
}

export interface ApiVersionRange {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** The ApiVersions response's api_keys, sorted by key (librdkafka sorts anyway; it is good practice). */
export function advertisedApiVersions(omit: readonly KafkaApiName[] = []): ApiVersionRange[] {
  return Object.values(KAFKA_APIS)
    .filter((api) => !omit.includes(api.name))
    .map((api) => ({apiKey: api.key, minVersion: api.minVersion, maxVersion: api.maxVersion}))
    .sort((a, b) => a.apiKey - b.apiKey)
}
