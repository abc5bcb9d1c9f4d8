// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {startDaemon, type DaemonStartResult} from '../../client/local/daemon-control.js'

export default class DaemonStart extends BaseCommand<typeof DaemonStart> {
  static override summary = 'Start the daemon for a data directory'
  static override description =
    'Detaches by default (output goes to <data-dir>/daemon.log) and returns once the daemon answers. ' +
    'With --foreground this process is the daemon (the pid `daemon status` shows), logging to stderr, for ' +
    'systemd (see examples/samsa.service) and other supervisors; SIGTERM or SIGINT stops it gracefully, a ' +
    'second signal at once. Exit 3: another daemon holds the data directory. Other commands start the ' +
    'daemon on first use anyway, unless --no-autostart.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --workers 4 --data-dir /var/lib/samsa',
    '<%= config.bin %> <%= command.id %> --foreground',
  ]

  static override flags = {
    foreground: Flags.boolean({description: 'be the daemon: stay attached and log to stderr (for systemd and other supervisors)'}),
    workers: Flags.integer({description: 'worker threads owning partitions (default: number of cores)', min: 1, max: 256}),
  }

  public async run(): Promise<DaemonStartResult | undefined> {
    if (this.flags.foreground) {
      // The engine in this process: the data-dir lock decides (exit 3 naming the holder), as for every start.
      // Loaded only here, so that the other commands and --help never load engine code.
      const {runDaemonProcess} = await import('../../engine/daemon-process.js')
      this.exit(await runDaemonProcess({dataDir: this.dataDir, workers: this.flags.workers, socket: this.flags.socket}))
    }
    const result = await startDaemon({...this.clientOptions, workers: this.flags.workers})
    const {pid, socket} = result
    this.log(result.started ? `daemon started (pid ${pid}) on ${socket}` : `daemon already running (pid ${pid}) on ${socket}`)
    return result
  }
}
