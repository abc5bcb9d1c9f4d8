// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../cli/base-command.js'
import {parseDurationFlag} from '../cli/durations.js'
import {requireMembership} from '../cli/groups.js'
import {validateGroupId, type GroupDescription} from '../client/index.js'
import {SamsaError, isSamsaError} from '../errors.js'

const POLL_MS = 100

export interface WaitResult {
  group: string
  caughtUp: true
  waitedMs: number
}

export default class Wait extends BaseCommand<typeof Wait> {
  static override summary = 'Wait until a consumer group has caught up'
  static override description =
    'Blocks until the group\'s committed offsets reach the log end of every partition it reads (total lag 0, ' +
    'as `group describe` shows it) and exits 0; exits 1 when --timeout passes first (4 when the group does not ' +
    'exist by then). For scripts and tests that need "everything produced so far was processed". Members ' +
    'commit every --commit-interval (1s by default), so the wait lasts at least until their next commit.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --group loader --caught-up',
    '<%= config.bin %> <%= command.id %> --group loader --caught-up --timeout 5m',
  ]

  static override flags = {
    group: Flags.string({char: 'g', description: 'the consumer group', required: true}),
    'caught-up': Flags.boolean({description: 'wait until the group\'s lag is 0', required: true}),
    timeout: Flags.string({description: 'give up after this long (0: never)', default: '30s'}),
  }

  public async run(): Promise<WaitResult> {
    const f = this.flags
    validateGroupId(f.group)
    const timeoutMs = parseDurationFlag(f.timeout, '--timeout')
    const client = await this.client()
    requireMembership(client)
    const started = Date.now()
    let last: GroupDescription | SamsaError | null = null
    for (;;) {
      try {
        last = await client.groups.describeGroup(f.group)
        if (last.totalLag === 0) return {group: f.group, caughtUp: true, waitedMs: Date.now() - started}
      } catch (err) {
        if (!isSamsaError(err) || err.code !== 'GROUP_ID_NOT_FOUND') throw err
        last = err // not there yet: its first member may still be starting
      }
      if (timeoutMs > 0 && Date.now() - started >= timeoutMs) break
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    if (last instanceof SamsaError) throw new SamsaError('GROUP_ID_NOT_FOUND', `${last.message}, after waiting ${f.timeout}`)
    const behind = last!.partitions.filter((p) => p.lag > 0)
    const detail = behind.slice(0, 5).map((p) => `${p.topic}-${p.partition}: ${p.lag}`).join(', ') + (behind.length > 5 ? ', …' : '')
    throw new SamsaError('TIMEOUT', `group ${f.group} did not catch up within ${f.timeout}: lag ${last!.totalLag} (${detail})`)
  }
}
