import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, nullableString, string, struct, versions} from '../schema.js'

export const CreateTopics = defineApi({
  key: 19,
  name: 'CreateTopics',
  maxVersion: 2,
  flexibleFrom: 5,
  request: struct({
    topics: array(
      struct({
        name: string,
        numPartitions: int32,
        replicationFactor: int16,
        assignments: array(struct({partitionIndex: int32, brokerIds: array(int32)})),
        configs: array(struct({name: string, value: nullableString})),
      }),
    ),
    timeoutMs: int32,
    validateOnly: versions('1+', boolean),
  }),
  response: struct({
    throttleTimeMs: versions('2+', int32),
    topics: array(
      struct({
        name: string,
        errorCode: int16,
        errorMessage: versions('1+', nullableString),
      }),
    ),
  }),
})

export type CreateTopicsRequest = RequestOf<typeof CreateTopics>
export type CreateTopicsResponse = ResponseOf<typeof CreateTopics>
