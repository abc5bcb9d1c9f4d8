// The client library's public surface: `connect({dataDir})` → SamsaClient with `.admin` and `.records`.
export {connect, SamsaClient, announceStart, type ConnectOptions} from './client.js'
export {Admin, validatePartitionCount} from './admin.js'
export {RawApi, slicePartitions} from './raw-api.js'
export {Connection, isRetriableConnectError, isNoDaemonError, type BackoffOptions, type Response} from './connection.js'
export {
  connectOrStart,
  startAndConnect,
  daemonEntryPath,
  daemonArgs,
  isAlive,
  noDaemonError,
  type DaemonStartInfo,
} from './autostart.js'
export {validateTopicName, topicNameProblem} from './topic-name.js'
export type * from './types.js'
