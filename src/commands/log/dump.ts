// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {statSync} from 'node:fs'
import {BaseCommand, OFFLINE_FLAGS} from '../../cli/base-command.js'
import {bytesToJsonValue} from '../../cli/lines/envelope.js'
import {count} from '../../cli/output.js'
import {SamsaError} from '../../errors.js'
import {
  type BatchHeader,
  compressionName,
  compressionOf,
  CONTROL_MASK,
  crcMatches,
  lastOffsetOf,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
} from '../../format/batch-header.js'
import {type DecodedRecord, decodeRecordBatch} from '../../format/record-batch.js'
import {iterateBatches} from '../../storage/log-verifier.js'

// One batch as `--json` prints it (one JSON object per line, so a 1 GiB segment streams).
interface BatchLine {
  position: number
  baseOffset: number
  lastOffset: number
  count: number
  size: number
  magic: number
  codec: string
  crc: number
  crcValid: boolean
  timestampType: 'CreateTime' | 'LogAppendTime'
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  partitionLeaderEpoch: number
  isTransactional: boolean
  isControl: boolean
  records?: unknown[]
  error?: string
}

export default class LogDump extends BaseCommand<typeof LogDump> {
  static override baseFlags = OFFLINE_FLAGS // no daemon: no --socket, no --autostart
  static override summary = 'Print the batches (and records) of a segment file, like kafka-dump-log --deep-iteration'
  static override description =
    'Reads a .log segment directly (no daemon needed, read-only). Works on segments written by samsa or by Kafka. ' +
    'With --json, writes one JSON object per batch per line; keys and values are strings when they are UTF-8, ' +
    'else {"base64": "..."}.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ~/.local/share/samsa/logs-0/00000000000000000000.log',
    '<%= config.bin %> <%= command.id %> 00000000000000000000.log --records',
    '<%= config.bin %> <%= command.id %> 00000000000000000000.log --records --json | jq .records[].value',
  ]
  static override args = {
    file: Args.string({description: 'a segment file (.log)', required: true}),
  }
  static override flags = {
    records: Flags.boolean({description: 'also print every record (offset, timestamp, key, value, headers)'}),
  }

  public async run(): Promise<void> {
    const file = this.args.file
    segmentFileOrThrow(file)
    const json = this.jsonEnabled()
    if (!json) this.log(`Dumping ${file}`)
    let batches = 0
    let records = 0
    for (const {position, header, bytes} of iterateBatches(file)) {
      const line = describeBatch(position, header, bytes)
      let decoded: DecodedRecord[] | undefined
      if (this.flags.records) {
        try {
          decoded = decodeRecordBatch(bytes, {verifyCrc: false}).records
        } catch (err) {
          line.error = (err as Error).message
        }
      }
      batches++
      records += header.recordsCount
      if (json) {
        if (decoded) line.records = decoded.map(recordJson)
        process.stdout.write(JSON.stringify(line) + '\n')
      } else {
        this.log(batchText(line))
        if (decoded) for (const r of decoded) this.log(recordText(r))
        if (line.error) this.log(`| cannot decode records: ${line.error}`)
      }
    }
    if (!json) this.logToStderr(`samsa: ${count(batches, 'batch', 'batches')}, ${count(records, 'record')}`)
  }
}

// A path that is there and is a file (a directory is refused, as log verify refuses what it cannot check).
function segmentFileOrThrow(file: string): void {
  let st
  try {
    st = statSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SamsaError('NOT_FOUND', `no such file: ${file}`)
    throw new SamsaError('STORAGE_ERROR', `cannot read ${file}: ${(err as Error).message}`)
  }
  if (!st.isFile()) throw new SamsaError('INVALID_INPUT', `${file} is not a segment file (.log)${st.isDirectory() ? ': it is a directory' : ''}`)
}

function describeBatch(position: number, h: BatchHeader, bytes: Buffer): BatchLine {
  return {
    position,
    baseOffset: h.baseOffset,
    lastOffset: lastOffsetOf(h),
    count: h.recordsCount,
    size: bytes.length,
    magic: h.magic,
    codec: compressionName(compressionOf(h.attributes)),
    crc: h.crc,
    crcValid: crcMatches(bytes, 0, bytes.length),
    timestampType: h.attributes & TIMESTAMP_TYPE_MASK ? 'LogAppendTime' : 'CreateTime',
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    isTransactional: (h.attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (h.attributes & CONTROL_MASK) !== 0,
  }
}

function batchText(b: BatchLine): string {
  return (
    `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.count} position: ${b.position} ` +
    `size: ${b.size} magic: ${b.magic} codec: ${b.codec} crc: 0x${b.crc.toString(16).padStart(8, '0')} ` +
    `crcValid: ${b.crcValid} ${b.timestampType}: ${b.maxTimestamp} producerId: ${b.producerId} ` +
    `producerEpoch: ${b.producerEpoch} baseSequence: ${b.baseSequence} ` +
    `partitionLeaderEpoch: ${b.partitionLeaderEpoch} isTransactional: ${b.isTransactional} isControl: ${b.isControl}`
  )
}

function recordJson(r: DecodedRecord): unknown {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: bytesToJsonValue(r.key),
    value: bytesToJsonValue(r.value),
    headers: r.headers.map((h) => ({key: h.key, value: bytesToJsonValue(h.value)})),
  }
}

function recordText(r: DecodedRecord): string {
  const headers = r.headers.map((h) => `${h.key}=${h.value === null ? 'null' : textOf(h.value)}`).join(',')
  return (
    `| offset: ${r.offset} timestamp: ${r.timestamp} keySize: ${r.key?.length ?? -1} ` +
    `valueSize: ${r.value?.length ?? -1} headers: [${headers}] key: ${r.key === null ? 'null' : textOf(r.key)} ` +
    `value: ${r.value === null ? 'null' : textOf(r.value)}`
  )
}

// Text as-is when it is UTF-8 (with control characters escaped so one record stays one line), else base64.
function textOf(bytes: Buffer): string {
  const v = bytesToJsonValue(bytes)
  return typeof v === 'string' ? v.replace(/[\n\r\t]/g, (c) => JSON.stringify(c).slice(1, -1)) : `base64:${v!.base64}`
}
