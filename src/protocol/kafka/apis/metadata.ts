// Metadata Request (Version: 4) => [topics] allow_auto_topic_creation
//   topics => name
//     name => STRING
//   allow_auto_topic_creation => BOOLEAN
// Metadata Response (Version: 4) => throttle_time_ms [brokers] cluster_id controller_id [topics]
//   throttle_time_ms => INT32
//   brokers => node_id host port rack
//     node_id => INT32
//     host => STRING
//     port => INT32
//     rack => NULLABLE_STRING
//   cluster_id => NULLABLE_STRING
//   controller_id => INT32
//   topics => error_code name is_internal [partitions]
//     error_code => INT16
//     name => STRING
//     is_internal => BOOLEAN
//     partitions => error_code partition_index leader_id [replica_nodes] [isr_nodes]
//       error_code => INT16
//       partition_index => INT32
//       leader_id => INT32
//       replica_nodes => INT32
//       isr_nodes => INT32
//
// Versions: v1 + rack, controller_id, is_internal, and a null topics array (count -1) means all topics
// (in v0 an empty array does); v2 + cluster_id; v3 + throttle_time_ms; v4 request +
// allow_auto_topic_creation (earlier versions behave as true).
// Listener: controller_id must be a listed broker (kafkajs admin sends to it); host and port are where
// clients reconnect. Any topic or partition error makes kafkajs fail the whole call.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, nullableString, string, struct, versions} from '../schema.js'

export const Metadata = defineApi({
  key: 3,
  name: 'Metadata',
  maxVersion: 4,
  flexibleFrom: 9,
  request: struct({
    topics: array(struct({name: string}), {nullable: '1+'}),
    allowAutoTopicCreation: versions('4+', boolean, true),
  }),
  response: struct({
    throttleTimeMs: versions('3+', int32),
    brokers: array(
      struct({
        nodeId: int32,
        host: string,
        port: int32,
        rack: versions('1+', nullableString),
      }),
    ),
    clusterId: versions('2+', nullableString),
    controllerId: versions('1+', int32, -1),
    topics: array(
      struct({
        errorCode: int16,
        name: string,
        isInternal: versions('1+', boolean),
        partitions: array(
          struct({
            errorCode: int16,
            partitionIndex: int32,
            leaderId: int32,
            replicaNodes: array(int32),
            isrNodes: array(int32),
          }),
        ),
      }),
    ),
  }),
})

export type MetadataRequest = RequestOf<typeof Metadata>
export type MetadataResponse = ResponseOf<typeof Metadata>
