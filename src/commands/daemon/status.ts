import {BaseCommand} from '../../cli/base-command.js'
import {listenerAddress} from '../../cli/kafka-listener-text.js'
import {humanBytes, humanDuration, keyValueTable} from '../../cli/output.js'
import {daemonStatus, type DaemonStatus as Status, type KafkaListenerStatus} from '../../client/local/daemon-control.js'

export default class DaemonStatus extends BaseCommand<typeof DaemonStatus> {
  static override summary = "Show the daemon's pid, uptime, data directory, socket, topics, workers and Kafka listener"
  static override description = 'Exits 3 with a one-line message when no daemon is running (it never starts one).'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<Status> {
    const s = await daemonStatus(this.clientOptions)
    this.log(
      keyValueTable([
        ['pid', s.pid],
        ['version', s.version],
        ['uptime', humanDuration(s.uptimeMs)],
        ['data dir', s.dataDir],
        ['socket', s.socket],
        ['topics', s.topics],
        ['partitions', s.partitions],
        ['size', humanBytes(s.sizeInBytes)],
        ['workers', s.workers.map((w) => `#${w.index}: ${w.partitions} partition${w.partitions === 1 ? '' : 's'}`).join(', ')],
        ['kafka listener', kafkaListener(s.kafka)],
      ]),
    )
    return s
  }
}

// Where Kafka clients connect, or why they cannot (a daemon of an earlier version reports nothing).
function kafkaListener(k: KafkaListenerStatus | undefined): string {
  if (!k || k.listener === null) return k?.problem ? `none: ${k.problem}` : 'off'
  return listenerAddress(k)
}
