// samsa's errors as Kafka error codes, per kind of API (kafka-protocol.md §7). Each SamsaError carries a
// default Kafka code (src/errors.ts kafkaCode); this module picks the code a client of the versions samsa
// speaks expects where Kafka's rules differ:
//
//   error                          Produce (v0–3)          Fetch, ListOffsets      admin, commits
//   UNKNOWN_TOPIC/_PARTITION       3                       3                       3
//   INVALID_TOPIC (name, internal) 17                      3 (Kafka: unknown)      17
//   CORRUPT_MESSAGE (bad batch)    2                       —                       —
//   INVALID_REQUEST (no batch)     2 (no INVALID_RECORD    42                      42
//                                  below Produce v8)
//   MESSAGE_TOO_LARGE              10                      —                       —
//   OFFSET_OUT_OF_RANGE            —                       1                       —
//   CORRUPT_LOG (damaged on disk)  —                       2                       —
//   STORAGE_ERROR, PARTITION_OFFLINE  6 NOT_LEADER_OR_FOLLOWER: KAFKA_STORAGE_ERROR (56) exists only from
//                                  Produce v4 and Fetch v6; at these versions Kafka answers 6 (retriable:
//                                  the client refreshes metadata and retries, as after a leader change)
//   TIMEOUT (acks=all not synced)  7                       never 7 in Fetch (pitfall 7)
//   DAEMON_UNAVAILABLE             6                       6                       15 (coordinator)
//   anything else                  its kafkaCode; INTERNAL → -1 UNKNOWN_SERVER_ERROR
// Commits whose offsets log cannot be written answer COORDINATOR_NOT_AVAILABLE (15), as Kafka does when
// its __consumer_offsets append fails.
import {SamsaError} from '../../errors.js'
import {KafkaErrorCode} from '../../protocol/kafka/index.js'
import {asSamsaError} from '../../wire-error.js'

export type ErrorFamily = 'produce' | 'read' | 'admin' | 'commit'

// A refusal only the Kafka protocol has a code for (e.g. INVALID_REPLICATION_FACTOR): the code is given.
export class KafkaRefusal extends SamsaError {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super('INVALID_REQUEST', message)
  }
}

export function kafkaErrorCode(err: unknown, family: ErrorFamily): number {
  if (err instanceof KafkaRefusal) return err.errorCode
  const e = asSamsaError(err)
  switch (e.code) {
    case 'STORAGE_ERROR':
    case 'PARTITION_OFFLINE':
      return family === 'commit' ? KafkaErrorCode.COORDINATOR_NOT_AVAILABLE : KafkaErrorCode.NOT_LEADER_OR_FOLLOWER
    case 'DAEMON_UNAVAILABLE':
      return family === 'produce' || family === 'read' ? KafkaErrorCode.NOT_LEADER_OR_FOLLOWER : KafkaErrorCode.COORDINATOR_NOT_AVAILABLE
    case 'INVALID_TOPIC':
      return family === 'read' ? KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION : KafkaErrorCode.INVALID_TOPIC_EXCEPTION
    case 'INVALID_REQUEST':
    case 'INVALID_INPUT':
      return family === 'produce' ? KafkaErrorCode.CORRUPT_MESSAGE : KafkaErrorCode.INVALID_REQUEST
    case 'TIMEOUT':
      return family === 'produce' ? KafkaErrorCode.REQUEST_TIMED_OUT : KafkaErrorCode.UNKNOWN_SERVER_ERROR
    default:
      return e.kafkaCode
  }
}

// The message a response may carry beside the code (CreateTopics, DescribeConfigs, FindCoordinator).
export function kafkaErrorMessage(err: unknown): string {
  return asSamsaError(err).message
}
