// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {BaseCommand} from '../../cli/base-command.js'
import {requireMembership} from '../../cli/groups.js'
import {validateGroupId} from '../../client/index.js'

export default class GroupDelete extends BaseCommand<typeof GroupDelete> {
  static override summary = "Delete a consumer group: forget its committed offsets"
  static override description =
    'Writes a tombstone for each of its committed offsets in __consumer_offsets. Refused while the group has ' +
    'active members (stop them first; a static member that left counts until its session times out).'

  static override examples = ['<%= config.bin %> <%= command.id %> alerts']

  static override args = {
    group: Args.string({description: 'group id', required: true}),
  }

  public async run(): Promise<{group: string; deleted: boolean}> {
    validateGroupId(this.args.group)
    const client = await this.client()
    requireMembership(client)
    await client.groups.deleteGroup(this.args.group)
    this.log(`deleted group ${this.args.group}`)
    return {group: this.args.group, deleted: true}
  }
}
