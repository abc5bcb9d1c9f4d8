// AlterConfigs Request (Version: 1) => [resources] validate_only
//   resources => resource_type resource_name [configs]
//     resource_type => INT8
//     resource_name => STRING
//     configs => name value
//       name => STRING
//       value => NULLABLE_STRING
//   validate_only => BOOLEAN
// AlterConfigs Response (Version: 1) => throttle_time_ms [responses]
//   throttle_time_ms => INT32
//   responses => error_code error_message resource_type resource_name
//     error_code => INT16
//     error_message => NULLABLE_STRING
//     resource_type => INT8
//     resource_name => STRING
//
// The older, non-incremental API (KIP-133): the configs given become the resource's whole set of dynamic
// configs — any config set before and not named here goes back to its default. v1 = v0 (throttling
// semantics only); v2 is flexible. resource_type 2 is a topic.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, int8, nullableString, string, struct} from '../schema.js'

export const AlterConfigs = defineApi({
  key: 33,
  name: 'AlterConfigs',
  maxVersion: 1,
  flexibleFrom: 2,
  request: struct({
    resources: array(
      struct({
        resourceType: int8,
        resourceName: string,
        configs: array(struct({name: string, value: nullableString})),
      }),
    ),
    validateOnly: boolean,
  }),
  response: struct({
    throttleTimeMs: int32,
    responses: array(struct({errorCode: int16, errorMessage: nullableString, resourceType: int8, resourceName: string})),
  }),
})

export type AlterConfigsRequest = RequestOf<typeof AlterConfigs>
export type AlterConfigsResponse = ResponseOf<typeof AlterConfigs>
