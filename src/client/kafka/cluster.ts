// KafkaCluster: where each request of the Kafka backend goes. Bootstrap from the broker list (the first
// that answers; --brokers may name any subset of the cluster), then Metadata tells the brokers (node id →
// advertised host:port), the controller, and each partition's leader. One KafkaConnection per broker,
// dialled on first use and again after a loss.
//
// Routing: produce and fetch go to the partition's leader; CreateTopics and DeleteTopics to the
// controller; group requests to the group's coordinator (FindCoordinator); everything else to any broker.
// A "leader moved" or "coordinator moved" answer drops what is cached (invalidate*), and the caller asks
// again after a fresh lookup.
import {SamsaError} from '../../errors.js'
import type {RequestOf, ResponseOf} from '../../protocol/kafka/api.js'
import {FindCoordinator} from '../../protocol/kafka/apis/find-coordinator.js'
import {Metadata} from '../../protocol/kafka/apis/metadata.js'
import {COORDINATOR_MOVED, kafkaFailure} from './errors.js'
import {addressName, KafkaConnection, type BrokerAddress, type Security} from './connection.js'

export type MetadataTopic = ResponseOf<typeof Metadata>['topics'][number]

export interface ClusterOptions {
  brokers: BrokerAddress[]
  security: Security
  clientId: string
}

export class KafkaCluster {
  private readonly nodes = new Map<number, BrokerAddress>()
  private readonly connections = new Map<number, Promise<KafkaConnection>>()
  private readonly leaders = new Map<string, number>() // topic\0partition → node id
  private readonly coordinators = new Map<string, Promise<number>>() // group → node id
  private bootstrapConnection: KafkaConnection | null = null
  private controllerId = -1
  private closed = false

  private constructor(private readonly options: ClusterOptions) {}

  /** Connects to the first broker of the list that answers, and learns the cluster from it. */
  static async connect(options: ClusterOptions): Promise<KafkaCluster> {
    if (options.brokers.length === 0) throw new SamsaError('USAGE', '--brokers names no broker')
    const cluster = new KafkaCluster(options)
    const failures: string[] = []
    for (const address of options.brokers) {
      try {
        cluster.bootstrapConnection = await KafkaConnection.open(address, options.security, options.clientId)
        break
      } catch (err) {
        if (err instanceof SamsaError && !err.retriable) throw err // e.g. SASL refused: another broker will refuse too
        failures.push((err as Error).message)
      }
    }
    if (!cluster.bootstrapConnection) {
      const list = options.brokers.map(addressName).join(', ')
      throw new SamsaError('DAEMON_UNAVAILABLE', failures.length === 1 ? failures[0]! : `no Kafka broker of ${list} answered (${failures.join('; ')})`)
    }
    await cluster.metadata([])
    return cluster
  }

  /** Metadata for these topics (null: every topic); remembers brokers, controller and leaders. */
  async metadata(topics: string[] | null): Promise<MetadataTopic[]> {
    const c = await this.any()
    const answer = await c.request(Metadata, {topics: topics === null ? null : topics.map((name) => ({name})), allowAutoTopicCreation: false})
    for (const b of answer.brokers) this.nodes.set(b.nodeId, {host: b.host, port: b.port})
    this.controllerId = answer.controllerId
    for (const t of answer.topics) {
      for (const p of t.partitions) if (p.leaderId >= 0) this.leaders.set(key(t.name, p.partitionIndex), p.leaderId)
    }
    return answer.topics
  }

  /** The connection to the leader of topic-partition (looked up when not known); null when it has none. */
  async leader(topic: string, partition: number): Promise<{node: number; connection: KafkaConnection} | null> {
    let node = this.leaders.get(key(topic, partition))
    if (node === undefined) {
      await this.metadata([topic])
      node = this.leaders.get(key(topic, partition))
      if (node === undefined) return null
    }
    return {node, connection: await this.connection(node)}
  }

  invalidateLeader(topic: string, partition: number): void {
    this.leaders.delete(key(topic, partition))
  }

  async controller(): Promise<KafkaConnection> {
    return this.controllerId >= 0 && this.nodes.has(this.controllerId) ? this.connection(this.controllerId) : this.any()
  }

  /** A request to group's coordinator; retried once after a fresh lookup when the coordinator moved. */
  async toCoordinator<T extends {errorCode: number}>(group: string, send: (c: KafkaConnection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.connection(await this.coordinator(group))
      const answer = await send(c)
      if (!COORDINATOR_MOVED.has(answer.errorCode) || attempt >= 4) return answer
      this.coordinators.delete(group)
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)))
    }
  }

  /** Any connection to group's coordinator, for requests whose errors sit per partition. */
  async coordinatorConnection(group: string): Promise<KafkaConnection> {
    return this.connection(await this.coordinator(group))
  }

  invalidateCoordinator(group: string): void {
    this.coordinators.delete(group)
  }

  /** The brokers Metadata listed, by node id. */
  get brokers(): ReadonlyMap<number, BrokerAddress> {
    return this.nodes
  }

  async connection(node: number): Promise<KafkaConnection> {
    if (this.closed) throw new SamsaError('INTERNAL', 'the Kafka client is closed')
    const existing = this.connections.get(node)
    if (existing) {
      const c = await existing.catch(() => null)
      if (c?.isOpen) return c
      if (this.connections.get(node) !== existing) return this.connection(node)
    }
    const address = this.nodes.get(node)
    if (!address) throw new SamsaError('DAEMON_UNAVAILABLE', `Kafka broker ${node} is not in the cluster's metadata`)
    const opening = KafkaConnection.open(address, this.options.security, this.options.clientId)
    this.connections.set(node, opening)
    opening.catch(() => {
      if (this.connections.get(node) === opening) this.connections.delete(node)
    })
    return opening
  }

  /** Any broker: the bootstrap connection while it lives, else any known broker. */
  async any(): Promise<KafkaConnection> {
    if (this.bootstrapConnection?.isOpen) return this.bootstrapConnection
    let last: unknown = null
    for (const node of this.nodes.keys()) {
      try {
        return await this.connection(node)
      } catch (err) {
        last = err
      }
    }
    for (const address of this.options.brokers) {
      try {
        this.bootstrapConnection = await KafkaConnection.open(address, this.options.security, this.options.clientId)
        return this.bootstrapConnection
      } catch (err) {
        last = err
      }
    }
    throw last instanceof Error ? last : new SamsaError('DAEMON_UNAVAILABLE', 'no Kafka broker answered')
  }

  async close(): Promise<void> {
    this.closed = true
    this.bootstrapConnection?.close()
    for (const p of this.connections.values()) (await p.catch(() => null))?.close()
    this.connections.clear()
  }

  private coordinator(group: string): Promise<number> {
    let found = this.coordinators.get(group)
    if (!found) {
      found = this.findCoordinator(group)
      this.coordinators.set(group, found)
      found.catch(() => this.coordinators.delete(group))
    }
    return found
  }

  private async findCoordinator(group: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const c = await this.any()
      const body: RequestOf<typeof FindCoordinator> = {key: group, keyType: 0}
      const answer = await c.request(FindCoordinator, body)
      if (answer.errorCode === 0) {
        this.nodes.set(answer.nodeId, {host: answer.host, port: answer.port})
        return answer.nodeId
      }
      if (!COORDINATOR_MOVED.has(answer.errorCode) || attempt >= 4) throw kafkaFailure(answer.errorCode, `finding the coordinator of group ${group}`, answer.errorMessage)
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)))
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\0${partition}`
}
