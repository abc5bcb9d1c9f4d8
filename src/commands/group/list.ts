import {BaseCommand} from '../../cli/base-command.js'
import {table} from '../../cli/output.js'
import type {GroupListing} from '../../client/index.js'
import {requireMembership} from '../../cli/groups.js'

export default class GroupList extends BaseCommand<typeof GroupList> {
  static override summary = 'List consumer groups'
  static override description =
    'Every group with members or committed offsets: its type (consumer: samsa members; classic: Kafka clients; ' +
    'empty: committed offsets only), state and member count.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{groups: GroupListing[]}> {
    const client = await this.client()
    requireMembership(client)
    const groups = await client.groups.listGroups()
    if (groups.length === 0) {
      this.logToStderr('samsa: no consumer groups (a group appears when a member joins: samsa consume TOPIC --group NAME)')
    } else {
      this.log(
        table(
          ['GROUP', 'TYPE', 'STATE', 'MEMBERS'],
          groups.map((g) => [g.group, g.type === '' ? '-' : g.type, g.state, g.members]),
          {align: ['left', 'left', 'left', 'right']},
        ),
      )
    }
    return {groups}
  }
}
