// IncrementalAlterConfigs Request (Version: 0) => [resources] validate_only
//   resources => resource_type resource_name [configs]
//     resource_type => INT8
//     resource_name => STRING
//     configs => name config_operation value
//       name => STRING
//       config_operation => INT8
//       value => NULLABLE_STRING
//   validate_only => BOOLEAN
// IncrementalAlterConfigs Response (Version: 0) => throttle_time_ms [responses]
//   throttle_time_ms => INT32
//   responses => error_code error_message resource_type resource_name
//     error_code => INT16
//     error_message => NULLABLE_STRING
//     resource_type => INT8
//     resource_name => STRING
//
// KIP-339: each config is changed on its own — config_operation 0 SET, 1 DELETE (back to the default),
// 2 APPEND and 3 SUBTRACT (list configs) — where AlterConfigs replaces every config of the resource.
// resource_type 2 is a topic. v1 is flexible.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, int8, nullableString, string, struct} from '../schema.js'

export const CONFIG_SET = 0
export const CONFIG_DELETE = 1

export const IncrementalAlterConfigs = defineApi({
  key: 44,
  name: 'IncrementalAlterConfigs',
  maxVersion: 0,
  flexibleFrom: 1,
  request: struct({
    resources: array(
      struct({
        resourceType: int8,
        resourceName: string,
        configs: array(struct({name: string, configOperation: int8, value: nullableString})),
      }),
    ),
    validateOnly: boolean,
  }),
  response: struct({
    throttleTimeMs: int32,
    responses: array(struct({errorCode: int16, errorMessage: nullableString, resourceType: int8, resourceName: string})),
  }),
})

export type IncrementalAlterConfigsRequest = RequestOf<typeof IncrementalAlterConfigs>
export type IncrementalAlterConfigsResponse = ResponseOf<typeof IncrementalAlterConfigs>
