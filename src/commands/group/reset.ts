// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {BaseCommand} from '../../cli/base-command.js'
import {requireMembership} from '../../cli/groups.js'
import {table} from '../../cli/output.js'
import {validateGroupId} from '../../client/index.js'
import {parseDuration, parseTime} from '../../client/offset-spec.js'
import {executeReset, parseResetTarget, planReset, type ResetPlanEntry, type ResetSpec} from '../../client/offset-reset.js'
import {SamsaError} from '../../errors.js'

export interface ResetResult {
  group: string
  executed: boolean
  partitions: ResetPlanEntry[]
}

const MODES = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'by-duration', 'shift-by'] as const

export default class GroupReset extends BaseCommand<typeof GroupReset> {
  static override summary = "Move a consumer group's committed offsets (a dry run unless --execute)"
  static override description =
    'Prints the plan — per partition the committed offset now and the new one — and changes nothing unless ' +
    '--execute is given. Refused with --execute while the group has active members (they would overwrite it). ' +
    'An offset below the log start or past the log end is clamped to it, with a warning, as Kafka\'s ' +
    'kafka-consumer-groups.sh does. --to-datetime and --by-duration pick the first offset whose record is at ' +
    'least that recent (the log end when none is). --shift-by needs a committed offset to shift. A group that ' +
    'does not exist yet is created with the new offsets, so it can be positioned before its first member runs.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> alerts --topic logs --to-earliest',
    '<%= config.bin %> <%= command.id %> alerts --topic logs --to-earliest --execute',
    '<%= config.bin %> <%= command.id %> alerts --topic logs:0,2 --shift-by -100 --execute',
    '<%= config.bin %> <%= command.id %> alerts --topic logs --by-duration -1h --execute',
    '<%= config.bin %> <%= command.id %> alerts --topic logs --to-datetime 2026-11-20T09:00:00Z',
  ]

  static override args = {
    group: Args.string({description: 'group id', required: true}),
  }

  static override flags = {
    topic: Flags.string({description: 'TOPIC or TOPIC:P,P,... (repeatable)', required: true, multiple: true, multipleNonGreedy: true}),
    'to-earliest': Flags.boolean({description: 'to the log start offset'}),
    'to-latest': Flags.boolean({description: 'to the log end offset (skip everything there is)'}),
    'to-offset': Flags.integer({description: 'to this offset', min: 0}),
    'to-datetime': Flags.string({description: 'to the first record at or after this time (ISO-8601, UTC unless a zone is given, or epoch ms)'}),
    'by-duration': Flags.string({description: 'to the first record at most this old: -1h, 30m, 2d'}),
    'shift-by': Flags.string({description: 'move the committed offset by ±N'}),
    execute: Flags.boolean({description: 'apply the plan (without it: a dry run)'}),
  }

  public async run(): Promise<ResetResult> {
    const f = this.flags
    validateGroupId(this.args.group)
    const spec = resetSpec(f)
    const targets = f.topic.map(parseResetTarget)
    const client = await this.client()
    requireMembership(client)
    // warnings and notes go to stderr also with --json (oclif's logToStderr is quiet then)
    const warn = (m: string): void => void process.stderr.write(`samsa: ${m}\n`)
    const plan = await planReset(client, this.args.group, targets, spec, warn)
    if (f.execute && plan.activeMembers > 0) {
      throw new SamsaError('NON_EMPTY_GROUP', `group ${plan.group} has ${plan.activeMembers} active member(s): stop them before resetting its offsets (without --execute this prints the plan)`)
    }
    this.log(
      table(
        ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET', 'LOG-START-OFFSET', 'LOG-END-OFFSET'],
        plan.partitions.map((p) => [p.topic, p.partition, p.currentOffset < 0 ? '-' : p.currentOffset, p.newOffset, p.logStartOffset, p.logEndOffset]),
        {align: ['left', 'right', 'right', 'right', 'right', 'right']},
      ),
    )
    if (f.execute) {
      await executeReset(client.groups, plan)
      warn(`reset ${plan.partitions.length} partition(s) of group ${plan.group}`)
    } else {
      if (plan.activeMembers > 0) warn(`group ${plan.group} has ${plan.activeMembers} active member(s): --execute is refused until they stop`)
      warn('dry run: nothing changed (add --execute to apply this plan)')
    }
    return {group: plan.group, executed: Boolean(f.execute), partitions: plan.partitions}
  }
}

function resetSpec(f: {[k in (typeof MODES)[number]]?: string | number | boolean}): ResetSpec {
  const given = MODES.filter((m) => f[m] !== undefined && f[m] !== false)
  if (given.length !== 1) {
    throw new SamsaError('USAGE', `give exactly one of ${MODES.map((m) => `--${m}`).join(', ')}${given.length > 1 ? ` (got ${given.map((m) => `--${m}`).join(', ')})` : ''}`)
  }
  const now = Date.now()
  switch (given[0]!) {
    case 'to-earliest':
      return {kind: 'earliest'}
    case 'to-latest':
      return {kind: 'latest'}
    case 'to-offset':
      return {kind: 'offset', offset: f['to-offset'] as number}
    case 'to-datetime': {
      const ts = parseTime(String(f['to-datetime']))
      if (ts === undefined) throw new SamsaError('USAGE', `bad --to-datetime '${f['to-datetime']}': expected an ISO-8601 time or epoch milliseconds`)
      return {kind: 'time', timestamp: ts}
    }
    case 'by-duration': {
      const text = String(f['by-duration'])
      const ms = parseDuration(text.replace(/^[-+]/, '').toLowerCase())
      if (ms === undefined) throw new SamsaError('USAGE', `bad --by-duration '${text}': expected a duration such as -1h, 30m or 2d`)
      return {kind: 'time', timestamp: now - ms}
    }
    case 'shift-by': {
      const text = String(f['shift-by'])
      if (!/^[-+]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new SamsaError('USAGE', `bad --shift-by '${text}': expected a whole number such as -100 or +5`)
      return {kind: 'shift', by: Number(text)}
    }
  }
}
