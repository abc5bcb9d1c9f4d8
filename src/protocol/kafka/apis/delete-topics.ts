// DeleteTopics Request (Version: 1) => [topic_names] timeout_ms
//   topic_names => STRING
//   timeout_ms => INT32
// DeleteTopics Response (Version: 1) => throttle_time_ms [responses]
//   throttle_time_ms => INT32
//   responses => name error_code
//     name => STRING
//     error_code => INT16
//
// Versions: v1 + throttle_time_ms. An unknown topic gets UNKNOWN_TOPIC_OR_PARTITION.

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
