import {defineApi, type RequestOf, type ResponseOf} from '../api.js'
import {int16, int32, int64, nullableString, struct} from '../schema.js'

export const InitProducerId = defineApi({
  key: 22,
  name: 'InitProducerId',
  maxVersion: 1,
  flexibleFrom: 2,
  request: struct({
    transactionalId: nullableString,
    transactionTimeoutMs: int32,
  }),
  response: struct({
    throttleTimeMs: int32,
    errorCode: int16,
    producerId: int64,
    producerEpoch: int16,
  }),
})

export type InitProducerIdRequest = RequestOf<typeof InitProducerId>
export type InitProducerIdResponse = ResponseOf<typeof InitProducerId>
