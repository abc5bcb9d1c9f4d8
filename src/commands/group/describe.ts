// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {BaseCommand} from '../../cli/base-command.js'
import {describeMembers, requireMembership} from '../../cli/groups.js'
import {table} from '../../cli/output.js'
import {validateGroupId, type GroupDescription} from '../../client/index.js'

export default class GroupDescribe extends BaseCommand<typeof GroupDescribe> {
  static override summary = "Show a consumer group's offsets, lag, members and assignments"
  static override description =
    'Per partition of every topic the group reads or has committed: the committed offset (CURRENT-OFFSET, the ' +
    'next offset to read; - when none), the log end, the lag (what is left to read) and the member that owns it; ' +
    'then the total lag, the members with their assignments, and the state (Stable; Reconciling while ' +
    'partitions are being handed over; Empty without members).'

  static override examples = ['<%= config.bin %> <%= command.id %> alerts', '<%= config.bin %> <%= command.id %> alerts --json']

  static override args = {
    group: Args.string({description: 'group id', required: true}),
  }

  public async run(): Promise<GroupDescription> {
    validateGroupId(this.args.group)
    const client = await this.client()
    requireMembership(client)
    const g = await client.groups.describeGroup(this.args.group)
    const members = g.members.length
    const about = members === 0 ? 'no active members' : `${members} member${members === 1 ? '' : 's'}, assignor ${g.assignor}, epoch ${g.epoch}`
    this.log(`group ${g.group}: ${g.state}, ${about}`)
    if (g.partitions.length > 0) {
      const clientOf = (memberId: string, clientId: string): string => {
        const m = g.members.find((x) => x.memberId === memberId)
        return m ? `${clientId}${m.clientHost ? ` (${m.clientHost})` : ''}` : ''
      }
      this.log(
        table(
          ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER', 'CLIENT'],
          g.partitions.map((p) => [p.topic, p.partition, p.currentOffset < 0 ? '-' : p.currentOffset, p.logEndOffset, p.lag, p.memberId || '-', clientOf(p.memberId, p.clientId)]),
          {align: ['left', 'right', 'right', 'right', 'right', 'left', 'left']},
        ),
      )
    }
    this.log(`total lag: ${g.totalLag}`)
    if (members > 0) this.log(describeMembers(g))
    return g
  }
}
