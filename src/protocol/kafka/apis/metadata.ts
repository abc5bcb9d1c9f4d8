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
