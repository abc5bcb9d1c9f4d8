// One error type for every layer. An error is data: a stable string code, whether a retry can help, the
// CLI exit code a user sees, and the Kafka error code the wire listener sends. Codes are part of the
// documented `--json` output and exit-code table in the README: add, never renumber.

export interface ErrorKind {
  exitCode: number
  kafkaCode: number
  retriable: boolean
}

// Exit codes: 0 ok, 1 failure, 2 usage, 3 daemon unavailable, 4 not found, 5 already exists,
// 6 invalid data or input, 7 storage problem (corruption, I/O), 130 interrupted (Ctrl-C).
export const ERROR_KINDS = {
  INTERNAL: {exitCode: 1, kafkaCode: -1, retriable: false},
  USAGE: {exitCode: 2, kafkaCode: 42, retriable: false},
  DAEMON_UNAVAILABLE: {exitCode: 3, kafkaCode: 15, retriable: true},
  DAEMON_RUNNING: {exitCode: 3, kafkaCode: -1, retriable: false},
  NOT_FOUND: {exitCode: 4, kafkaCode: -1, retriable: false},
  UNKNOWN_TOPIC: {exitCode: 4, kafkaCode: 3, retriable: false},
  UNKNOWN_PARTITION: {exitCode: 4, kafkaCode: 3, retriable: false},
  TOPIC_EXISTS: {exitCode: 5, kafkaCode: 36, retriable: false},
  INVALID_TOPIC: {exitCode: 6, kafkaCode: 17, retriable: false},
  INVALID_CONFIG: {exitCode: 6, kafkaCode: 40, retriable: false},
  INVALID_PARTITIONS: {exitCode: 6, kafkaCode: 37, retriable: false},
  INVALID_REQUEST: {exitCode: 6, kafkaCode: 42, retriable: false},
  INVALID_INPUT: {exitCode: 6, kafkaCode: 42, retriable: false},
  CORRUPT_MESSAGE: {exitCode: 6, kafkaCode: 2, retriable: false},
  MESSAGE_TOO_LARGE: {exitCode: 6, kafkaCode: 10, retriable: false},
  OFFSET_OUT_OF_RANGE: {exitCode: 6, kafkaCode: 1, retriable: false},
  // a record the topic cannot take: a keyless record produced to a compacted topic (Kafka's INVALID_RECORD)
  INVALID_RECORD: {exitCode: 6, kafkaCode: 87, retriable: false},
  CORRUPT_LOG: {exitCode: 7, kafkaCode: 2, retriable: false},
  STORAGE_ERROR: {exitCode: 7, kafkaCode: 56, retriable: false},
  PARTITION_OFFLINE: {exitCode: 7, kafkaCode: 56, retriable: false},
  TIMEOUT: {exitCode: 1, kafkaCode: 7, retriable: true},
  // consumer groups (Kafka's numbers; the coordinator's answers to members, and the group commands')
  GROUP_ID_NOT_FOUND: {exitCode: 4, kafkaCode: 69, retriable: false},
  NON_EMPTY_GROUP: {exitCode: 1, kafkaCode: 68, retriable: false},
  ILLEGAL_GENERATION: {exitCode: 1, kafkaCode: 22, retriable: false},
  INCONSISTENT_GROUP_PROTOCOL: {exitCode: 1, kafkaCode: 23, retriable: false},
  UNKNOWN_MEMBER_ID: {exitCode: 1, kafkaCode: 25, retriable: false},
  INVALID_SESSION_TIMEOUT: {exitCode: 6, kafkaCode: 26, retriable: false},
  REBALANCE_IN_PROGRESS: {exitCode: 1, kafkaCode: 27, retriable: false},
  MEMBER_ID_REQUIRED: {exitCode: 1, kafkaCode: 79, retriable: false},
  GROUP_MAX_SIZE_REACHED: {exitCode: 1, kafkaCode: 81, retriable: false},
  FENCED_INSTANCE_ID: {exitCode: 1, kafkaCode: 82, retriable: false},
  FENCED_MEMBER_EPOCH: {exitCode: 1, kafkaCode: 110, retriable: false},
  UNSUPPORTED_ASSIGNOR: {exitCode: 6, kafkaCode: 112, retriable: false},
  STALE_MEMBER_EPOCH: {exitCode: 1, kafkaCode: 113, retriable: false},
  // `consume --exec`: the command failed on a record (after its retries, without --dead-letter)
  EXEC_FAILED: {exitCode: 1, kafkaCode: -1, retriable: false},
  // Idempotent producers (storage/producer-state.ts), Kafka's names and codes
  OUT_OF_ORDER_SEQUENCE_NUMBER: {exitCode: 1, kafkaCode: 45, retriable: false},
  DUPLICATE_SEQUENCE_NUMBER: {exitCode: 1, kafkaCode: 46, retriable: false},
  INVALID_PRODUCER_EPOCH: {exitCode: 1, kafkaCode: 47, retriable: false},
  INTERRUPTED: {exitCode: 130, kafkaCode: -1, retriable: false},
  // `samsa config create` of a profile that exists (without --force)
  PROFILE_EXISTS: {exitCode: 5, kafkaCode: -1, retriable: false},
} as const satisfies Record<string, ErrorKind>

export type ErrorCode = keyof typeof ERROR_KINDS

export class SamsaError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly exitCode: number
  readonly kafkaCode: number

  // options.retriable: this error says more than its code's kind (a wait for the daemon that ran out is
  // DAEMON_UNAVAILABLE, yet trying again will not help)
  constructor(code: ErrorCode, message: string, options?: {cause?: unknown; retriable?: boolean}) {
    super(message, options)
    this.name = 'SamsaError'
    this.code = code
    const kind: ErrorKind = ERROR_KINDS[code] ?? ERROR_KINDS.INTERNAL
    this.retriable = options?.retriable ?? kind.retriable
    this.exitCode = kind.exitCode
    this.kafkaCode = kind.kafkaCode
  }

  toJSON(): {code: ErrorCode; message: string; retriable: boolean} {
    return {code: this.code, message: this.message, retriable: this.retriable}
  }
}

export function isSamsaError(err: unknown): err is SamsaError {
  return err instanceof SamsaError
}
