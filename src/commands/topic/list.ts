import {BaseCommand} from '../../cli/base-command.js'
import {humanBytes, table} from '../../cli/output.js'
import type {TopicSummary} from '../../client/index.js'

export default class TopicList extends BaseCommand<typeof TopicList> {
  static override summary = 'List topics'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{topics: TopicSummary[]}> {
    const client = await this.client()
    const topics = (await client.admin.listTopics()).slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    if (topics.length === 0) {
      this.logToStderr('samsa: no topics (create one with: samsa topic create NAME)')
    } else {
      this.log(
        table(
          ['TOPIC', 'PARTITIONS', 'POLICY', 'SIZE', 'MESSAGES'],
          topics.map((t) => [t.name, t.partitions, t.compact ? 'compact' : 'delete', humanBytes(t.sizeInBytes), t.messages]),
          {align: ['left', 'right', 'left', 'right', 'right']},
        ),
      )
    }
    return {topics}
  }
}
