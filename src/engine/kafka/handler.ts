// What a Kafka API handler is, and what it may use (main thread). Each module of this folder exports a table
// of handlers for one group of APIs (cluster.ts, produce.ts, fetch.ts, topics.ts, offsets.ts, groups.ts, sasl.ts);
// dispatch.ts merges them. A handler gets the decoded request body (protocol/kafka's typed codecs), calls
// the broker's typed methods, and returns the response body; the connection encodes it. Errors of one
// topic or partition are answered in that entry (error-codes.ts maps SamsaErrors to Kafka's codes); an
// exception that escapes a handler closes the connection (logged), as Kafka closes on an invalid request.
import type {KafkaApiName, RequestBody, ResponseBody, RequestHeader} from '../../protocol/kafka/index.js'
import type {Broker} from '../broker/broker.js'
import type {FetchContext} from '../broker/fetcher.js'
import type {Operation} from '../broker/operations.js'
import type {GroupCoordinator} from '../groups/coordinator.js'
import type {OffsetStore} from '../groups/offset-store.js'
import type {SaslSession} from './sasl-session.js'

// Who this broker is to Kafka clients: the one node of its cluster, at the address they can reach (Metadata
// and FindCoordinator; clients reconnect to it, not to the bootstrap address).
export interface BrokerIdentity {
  nodeId: number
  host: string
  port: number
  clusterId: string
}

export interface KafkaServices {
  broker: Broker
  offsets: OffsetStore
  groups: GroupCoordinator // the classic group protocol (groups.ts) and membership-checked commits (offsets.ts)
  identity: BrokerIdentity
  log: (line: string) => void
}

// What a handler may know about the connection it serves: what a long poll needs (closed, onClose), who
// the peer is, and a way to close the connection (how a failed acks=0 produce is reported, as in Kafka).
export interface KafkaRequestContext extends FetchContext {
  readonly peer: string // "127.0.0.1:53412", for log lines
  readonly sasl: SaslSession | null // null: this listener asks for no authentication (sasl.ts)
  abort(reason: string): void
}

// Thrown by a handler whose answer is the connection's last (a failed SASL step, as Kafka does): the
// connection writes the body's response, then closes (reason: the log line). The dispatch encodes it.
export class CloseAfterReply extends Error {
  chunks: Buffer[] = []

  constructor(
    readonly body: unknown,
    reason: string,
  ) {
    super(reason)
  }
}

export interface KafkaHandler<N extends KafkaApiName> {
  // The broker operation it runs (its traits: broker/operations.ts); null for the front end's own answers.
  // The connection derives its ordering from it (connection.ts).
  readonly operation: Operation | null
  // Answered before the daemon is ready (startup opens partitions and loads committed offsets).
  readonly early?: boolean
  // Runs with nothing else in flight on its connection, and the next request starts only once it settled
  // (SASL steps: what may run next depends on their outcome).
  readonly alone?: boolean
  // Response bytes it may produce, held against the connection's output budget while it runs.
  readonly reserve?: (body: RequestBody<N>) => number
  handle(s: KafkaServices, body: RequestBody<N>, header: RequestHeader, ctx: KafkaRequestContext): Promise<ResponseBody<N>>
}

export type KafkaHandlers = {readonly [N in KafkaApiName]?: KafkaHandler<N>}
