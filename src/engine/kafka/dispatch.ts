// The Kafka front end's dispatch, on the main thread: one decoded request in, its encoded response out.
// The handler tables of this folder's modules, merged: each API samsa speaks has exactly one handler
// (checked at startup), and adding a group of APIs (the group coordinator's) is adding or replacing one
// module's table.
//
// Until the daemon is ready (partitions open, committed offsets loaded) every request but ApiVersions
// waits (the listener binds only once the daemon is ready, so that is rare). What an API's operation is
// decides how the connection may overlap it with others (connection.ts): produces with produces, reads
// with reads, and barriers (topic changes, commits: broker/operations.ts) alone.
import {encodeResponse, encodeUnsupportedApiVersions, KAFKA_APIS, type KafkaApiName, type KafkaRequest, type UnsupportedRequest} from '../../protocol/kafka/index.js'
import {OPERATIONS} from '../broker/operations.js'
import {ADVERTISED_APIS, CLUSTER_HANDLERS} from './cluster.js'
import {DELETE_RECORDS_HANDLERS} from './delete-records.js'
import {FETCH_HANDLERS} from './fetch.js'
import {GROUP_HANDLERS} from './groups.js'
import {CloseAfterReply, type KafkaHandler, type KafkaHandlers, type KafkaRequestContext, type KafkaServices} from './handler.js'
import {OFFSET_HANDLERS} from './offsets.js'
import {PRODUCE_HANDLERS} from './produce.js'
import {SASL_HANDLERS} from './sasl.js'
import {TOPIC_HANDLERS} from './topics.js'

// How a request may overlap others on its connection (connection.ts).
export type Ordering = 'produce' | 'read' | 'barrier'

const TABLES: KafkaHandlers[] = [CLUSTER_HANDLERS, PRODUCE_HANDLERS, FETCH_HANDLERS, TOPIC_HANDLERS, DELETE_RECORDS_HANDLERS, OFFSET_HANDLERS, GROUP_HANDLERS, SASL_HANDLERS]

function mergeTables(): ReadonlyMap<KafkaApiName, KafkaHandler<KafkaApiName>> {
  const all = new Map<KafkaApiName, KafkaHandler<KafkaApiName>>()
  for (const table of TABLES) {
    for (const [name, handler] of Object.entries(table) as [KafkaApiName, KafkaHandler<KafkaApiName>][]) {
      if (all.has(name)) throw new Error(`two handlers for Kafka API ${name}`)
      all.set(name, handler)
    }
  }
  // every advertised API must be answered, or a client would be told of an API that closes its connection
  for (const {apiKey} of ADVERTISED_APIS) {
    const name = Object.values(KAFKA_APIS).find((a) => a.key === apiKey)!.name
    if (!all.has(name)) throw new Error(`Kafka API ${name} is advertised but has no handler`)
  }
  return all
}

const HANDLERS = mergeTables()

export class KafkaDispatch {
  private started = false

  constructor(
    private readonly services: KafkaServices,
    private readonly ready: Promise<void>,
  ) {
    ready.then(
      () => (this.started = true),
      () => {},
    )
  }

  // false: a request of an API samsa decodes but does not answer (none today): close, as for an unknown key.
  supports(request: KafkaRequest): boolean {
    return HANDLERS.has(request.api)
  }

  ordering(request: KafkaRequest): Ordering {
    const handler = HANDLERS.get(request.api)
    if (handler?.alone) return 'barrier'
    const operation = handler?.operation
    if (operation === 'produce') return 'produce'
    return operation && OPERATIONS[operation].barrier ? 'barrier' : 'read'
  }

  // Response bytes the request may produce, held against the connection's output budget while it runs.
  reserveBytes(request: KafkaRequest): number {
    return HANDLERS.get(request.api)?.reserve?.(request.body as never) ?? 0
  }

  // ApiVersions above our version: the v0-format UNSUPPORTED_VERSION answer with what we advertise. Any
  // other unsupported request: null (close the connection).
  unsupportedReply(request: UnsupportedRequest): Buffer[] | null {
    return request.reply ? encodeUnsupportedApiVersions(request.header.correlationId, ADVERTISED_APIS) : null
  }

  // The encoded response, or null when the request gets none (acks=0). Rejects when the connection must
  // close (the reason is the rejection's message) — with a CloseAfterReply carrying the encoded last
  // answer when there is one.
  async handle(request: KafkaRequest, ctx: KafkaRequestContext): Promise<Buffer[]> {
    const handler = HANDLERS.get(request.api)!
    if (!this.started && !handler.early) await this.ready
    let body
    try {
      body = await handler.handle(this.services, request.body as never, request.header, ctx)
    } catch (err) {
      if (err instanceof CloseAfterReply) err.chunks = encodeResponse(request, err.body as never)
      throw err
    }
    return encodeResponse(request, body as never)
  }
}
