import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, string, struct, versions} from '../schema.js'

export const OffsetFetch = defineApi({
  key: 9,
  name: 'OffsetFetch',
  maxVersion: 3,
  flexibleFrom: 6,
  request: struct({
    groupId: string,
    topics: array(struct({name: string, partitionIndexes: array(int32)}), {nullable: '2+'}),
  }),
  response: struct({
    throttleTimeMs: versions('3+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            committedOffset: int64,
            metadata: nullableString,
            errorCode: int16,
          }),
        ),
      }),
    ),
    errorCode: versions('2+', int16),
  }),
})

export type OffsetFetchRequest = RequestOf<typeof OffsetFetch>
export type OffsetFetchResponse = ResponseOf<typeof OffsetFetch>
