// createClient: the one place where a command's client is chosen. The local backend (local/) is the daemon
// of a data directory, over its Unix socket, started on first use; the Kafka backend (kafka/) is a Kafka
// cluster, chosen when `--brokers` / $SAMSA_BROKERS (or a --kafka-config file) is given. Commands see only
// the Client interface (types.ts), so nothing above knows which one answers.
import {wantsKafka, type KafkaSettings} from './kafka/options.js'
import {LocalClient} from './local/local-client.js'
import type {Client, ReconnectedInfo} from './types.js'

// The data directory, which every command names (--data-dir, $SAMSA_DATA_DIR, $XDG_DATA_HOME/samsa):
// the local daemon's home, and where `produce --follow` keeps its checkpoints whatever the backend.
export {resolveDataDir} from '../protocol/control/data-dir-layout.js'
export type {KafkaSettings} from './kafka/options.js'

export interface ClientOptions {
  dataDir: string // absolute (resolveDataDir)
  socket?: string // local backend: the daemon's control socket (--socket, $SAMSA_SOCKET)
  autostart?: boolean // local backend: start the daemon when none runs (default true)
  clientName?: string // how the client introduces itself (e.g. samsa-cli/0.1.0)
  // Long-running commands: after the connection is lost, a request waits this long for the daemon to come
  // back (and is then sent to it) instead of failing at once; 0 / absent: fail as any command does.
  reconnectTimeoutMs?: number
  onReconnected?: (info: ReconnectedInfo) => void // once per outage, when the daemon answers again
  cluster?: KafkaSettings // a broker list (or config file) here: the Kafka backend
}

export async function createClient(options: ClientOptions): Promise<Client> {
  const {cluster, ...local} = options
  if (cluster && wantsKafka(cluster)) {
    // loaded only for --brokers: its codecs are ~35 modules, a third of a local command's start-up CPU
    const {KafkaClient} = await import('./kafka/kafka-client.js')
    return KafkaClient.connect(cluster, options.clientName)
  }
  return LocalClient.connect(local)
}
