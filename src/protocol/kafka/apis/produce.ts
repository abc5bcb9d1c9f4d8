import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, int64, nullableString, records, string, struct, versions} from '../schema.js'

export const Produce = defineApi({
  key: 0,
  name: 'Produce',
  maxVersion: 3,
  flexibleFrom: 9,
  request: struct({
    transactionalId: versions('3+', nullableString),
    acks: int16,
    timeoutMs: int32,
    topicData: array(
      struct({
        name: string,
        partitionData: array(struct({index: int32, records})),
      }),
    ),
  }),
  response: struct({
    responses: array(
      struct({
        name: string,
        partitionResponses: array(
          struct({
            index: int32,
            errorCode: int16,
            baseOffset: int64,
            logAppendTimeMs: versions('2+', int64, -1),
          }),
        ),
      }),
    ),
    throttleTimeMs: versions('1+', int32),
  }),
})

export type ProduceRequest = RequestOf<typeof Produce>
export type ProduceResponse = ResponseOf<typeof Produce>
