// Kafka's error codes that a single-node broker answers with: name (as in Kafka's Errors.java), code, and
// whether a client may retry (the RetriableException hierarchy; kafkajs's table agrees for every row).
// The codecs carry error codes as plain int16 numbers; interpreting one is this table's job, kept apart
// from decoding (a response with error 27 decodes fine: what 27 means is decided here).
// Codes are part of the protocol: add, never renumber. src/errors.ts maps samsa's own codes onto these
// (kafkaCode); the listener picks the code per API where Kafka's rules differ (kafka-protocol.md §7).

export interface KafkaErrorInfo {
  readonly code: number
  readonly retriable: boolean
}

export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: {code: -1, retriable: false}, // unexpected failure; last resort
  NONE: {code: 0, retriable: false},
  OFFSET_OUT_OF_RANGE: {code: 1, retriable: false}, // Fetch offset < log start or > log end
  CORRUPT_MESSAGE: {code: 2, retriable: true}, // bad CRC, malformed or non-v2 batch (Produce < v8)
  UNKNOWN_TOPIC_OR_PARTITION: {code: 3, retriable: true},
  LEADER_NOT_AVAILABLE: {code: 5, retriable: true}, // only while a topic is being created
  NOT_LEADER_OR_FOLLOWER: {code: 6, retriable: true},
  REQUEST_TIMED_OUT: {code: 7, retriable: true}, // Produce only; never in Fetch (pitfall 7)
  MESSAGE_TOO_LARGE: {code: 10, retriable: false}, // batch above max.message.bytes
  OFFSET_METADATA_TOO_LARGE: {code: 12, retriable: false},
  COORDINATOR_LOAD_IN_PROGRESS: {code: 14, retriable: true},
  COORDINATOR_NOT_AVAILABLE: {code: 15, retriable: true},
  NOT_COORDINATOR: {code: 16, retriable: true},
  INVALID_TOPIC_EXCEPTION: {code: 17, retriable: false}, // illegal name, `.`/`_` collision, internal topic
  INVALID_REQUIRED_ACKS: {code: 21, retriable: false}, // acks not in {-1, 0, 1}
  ILLEGAL_GENERATION: {code: 22, retriable: false},
  INCONSISTENT_GROUP_PROTOCOL: {code: 23, retriable: false},
  INVALID_GROUP_ID: {code: 24, retriable: false},
  UNKNOWN_MEMBER_ID: {code: 25, retriable: false},
  INVALID_SESSION_TIMEOUT: {code: 26, retriable: false},
  REBALANCE_IN_PROGRESS: {code: 27, retriable: false},
  INVALID_TIMESTAMP: {code: 32, retriable: false},
  UNSUPPORTED_SASL_MECHANISM: {code: 33, retriable: false}, // SaslHandshake: the listener then closes
  ILLEGAL_SASL_STATE: {code: 34, retriable: false}, // a SASL request where none is expected
  UNSUPPORTED_VERSION: {code: 35, retriable: false}, // ApiVersions version too high (v0-format reply)
  TOPIC_ALREADY_EXISTS: {code: 36, retriable: false},
  INVALID_PARTITIONS: {code: 37, retriable: false},
  INVALID_REPLICATION_FACTOR: {code: 38, retriable: false},
  INVALID_REPLICA_ASSIGNMENT: {code: 39, retriable: false}, // CreatePartitions naming other brokers
  INVALID_CONFIG: {code: 40, retriable: false},
  NOT_CONTROLLER: {code: 41, retriable: true},
  INVALID_REQUEST: {code: 42, retriable: false}, // malformed admin request; never for ApiVersions names
  UNSUPPORTED_FOR_MESSAGE_FORMAT: {code: 43, retriable: false},
  OUT_OF_ORDER_SEQUENCE_NUMBER: {code: 45, retriable: false}, // idempotent producers only
  DUPLICATE_SEQUENCE_NUMBER: {code: 46, retriable: false},
  INVALID_PRODUCER_EPOCH: {code: 47, retriable: false},
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: {code: 53, retriable: false}, // transactions are not supported
  KAFKA_STORAGE_ERROR: {code: 56, retriable: true}, // a log directory failed (Produce v4+/Fetch v6+ name it)
  SASL_AUTHENTICATION_FAILED: {code: 58, retriable: false}, // SaslAuthenticate: the listener then closes
  UNKNOWN_PRODUCER_ID: {code: 59, retriable: false}, // Kafka brokers only: samsa's never answer it
  NON_EMPTY_GROUP: {code: 68, retriable: false}, // DeleteGroups / offset changes while the group has members
  GROUP_ID_NOT_FOUND: {code: 69, retriable: false},
  MEMBER_ID_REQUIRED: {code: 79, retriable: false}, // JoinGroup v4+ only: never below
  GROUP_MAX_SIZE_REACHED: {code: 81, retriable: false},
  FENCED_INSTANCE_ID: {code: 82, retriable: false}, // another member took this group.instance.id
  INVALID_RECORD: {code: 87, retriable: false}, // Produce v8+ only: use CORRUPT_MESSAGE below
  FENCED_MEMBER_EPOCH: {code: 110, retriable: false}, // the consumer protocol (KIP-848)
  UNSUPPORTED_ASSIGNOR: {code: 112, retriable: false},
  STALE_MEMBER_EPOCH: {code: 113, retriable: false},
} as const satisfies Record<string, KafkaErrorInfo>

export type KafkaErrorName = keyof typeof KAFKA_ERRORS

/** name → code, for building responses: `errorCode: KafkaErrorCode.REBALANCE_IN_PROGRESS`. */
export const KafkaErrorCode = Object.fromEntries(Object.entries(KAFKA_ERRORS).map(([name, e]) => [name, e.code])) as {
  readonly [N in KafkaErrorName]: (typeof KAFKA_ERRORS)[N]['code']
}

const BY_CODE = new Map<number, {name: KafkaErrorName} & KafkaErrorInfo>(
  Object.entries(KAFKA_ERRORS).map(([name, e]) => [e.code, {name: name as KafkaErrorName, ...e}]),
)

/** What an error code means, for logs and for a client reading responses; undefined for codes not in the table. */
export function kafkaError(code: number): ({name: KafkaErrorName} & KafkaErrorInfo) | undefined {
  return BY_CODE.get(code)
}
