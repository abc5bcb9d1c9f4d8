import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, int8, records, string, struct, versions} from '../schema.js'

export const Fetch = defineApi({
  key: 1,
  name: 'Fetch',
  maxVersion: 4,
  flexibleFrom: 12,
  request: struct({
    replicaId: int32,
    maxWaitMs: int32,
    minBytes: int32,
    maxBytes: versions('3+', int32, 0x7fffffff),
    isolationLevel: versions('4+', int8),
    topics: array(
      struct({
        topic: string,
        partitions: array(struct({partition: int32, fetchOffset: int64, partitionMaxBytes: int32})),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    responses: array(
      struct({
        topic: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            errorCode: int16,
            highWatermark: int64,
            lastStableOffset: versions('4+', int64, -1),
            abortedTransactions: versions('4+', array(struct({producerId: int64, firstOffset: int64}), {nullable: '4+'})),
            records,
          }),
        ),
      }),
    ),
  }),
})

export type FetchRequest = RequestOf<typeof Fetch>
export type FetchResponse = ResponseOf<typeof Fetch>
