// The Kafka wire protocol, pure: what the Kafka listener (engine/kafka/) and a Kafka client backend import.
//
//   const reader = new KafkaFrameReader(maxFrameBytes)      // per connection; push(chunk), next() → payload
//   const request = decodeRequest(payload)                  // KafkaRequest | UnsupportedRequest, or throws
//   switch (request.api) { case 'Produce': … }              // typed bodies per API
//   socket.write(encodeResponse(request, body))             // Buffer[] chunks, in order
//
// Errors: FrameSizeError (bad size prefix) and KafkaCodecError (malformed message) are SamsaErrors with
// code INVALID_REQUEST: log them and close the connection, as Kafka does.

export {advertisedApiVersions, apiByKey, KAFKA_APIS, type ApiVersionRange, type KafkaApiName} from './api-table.js'
export type {KafkaApi} from './api.js'
export {
  DEFAULT_MAX_REQUEST_ITEMS,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeUnsupportedApiVersions,
  expectsResponse,
  type KafkaRequest,
  type RequestBody,
  type ResponseBody,
  type UnsupportedRequest,
} from './codec.js'
export {decodeAssignment, decodeSubscriptionTopics, encodeAssignment, encodeSubscription, type AssignedPartition} from './consumer-protocol.js'
export {KAFKA_ERRORS, KafkaErrorCode, kafkaError, type KafkaErrorName} from './error-codes.js'
export {checkFrameSize, DEFAULT_MAX_FRAME_BYTES, FrameSizeError, KafkaFrameReader} from './frame.js'
export type {RequestHeader} from './header.js'
export {KafkaCodecError} from './primitives.js'
