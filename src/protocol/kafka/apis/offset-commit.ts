import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, string, struct, versions} from '../schema.js'

export const OffsetCommit = defineApi({
  key: 8,
  name: 'OffsetCommit',
  maxVersion: 3,
  flexibleFrom: 8,
  request: struct({
    groupId: string,
    generationId: versions('1+', int32, -1),
    memberId: versions('1+', string),
    retentionTimeMs: versions('2-4', int64, -1),
    topics: array(
      struct({
        name: string,
        partitions: array(
          struct({
            partitionIndex: int32,
            committedOffset: int64,
            commitTimestamp: versions('1', int64, -1),
            committedMetadata: nullableString,
          }),
        ),
      }),
    ),
  }),
  response: struct({
    throttleTimeMs: versions('3+', int32),
    topics: array(
      struct({
        name: string,
        partitions: array(struct({partitionIndex: int32, errorCode: int16})),
      }),
    ),
  }),
})

export type OffsetCommitRequest = RequestOf<typeof OffsetCommit>
export type OffsetCommitResponse = ResponseOf<typeof OffsetCommit>
