// InitProducerId Request (Version: 1) => transactional_id transaction_timeout_ms
//   transactional_id => NULLABLE_STRING
//   transaction_timeout_ms => INT32
// InitProducerId Response (Version: 1) => throttle_time_ms error_code producer_id producer_epoch
//   throttle_time_ms => INT32
//   error_code => INT16
//   producer_id => INT64
//   producer_epoch => INT16
//
// Versions: v1 = v0 on the wire. Advertise it only if the broker tracks producer ids and sequences;
// kafkajs writes producer_epoch 0 and base_sequence 0 with producer_id -1, so decide idempotence from
// producer_id >= 0 alone.

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
