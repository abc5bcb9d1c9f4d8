// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {isUtf8} from 'node:buffer'
import {BaseCommand} from '../cli/base-command.js'
import {encodeEnvelope} from '../cli/lines/envelope.js'
import {validateTopicName} from '../client/index.js'
import {parseDuration, parseTime} from '../client/offset-spec.js'
import {SamsaError} from '../errors.js'

export interface TableResult {
  topic: string
  rows: number
  records: number
  keyless: number
  deleted: number
}

export default class Table extends BaseCommand<typeof Table> {
  static override summary = 'Print the latest value of every key of a topic (tombstones applied)'
  static override description =
    'Reads the topic from its log start and prints one row per live key: its latest value, a key whose ' +
    'latest record is a tombstone (null value) left out, records without a key ignored. Rows are sorted by ' +
    'key bytes. --as-of reads each partition only up to its first record with a timestamp after TIME: the ' +
    'table as it was then (TIME: ISO-8601, UTC unless a zone is given, epoch ms, or -DURATION such as -1h). ' +
    'On a compacted topic that is exact only for times the cleaner has not compacted past: a key overwritten ' +
    'since may be missing (a note on stderr says which partitions). --format tsv (default): KEY<TAB>VALUE, ' +
    'UTF-8 text with \\\\ \\t \\n \\r escaped, a field that is not UTF-8 as {"base64":"…"}; --format jsonl: the ' +
    'lossless envelope of consume --jsonl (topic, partition, offset, timestamp, key, value, headers) per row, ' +
    'which produce --jsonl reads back.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> users',
    '<%= config.bin %> <%= command.id %> users --as-of 2026-11-20T09:00:00Z',
    '<%= config.bin %> <%= command.id %> users --as-of -1h --format jsonl',
    '<%= config.bin %> <%= command.id %> users --format jsonl | samsa produce users-copy --jsonl',
  ]

  static override args = {
    topic: Args.string({description: 'topic to read', required: true}),
  }

  static override enableJsonFlag = false // stdout is data; --format jsonl is the structured output

  static override flags = {
    'as-of': Flags.string({description: 'the table as of this time: ISO-8601, epoch ms or -DURATION (-1h, -30m)'}),
    format: Flags.string({description: 'tsv: KEY<TAB>VALUE; jsonl: one envelope per row', options: ['tsv', 'jsonl'], default: 'tsv'}),
  }

  public async run(): Promise<TableResult> {
    const topic = this.args.topic
    validateTopicName(topic)
    const asOf = this.flags['as-of'] === undefined ? undefined : parseAsOf(this.flags['as-of'], Date.now())
    const client = await this.client()
    const {readTable} = await import('../client/table-view.js')
    const view = await readTable(client, topic, {asOf})
    for (const c of view.compactedPast) {
      process.stderr.write(
        `samsa: note: ${topic}-${c.partition} was compacted past --as-of (clean below offset ${c.firstDirtyOffset}): ` +
          'keys whose value then was overwritten later may be missing\n',
      )
    }
    const topicJson = JSON.stringify(topic)
    const jsonl = this.flags.format === 'jsonl'
    let chunk = ''
    for (const r of view.rows) {
      chunk += jsonl
        ? `${encodeEnvelope(topicJson, r.partition, r.offset, r.timestamp, r.key, r.value, r.headers)}\n`
        : `${tsvField(r.key)}\t${tsvField(r.value)}\n`
      if (chunk.length >= 1 << 16) {
        await write(chunk)
        chunk = ''
      }
    }
    if (chunk.length > 0) await write(chunk)
    return {topic, rows: view.rows.length, records: view.records, keyless: view.keyless, deleted: view.deleted}
  }
}

/** --as-of: ISO-8601 or epoch ms (an @ before it is allowed, as in --from), or -DURATION before now. */
function parseAsOf(text: string, now: number): number {
  const t = text.trim().replace(/^@/, '')
  const ms = t.startsWith('-') ? (() => {
    const d = parseDuration(t.slice(1))
    return d === undefined ? undefined : now - d
  })() : parseTime(t)
  if (ms === undefined) throw new SamsaError('USAGE', `bad --as-of '${text}': expected an ISO-8601 time, epoch milliseconds or -DURATION such as -1h`)
  return ms
}

// A TSV field: UTF-8 text with the characters that would break a row escaped; other bytes as the
// envelope writes them.
function tsvField(b: Buffer): string {
  if (!isUtf8(b)) return `{"base64":"${b.toString('base64')}"}`
  return b.toString('utf8').replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once('drain', resolve)
  })
}
