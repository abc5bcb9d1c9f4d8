// KafkaClient: the Kafka backend of the client API (../types.ts) — a Kafka cluster reached through its
// brokers (cluster.ts), speaking samsa's own Kafka codecs (protocol/kafka). Chosen by createClient when
// --brokers / $SAMSA_BROKERS (or a --kafka-config file) is given; commands see only the Client interface.
//
// Capabilities: 'groups' (committed offsets at the group's coordinator), 'membership' (the classic group
// protocol, range-assigned by the client) and 'idempotence' (InitProducerId: records.ts).
// Lifecycle: connect() bootstraps (the first broker of the list that answers) and learns the cluster;
// a broker connection lost later is dialled again on the next request to it; close() closes them all.
import type {Capability, Client} from '../types.js'
import {KafkaAdmin} from './admin.js'
import {KafkaCluster} from './cluster.js'
import {KafkaGroups} from './groups.js'
import {resolveEndpoint, type KafkaSettings} from './options.js'
import {KafkaRecords} from './records.js'

export const KAFKA_CLIENT_ID = 'samsa-client/0.1.0'

export class KafkaClient implements Client {
  readonly admin: KafkaAdmin
  readonly records: KafkaRecords
  readonly groups: KafkaGroups

  private constructor(private readonly cluster: KafkaCluster) {
    this.admin = new KafkaAdmin(cluster)
    this.records = new KafkaRecords(cluster, this.admin)
    this.groups = new KafkaGroups(cluster, this.admin)
  }

  static async connect(settings: KafkaSettings, clientId = KAFKA_CLIENT_ID): Promise<KafkaClient> {
    const {brokers, security} = resolveEndpoint(settings)
    return new KafkaClient(await KafkaCluster.connect({brokers, security, clientId}))
  }

  supports(capability: Capability): boolean {
    return capability === 'groups' || capability === 'membership' || capability === 'idempotence'
  }

  close(): Promise<void> {
    return this.cluster.close()
  }
}
