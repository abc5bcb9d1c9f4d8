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
