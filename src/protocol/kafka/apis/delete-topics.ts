import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, int16, int32, string, struct, versions} from '../schema.js'

export const DeleteTopics = defineApi({
  key: 20,
  name: 'DeleteTopics',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    topicNames: array(string),
    timeoutMs: int32,
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    responses: array(struct({name: string, errorCode: int16})),
  }),
})

export type DeleteTopicsRequest = RequestOf<typeof DeleteTopics>
export type DeleteTopicsResponse = ResponseOf<typeof DeleteTopics>
