import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, int8, string, struct, versions} from '../schema.js'

export const ListOffsets = defineApi({
  key: 2,
  name: 'ListOffsets',
  maxVersion: 2,
  flexibleFrom: 6,
  request: struct({
    replicaId: int32,
    isolationLevel: versions('2+', int8),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            timestamp: int64,
            maxNumOffsets: versions('0', int32, 1),
          }),
        ),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('2+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            errorCode: int16,
            oldStyleOffsets: versions('0', array(int64)),
            timestamp: versions('1+', int64, -1),
            offset: versions('1+', int64, -1),
          }),
        ),
      }),
    ),
  }),
})

export type ListOffsetsRequest = RequestOf<typeof ListOffsets>
export type ListOffsetsResponse = ResponseOf<typeof ListOffsets>
