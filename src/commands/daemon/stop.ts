// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {stopDaemon, type DaemonStopResult} from '../../client/local/daemon-control.js'

export default class DaemonStop extends BaseCommand<typeof DaemonStop> {
  static override summary = 'Stop the daemon gracefully'
  static override description =
    'Asks the daemon to finish in-flight work, flush, write its checkpoints and clean-shutdown marker, and ' +
    'waits until its process has exited. Like `systemctl stop`, stopping a daemon that is not running ' +
    'succeeds (exit 0) and says so on stderr.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --timeout 60']

  static override flags = {
    timeout: Flags.integer({description: 'seconds to wait for the daemon to exit', default: 30, min: 1}),
  }

  public async run(): Promise<DaemonStopResult> {
    const result = await stopDaemon(this.clientOptions, this.flags.timeout * 1000)
    if (result.stopped) this.log(`daemon stopped (pid ${result.pid})`)
    else this.logToStderr(`samsa: no samsa daemon is running for ${result.dataDir}`)
    return result
  }
}
