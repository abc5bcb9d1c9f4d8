// The Kafka listener (main thread): a TCP server speaking Kafka's wire protocol, each connection a
// KafkaConnection over one KafkaDispatch, all of them sharing the daemon's PendingFrameBudget with the
// control socket. Started by lifecycle/daemon.ts once the daemon is ready.
//
// Identity: this broker is node 1 of a one-node cluster whose id is derived from the data directory (the
// same id for the same directory across restarts, as a Kafka cluster keeps its id). Clients connect to the
// address Metadata advertises, not to the one they bootstrapped from: it is the listener's host and the
// port actually bound (so port 0 works), a wildcard host (":9092", "0.0.0.0", "::") advertised as this
// machine's host name, unless an advertised address is configured (protocol/control/daemon-config.ts).
// With users configured (sasl-users.ts), every connection must authenticate with SASL first (sasl.ts).
import {createHash} from 'node:crypto'
import {createServer, type Server} from 'node:net'
import {hostname} from 'node:os'
import {SamsaError} from '../../errors.js'
import {formatHostPort, isWildcardHost, type HostPort} from '../../protocol/control/daemon-config.js'
import type {Broker} from '../broker/broker.js'
import type {GroupCoordinator} from '../groups/coordinator.js'
import type {OffsetStore} from '../groups/offset-store.js'
import {ConnectionSet} from '../transport/connection-set.js'
import type {PendingFrameBudget} from '../transport/pending-frame-budget.js'
import {KafkaConnection, type KafkaConnectionLimits} from './connection.js'
import {KafkaDispatch} from './dispatch.js'
import type {BrokerIdentity} from './handler.js'
import {SaslSession} from './sasl-session.js'
import type {SaslUsers} from './sasl-users.js'

export const MAX_KAFKA_CONNECTIONS = 1024
export const NODE_ID = 1

export interface KafkaListenOptions {
  listen: HostPort
  advertised: HostPort | null // null: derived (see the header)
  sasl?: SaslUsers | null // set: every connection must authenticate as one of these users (sasl.ts)
  dataDir: string
  broker: Broker
  offsets: OffsetStore
  groups: GroupCoordinator
  ready: Promise<void>
  limits: KafkaConnectionLimits
  frameBudget: PendingFrameBudget
  log: (line: string) => void
}

// Kafka's cluster ids are 16 random bytes in URL-safe base64 (22 characters); ours are the data directory's.
export function clusterIdOf(dataDir: string): string {
  return createHash('sha256').update(`samsa:${dataDir}`).digest().subarray(0, 16).toString('base64url')
}

function listenOn(server: Server, {host, port}: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({host: host === '' ? undefined : host, port, exclusive: true}, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

export class KafkaListener {
  private readonly connections = new ConnectionSet()

  private constructor(
    private readonly server: Server,
    readonly address: HostPort, // where it listens (the port actually bound)
    readonly advertised: HostPort,
  ) {}

  // Throws a SamsaError naming the address when it cannot listen (in use, not this machine's, privileged).
  static async listen(options: KafkaListenOptions): Promise<KafkaListener> {
    const server = createServer({allowHalfOpen: true, pauseOnConnect: false})
    server.maxConnections = MAX_KAFKA_CONNECTIONS
    try {
      await listenOn(server, options.listen)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : e.message
      throw new SamsaError('USAGE', `cannot listen for Kafka clients on ${formatHostPort(options.listen)}: ${why}`, {cause: err})
    }
    const bound = server.address()
    const port = typeof bound === 'object' && bound !== null ? bound.port : options.listen.port
    const address = {host: options.listen.host, port}
    const advertised = {
      host: options.advertised?.host || (isWildcardHost(address.host) ? hostname() : address.host),
      port: options.advertised && options.advertised.port !== 0 ? options.advertised.port : port,
    }
    const identity: BrokerIdentity = {nodeId: NODE_ID, host: advertised.host, port: advertised.port, clusterId: clusterIdOf(options.dataDir)}
    const dispatch = new KafkaDispatch({broker: options.broker, offsets: options.offsets, groups: options.groups, identity, log: options.log}, options.ready)
    const listener = new KafkaListener(server, address, advertised)
    server.on('connection', (socket) => {
      const sasl = options.sasl ? new SaslSession(options.sasl) : null
      listener.connections.add(socket, new KafkaConnection(socket, dispatch, options.limits, options.log, options.frameBudget, sasl))
    })
    server.on('error', (err) => options.log(`Kafka listener error: ${err.message}`))
    return listener
  }

  get connectionCount(): number {
    return this.connections.size
  }

  // Graceful, as the control listener (transport/connection-set.ts): stop accepting and reading, let
  // running requests answer (up to graceMs), then close every connection.
  close(graceMs: number, beforeWait?: () => void): Promise<void> {
    return this.connections.stop(this.server, graceMs, beforeWait)
  }
}
