// createClient: the one place where a command's client is chosen. Today every client is the local
// backend (local/): the daemon of a data directory, over its Unix socket, started on first use. A Kafka
// backend (client/kafka/, speaking protocol/kafka to a cluster) plugs in here, chosen when `--brokers` /
// SAMSA_BROKERS is given; commands see only the Client interface (types.ts), so nothing above changes.
import {LocalClient} from './local/local-client.js'
import type {Client, ReconnectedInfo} from './types.js'

// The data directory, which every command names (--data-dir, $SAMSA_DATA_DIR, $XDG_DATA_HOME/samsa):
// the local daemon's home, and where `produce --follow` keeps its checkpoints whatever the backend.
export {resolveDataDir} from '../protocol/control/data-dir-layout.js'

export interface ClientOptions {
  dataDir: string // absolute (resolveDataDir)
  socket?: string // local backend: the daemon's control socket (--socket, $SAMSA_SOCKET)
  autostart?: boolean // local backend: start the daemon when none runs (default true)
  clientName?: string // how the client introduces itself (e.g. samsa-cli/0.1.0)
  // Long-running commands: after the connection is lost, a request waits this long for the daemon to come
  // back (and is then sent to it) instead of failing at once; 0 / absent: fail as any command does.
  reconnectTimeoutMs?: number
  onReconnected?: (info: ReconnectedInfo) => void // once per outage, when the daemon answers again
}

export function createClient(options: ClientOptions): Promise<Client> {
  return LocalClient.connect(options)
}
