// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {Connection, isAlive} from '../../client/index.js'
import {SamsaError} from '../../errors.js'
import {daemonPaths} from '../../protocol/control/paths.js'

export interface DaemonStopResult {
  stopped: boolean // false: none was running
  pid: number | null
  dataDir: string
}

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
    const paths = daemonPaths(this.dataDir, this.flags.socket)
    let pid: number
    try {
      const client = await this.client({autostart: false})
      pid = client.daemon.pid
      await client.admin.shutdown()
      await this.closeClient() // a daemon finishing its work should not wait on our idle connection
    } catch (err) {
      if (err instanceof SamsaError && err.code === 'DAEMON_UNAVAILABLE') {
        this.logToStderr(`samsa: no samsa daemon is running for ${paths.dataDir}`)
        return {stopped: false, pid: null, dataDir: paths.dataDir}
      }
      throw err
    }
    const deadline = Date.now() + this.flags.timeout * 1000
    while (isAlive(pid) || (await socketAnswers(paths.socket))) {
      if (Date.now() > deadline) {
        throw new SamsaError('TIMEOUT', `daemon pid ${pid} did not stop within ${this.flags.timeout} s`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    this.log(`daemon stopped (pid ${pid})`)
    return {stopped: true, pid, dataDir: paths.dataDir}
  }
}

async function socketAnswers(socket: string): Promise<boolean> {
  try {
    const c = await Connection.open(socket, {connectTimeoutMs: 500})
    c.destroy()
    return true
  } catch {
    return false
  }
}
