// DescribeConfigs Request (Version: 1) => [resources] include_synonyms
//   resources => resource_type resource_name [configuration_keys]
//     resource_type => INT8
//     resource_name => STRING
//     configuration_keys => STRING
//   include_synonyms => BOOLEAN
// DescribeConfigs Response (Version: 1) => throttle_time_ms [results]
//   throttle_time_ms => INT32
//   results => error_code error_message resource_type resource_name [configs]
//     error_code => INT16
//     error_message => NULLABLE_STRING
//     resource_type => INT8
//     resource_name => STRING
//     configs => name value read_only config_source is_sensitive [synonyms]
//       name => STRING
//       value => NULLABLE_STRING
//       read_only => BOOLEAN
//       config_source => INT8
//       is_sensitive => BOOLEAN
//       synonyms => name value source
//         name => STRING
//         value => NULLABLE_STRING
//         source => INT8
//
// Versions: v0 has is_default where v1 has config_source (1 dynamic topic config, 4 static broker config,
// 5 default) and adds include_synonyms and synonyms. resource_type 2 is a topic, 4 a broker.
// configuration_keys null means every config.

import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, boolean, int16, int32, int8, nullableString, string, struct, versions} from '../schema.js'

export const DescribeConfigs = defineApi({
  key: 32,
  name: 'DescribeConfigs',
  maxVersion: 1,
  flexibleFrom: 4,
  request: struct({
    resources: array(
      struct({
        resourceType: int8,
        resourceName: string,
        configurationKeys: array(string, {nullable: '0+'}),
      }),
    ),
    includeSynonyms: versions('1+', boolean),
  }),
  response: struct({
    throttleTimeMs: int32,
    results: array(
      struct({
        errorCode: int16,
        errorMessage: nullableString,
        resourceType: int8,
        resourceName: string,
        configs: array(
          struct({
            name: string,
            value: nullableString,
            readOnly: boolean,
            isDefault: versions('0', boolean),
            configSource: versions('1+', int8, -1),
            isSensitive: boolean,
            synonyms: versions('1+', array(struct({name: string, value: nullableString, source: int8}))),
          }),
        ),
      }),
    ),
  }),
})

export type DescribeConfigsRequest = RequestOf<typeof DescribeConfigs>
export type DescribeConfigsResponse = ResponseOf<typeof DescribeConfigs>
