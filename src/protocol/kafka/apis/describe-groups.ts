import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {array, bytes, int16, int32, string, struct, versions} from '../schema.js'

export const DescribeGroups = defineApi({
  key: 15,
  name: 'DescribeGroups',
  maxVersion: 1,
  flexibleFrom: 5,
  request: struct({
    groups: array(string),
  }),
  response: struct({
    throttleTimeMs: versions('1+', int32),
    groups: array(
      struct({
        errorCode: int16,
        groupId: string,
        groupState: string,
        protocolType: string,
        protocolData: string,
        members: array(
          struct({
            memberId: string,
            clientId: string,
            clientHost: string,
            memberMetadata: bytes,
            memberAssignment: bytes,
          }),
        ),
      }),
    ),
  }),
})

export type DescribeGroupsRequest = RequestOf<typeof DescribeGroups>
export type DescribeGroupsResponse = ResponseOf<typeof DescribeGroups>
