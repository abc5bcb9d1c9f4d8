// ConsumerProtocol payloads: what Kafka consumers (protocol_type "consumer") put inside JoinGroup's
// protocol metadata and SyncGroup's assignments. The broker treats both as opaque bytes; samsa decodes
// them only to show a classic group's subscriptions and owners (`samsa group describe`).
//
// Subscription (JoinGroup protocols[].metadata) => version [topics] user_data ...
//   version => INT16                 (librdkafka 2.0.2 writes v1, kafkajs 2.2.4 v0)
//   topics => STRING
//   user_data => NULLABLE_BYTES
//   (v1+ owned_partitions, v2+ generation_id, v3+ rack_id follow: not read)
// Assignment (SyncGroup assignments[].assignment) => version [assigned_partitions] user_data
//   version => INT16                 (the same layout in v0–v3)
//   assigned_partitions => topic [partitions]
//     topic => STRING
//     partitions => INT32
//   user_data => NULLABLE_BYTES
//
// Decoding is bounded like a request's (array counts against the bytes left, at most MAX_ITEMS elements)
// and never throws: bytes that are not a ConsumerProtocol payload (another protocol type, a client's
// private format) decode to null. An empty assignment (zero bytes: the leader left the member out) is no
// partitions.
import {array, int16, int32, nullableBytes, string, struct} from './schema.js'
import {Reader, Writer} from './primitives.js'

const MAX_ITEMS = 100_000

const SubscriptionPrefix = struct({version: int16, topics: array(string)})
const Assignment = struct({
  version: int16,
  assignedPartitions: array(struct({topic: string, partitions: array(int32)})),
  userData: nullableBytes,
})
const Subscription = struct({version: int16, topics: array(string), userData: nullableBytes})

export interface AssignedPartition {
  topic: string
  partition: number
}

/** The topics a subscription names, or null when the bytes are not a ConsumerProtocol subscription. */
export function decodeSubscriptionTopics(metadata: Uint8Array): string[] | null {
  const v = decode(SubscriptionPrefix, metadata)
  return v && v.version >= 0 ? v.topics : null
}

/** The partitions an assignment gives, or null when the bytes are not a ConsumerProtocol assignment. */
export function decodeAssignment(assignment: Uint8Array): AssignedPartition[] | null {
  if (assignment.length === 0) return []
  const v = decode(Assignment, assignment)
  if (!v || v.version < 0) return null
  return v.assignedPartitions.flatMap((a) => a.partitions.map((partition) => ({topic: a.topic, partition})))
}

/** A v0 subscription (what kafkajs writes); for tests and Kafka client code. */
export function encodeSubscription(topics: string[], userData: Buffer | null = null): Buffer {
  return encode((w) => Subscription.codec(0, false).write(w, {version: 0, topics, userData}))
}

/** A v0 assignment; for tests and Kafka client code. */
export function encodeAssignment(partitions: AssignedPartition[], userData: Buffer | null = null): Buffer {
  const byTopic = new Map<string, number[]>()
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
  const assignedPartitions = [...byTopic].map(([topic, ps]) => ({topic, partitions: ps}))
  return encode((w) => Assignment.codec(0, false).write(w, {version: 0, assignedPartitions, userData}))
}

function decode<T>(type: {codec(version: number, flexible: boolean): {read(r: Reader): T}}, bytes: Uint8Array): T | null {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  try {
    return type.codec(0, false).read(new Reader(buf, 0, buf.length, MAX_ITEMS))
  } catch {
    return null
  }
}

function encode(write: (w: Writer) => void): Buffer {
  const w = new Writer(64)
  write(w)
  return Buffer.concat(w.finish())
}
