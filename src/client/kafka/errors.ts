// Kafka error codes in a response → samsa's errors (src/errors.ts), so a command fails with the same code,
// exit status and, where the local backend has a fixed wording, the same message whichever backend
// answered. The inverse of engine/kafka/error-codes.ts; kafkaError (protocol/kafka) says which codes a
// client may retry.
import {SamsaError, type ErrorCode} from '../../errors.js'
import {kafkaError} from '../../protocol/kafka/error-codes.js'
import type {PartitionError} from '../types.js'

const BY_KAFKA_CODE: Record<number, ErrorCode> = {
  1: 'OFFSET_OUT_OF_RANGE',
  2: 'CORRUPT_LOG', // in a Fetch answer: a damaged batch in the log; in a Produce answer see produceFailure
  3: 'UNKNOWN_TOPIC',
  5: 'PARTITION_OFFLINE', // LEADER_NOT_AVAILABLE
  6: 'PARTITION_OFFLINE', // NOT_LEADER_OR_FOLLOWER (refreshed and retried before it gets here)
  7: 'TIMEOUT',
  10: 'MESSAGE_TOO_LARGE',
  14: 'DAEMON_UNAVAILABLE', // COORDINATOR_LOAD_IN_PROGRESS
  15: 'DAEMON_UNAVAILABLE', // COORDINATOR_NOT_AVAILABLE
  16: 'DAEMON_UNAVAILABLE', // NOT_COORDINATOR
  17: 'INVALID_TOPIC',
  21: 'USAGE',
  22: 'ILLEGAL_GENERATION',
  23: 'INCONSISTENT_GROUP_PROTOCOL',
  24: 'USAGE', // INVALID_GROUP_ID
  25: 'UNKNOWN_MEMBER_ID',
  26: 'INVALID_SESSION_TIMEOUT',
  27: 'REBALANCE_IN_PROGRESS',
  36: 'TOPIC_EXISTS',
  37: 'INVALID_PARTITIONS',
  38: 'INVALID_REQUEST', // INVALID_REPLICATION_FACTOR
  40: 'INVALID_CONFIG',
  41: 'DAEMON_UNAVAILABLE', // NOT_CONTROLLER
  42: 'INVALID_REQUEST',
  45: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  46: 'DUPLICATE_SEQUENCE_NUMBER',
  47: 'INVALID_PRODUCER_EPOCH',
  59: 'OUT_OF_ORDER_SEQUENCE_NUMBER', // UNKNOWN_PRODUCER_ID: the broker lost this producer's sequences (retention)
  56: 'STORAGE_ERROR',
  68: 'NON_EMPTY_GROUP',
  69: 'GROUP_ID_NOT_FOUND',
  81: 'GROUP_MAX_SIZE_REACHED',
  82: 'FENCED_INSTANCE_ID',
}

// Kafka's codes a client retries (after a metadata refresh) without telling the user.
export const LEADER_MOVED = new Set([5, 6])
export const COORDINATOR_MOVED = new Set([14, 15, 16])

export function samsaCode(kafkaCode: number): ErrorCode {
  return BY_KAFKA_CODE[kafkaCode] ?? 'INTERNAL'
}

function describe(kafkaCode: number): string {
  const e = kafkaError(kafkaCode)
  return e ? `${e.name} (${kafkaCode})` : `error ${kafkaCode}`
}

/** A SamsaError for a Kafka error code: the broker's message when it sent one, else the code's name. */
export function kafkaFailure(kafkaCode: number, context: string, brokerMessage?: string | null): SamsaError {
  const retriable = kafkaError(kafkaCode)?.retriable ?? false
  const text = brokerMessage ? brokerMessage : `${context}: Kafka error ${describe(kafkaCode)}`
  return new SamsaError(samsaCode(kafkaCode), text, {retriable})
}

export function partitionError(kafkaCode: number, topic: string, partition: number): PartitionError {
  const e = kafkaFailure(kafkaCode, `${topic}-${partition}`, fixedMessage(kafkaCode, topic, partition))
  return {code: e.code, message: e.message, retriable: e.retriable}
}

// The local backend's wording for the errors every command can meet.
export function fixedMessage(kafkaCode: number, topic: string, partition?: number): string | null {
  if (kafkaCode === 3) return partition === undefined ? `topic ${topic} does not exist` : `topic ${topic} or its partition ${partition} does not exist`
  if (kafkaCode === 36) return `topic ${topic} already exists`
  return null
}

/** A feature the Kafka backend does not have: one line, the same for every such command. */
export function notSupported(what: string): SamsaError {
  return new SamsaError('INVALID_REQUEST', `${what} is not supported by the Kafka backend (--brokers)`)
}
