// The daemon's entry: `node dist/engine/main.js --data-dir D [--workers N] [--socket S] [--kafka-listener
// HOST:PORT | --no-kafka-listener] [--kafka-advertised-listener HOST:PORT] [--kafka-sasl-users FILE|off]`. The client library spawns this
// file detached (stdout/stderr → <data>/daemon.log) for auto-start and `samsa daemon start`. Without a
// Kafka flag the listener comes from $SAMSA_KAFKA_LISTENER, <data>/daemon.json, else 127.0.0.1:9092
// (protocol/control/daemon-config.ts). Main thread.
//
// Logs one line per event to stderr, each prefixed with an ISO timestamp. SIGTERM or SIGINT stops
// gracefully; a second signal exits at once (130; the logs then recover on the next start).
// Exit codes: 0 clean stop; 2 bad arguments; 3 the data directory is locked by another daemon
// (stderr: "samsa: data directory D is in use by daemon pid N"); 7 storage or startup failure; 1 anything
// else (an internal error after startup). daemon-process.ts does the running; this file parses arguments.
import {parseArgs} from 'node:util'
import {isSamsaError} from '../errors.js'
import {resolveDataDir} from '../protocol/control/data-dir-layout.js'
import type {KafkaListenerFlags} from '../protocol/control/daemon-config.js'
import {runDaemonProcess} from './daemon-process.js'

const USAGE =
  'usage: node dist/engine/main.js [--data-dir DIR] [--workers N] [--socket PATH] [--kafka-listener HOST:PORT | --no-kafka-listener] [--kafka-advertised-listener HOST:PORT] [--kafka-sasl-users FILE|off]'

function fail(message: string, code: number): never {
  process.stderr.write(`samsa: ${message}\n`)
  process.exit(code)
}

function parse(): {dataDir: string; workers?: number; socket?: string; kafkaFlags: KafkaListenerFlags} {
  let values
  try {
    ;({values} = parseArgs({
      options: {
        'data-dir': {type: 'string'},
        workers: {type: 'string'},
        socket: {type: 'string'},
        'kafka-listener': {type: 'string'},
        'no-kafka-listener': {type: 'boolean'},
        'kafka-advertised-listener': {type: 'string'},
        'kafka-sasl-users': {type: 'string'},
        help: {type: 'boolean', short: 'h'},
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  let workers: number | undefined
  if (values.workers !== undefined) {
    workers = Number(values.workers)
    if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 256) fail(`--workers must be an integer from 1 to 256, got ${values.workers}`, 2)
  }
  if (values['no-kafka-listener'] && values['kafka-listener'] !== undefined) fail(`--kafka-listener and --no-kafka-listener contradict each other\n${USAGE}`, 2)
  const kafkaFlags: KafkaListenerFlags = {listener: values['no-kafka-listener'] ? 'off' : values['kafka-listener'], advertised: values['kafka-advertised-listener'], saslUsers: values['kafka-sasl-users']}
  return {dataDir: resolveDataDir(values['data-dir']), workers, socket: values.socket, kafkaFlags}
}

async function main(): Promise<void> {
  const args = parse()
  try {
    process.exit(await runDaemonProcess(args))
  } catch (err) {
    if (isSamsaError(err)) fail(err.message, err.exitCode)
    fail(`daemon startup failed: ${(err as Error).message}`, 7)
  }
}

void main()
