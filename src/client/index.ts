// The client library's surface for commands and cli/: createClient(options) → a Client (types.ts),
// whatever the backend, and the checks commands make before connecting. Kept light on purpose: every
// command imports it at startup, so the record-batch and LZ4 code (producer.ts, consumer.ts,
// group-consumer.ts) is imported by the commands that use it, when they use it.
export {createClient, resolveDataDir, type ClientOptions, type KafkaSettings} from './create-client.js'
// the properties format of --kafka-config files and `samsa config` profiles (one reader for both)
export {parseBrokers, readProperties} from './kafka/options.js'
export {validateGroupId, validatePartitionCount} from './topic-checks.js'
export {validateTopicName, topicNameProblem} from './topic-name.js'
export type * from './types.js'
