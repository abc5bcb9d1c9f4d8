// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {listenerAddress} from '../../cli/kafka-listener-text.js'
import {checkKafkaListenerFlags, startDaemon, type DaemonStartResult, type KafkaListenerFlags, type KafkaListenerStatus} from '../../client/local/daemon-control.js'

export default class DaemonStart extends BaseCommand<typeof DaemonStart> {
  static override summary = 'Start the daemon for a data directory'
  static override description =
    'Detaches by default (output goes to <data-dir>/daemon.log) and returns once the daemon answers. ' +
    'With --foreground this process is the daemon (the pid `daemon status` shows), logging to stderr, for ' +
    'systemd (see examples/samsa.service) and other supervisors; SIGTERM or SIGINT stops it gracefully, a ' +
    'second signal at once. Exit 3: another daemon holds the data directory. Other commands start the ' +
    'daemon on first use anyway, unless --no-autostart.\n\n' +
    'The daemon also speaks Kafka: kcat, kafkajs and librdkafka applications use it as their broker at ' +
    '127.0.0.1:9092 unless --kafka-listener says elsewhere (port 0: any free port) or --no-kafka-listener. ' +
    'Without the flags, $SAMSA_KAFKA_LISTENER (HOST:PORT or off), then "kafkaListener" in ' +
    '<data-dir>/daemon.json decide. When the address is taken the daemon runs without the listener and says so.\n\n' +
    'With --kafka-sasl-users FILE (or $SAMSA_KAFKA_SASL_USERS, or "kafkaSaslUsers" in daemon.json) every Kafka ' +
    'client must authenticate with SASL PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 as a user of that JSON file: ' +
    '{"users": {"alice": {"password": "…"}}}, or Kafka\'s salted "SCRAM-SHA-512": "salt=…,stored_key=…,server_key=…,iterations=4096".'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --workers 4 --data-dir /var/lib/samsa',
    '<%= config.bin %> <%= command.id %> --foreground',
    '<%= config.bin %> <%= command.id %> --kafka-listener 0.0.0.0:9092 --kafka-advertised-listener myhost:9092',
    '<%= config.bin %> <%= command.id %> --no-kafka-listener',
  ]

  static override flags = {
    foreground: Flags.boolean({description: 'be the daemon: stay attached and log to stderr (for systemd and other supervisors)'}),
    workers: Flags.integer({description: 'worker threads owning partitions (default: cores − 1, at least 1)', min: 1, max: 256}),
    'kafka-listener': Flags.string({
      description: 'HOST:PORT to speak the Kafka protocol on (default 127.0.0.1:9092; [::1]:9092, :9092 for every interface, port 0 for any free one)',
      exclusive: ['no-kafka-listener'],
    }),
    'no-kafka-listener': Flags.boolean({description: 'do not speak the Kafka protocol'}),
    'kafka-advertised-listener': Flags.string({description: 'HOST:PORT Kafka clients are told to connect to (default: the listener\'s; a wildcard host becomes this host name)'}),
    'kafka-sasl-users': Flags.string({description: 'JSON file of the users Kafka clients must authenticate as (SASL PLAIN/SCRAM); off: none'}),
  }

  public async run(): Promise<DaemonStartResult | undefined> {
    const kafka: KafkaListenerFlags = {
      listener: this.flags['no-kafka-listener'] ? 'off' : this.flags['kafka-listener'],
      advertised: this.flags['kafka-advertised-listener'],
      saslUsers: this.flags['kafka-sasl-users'],
    }
    checkKafkaListenerFlags(kafka)
    if (this.flags.foreground) {
      // The engine in this process: the data-dir lock decides (exit 3 naming the holder), as for every start.
      // Loaded only here, so that the other commands and --help never load engine code.
      const {runDaemonProcess} = await import('../../engine/daemon-process.js')
      this.exit(await runDaemonProcess({dataDir: this.dataDir, workers: this.flags.workers, socket: this.flags.socket, kafkaFlags: kafka}))
    }
    const result = await startDaemon({...this.clientOptions, workers: this.flags.workers, kafka})
    const {pid, socket} = result
    this.log(`${result.started ? `daemon started (pid ${pid})` : `daemon already running (pid ${pid})`} on ${socket}`)
    this.log(kafkaLine(result.kafka))
    if (result.kafka.problem) this.logToStderr(`samsa: warning: ${result.kafka.problem}; the daemon runs without the Kafka listener`)
    return result
  }
}

function kafkaLine(k: KafkaListenerStatus): string {
  if (k.listener === null) return k.problem ? 'no Kafka listener' : 'Kafka listener off'
  return `Kafka listener on ${listenerAddress(k)}`
}
