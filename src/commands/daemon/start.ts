// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {runForeground} from '../../cli/foreground.js'
import {daemonArgs, type DaemonStartInfo} from '../../client/index.js'
import {SamsaError} from '../../errors.js'
import {daemonPaths} from '../../protocol/control/paths.js'

export interface DaemonStartResult {
  started: boolean // false: one was already running
  pid: number
  dataDir: string
  socket: string
  logFile: string
}

export default class DaemonStart extends BaseCommand<typeof DaemonStart> {
  static override summary = 'Start the daemon for a data directory'
  static override description =
    'Detaches by default (output goes to <data-dir>/daemon.log) and returns once the daemon answers. ' +
    'With --foreground it stays attached and logs to stderr, for systemd (see examples/samsa.service); ' +
    'SIGTERM or SIGINT stops it gracefully, a second signal at once. Other commands start the daemon on ' +
    'first use anyway, unless --no-autostart.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --workers 4 --data-dir /var/lib/samsa',
    '<%= config.bin %> <%= command.id %> --foreground',
  ]

  static override flags = {
    foreground: Flags.boolean({description: 'stay attached and log to stderr (for systemd)'}),
    workers: Flags.integer({description: 'worker threads owning partitions (default: number of cores)', min: 1}),
  }

  public async run(): Promise<DaemonStartResult | undefined> {
    const paths = daemonPaths(this.dataDir, this.flags.socket)
    if (this.flags.foreground) {
      const running = await this.runningPid()
      if (running !== null) {
        throw new SamsaError('DAEMON_RUNNING', `data directory ${paths.dataDir} is in use by daemon pid ${running}`)
      }
      const code = await runForeground(daemonArgs(paths, {socketOverride: this.flags.socket, workers: this.flags.workers}))
      if (code !== 0) this.exit(code)
      return undefined
    }
    let started: DaemonStartInfo | null = null
    const client = await this.client({
      autostart: true,
      workers: this.flags.workers,
      onDaemonStarted: (info) => {
        started = info
      },
    })
    const pid = client.daemon.pid
    const result: DaemonStartResult = {started: started !== null, pid, dataDir: paths.dataDir, socket: paths.socket, logFile: paths.logFile}
    this.log(result.started ? `daemon started (pid ${pid}) on ${paths.socket}` : `daemon already running (pid ${pid}) on ${paths.socket}`)
    return result
  }

  private async runningPid(): Promise<number | null> {
    try {
      return (await this.client({autostart: false})).daemon.pid
    } catch (err) {
      if (err instanceof SamsaError && err.code === 'DAEMON_UNAVAILABLE') return null
      throw err
    }
  }
}
