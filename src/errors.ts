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
  INTERRUPTED: {exitCode: 130, kafkaCode: -1, retriable: false},
} as const satisfies Record<string, ErrorKind>

export type ErrorCode = keyof typeof ERROR_KINDS

export class SamsaError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly exitCode: number
  readonly kafkaCode: number

  constructor(code: ErrorCode, message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'SamsaError'
    this.code = code
    const kind: ErrorKind = ERROR_KINDS[code] ?? ERROR_KINDS.INTERNAL
    this.retriable = kind.retriable
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
