// The CLI's produce data path alone, in one process: file chunks → ProduceSession (line splitting, keys)
// → Producer (partitioning, batch building, LZ4) → a RecordApi that acknowledges at once. No start-up, no
// socket, no daemon: the CPU µs per record of what `samsa produce --file F --key-delimiter :` does per line,
// steady enough on a busy machine to compare two builds (min of a few runs, by turns).
//   node test/bench/cpu-split/produce-path.mjs FILE [--plain] [--dist DIR]   (DIR: a compiled dist/, default ours)
import {createReadStream} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const {values: o, positionals} = parseArgs({
  allowPositionals: true,
  options: {plain: {type: 'boolean', default: false}, dist: {type: 'string', default: fileURLToPath(new URL('../../../dist', import.meta.url))}},
})
const file = positionals[0]
if (!file) {
  console.error('usage: produce-path.mjs FILE [--plain] [--dist DIR]')
  process.exit(2)
}
const {ProduceSession} = await import(`${o.dist}/cli/lines/produce-session.js`)
let batches = 0
let bytes = 0
const client = {
  records: {
    produce: async (_topic, _partition, b) => {
      batches++
      bytes += b.length
      return {baseOffset: 0, lastOffset: 0, logAppendTime: -1, logStartOffset: 0}
    },
    initProducerId: async () => ({producerId: 1, producerEpoch: 0}),
  },
  admin: {describeTopic: async () => ({partitions: [0, 1, 2, 3].map((partition) => ({partition})), configs: []})},
}
const session = new ProduceSession(client, {
  topic: 'bench',
  parser: o.plain ? {} : {keyDelimiter: Buffer.from(':')},
  delimiter: Buffer.from('\n'),
  stripCr: false,
  partition: -1,
  ignoreEnvelopePartition: false,
  skipInvalid: false,
  report: false,
  producer: {acks: 1, lingerMs: 0, batchBytes: 256 * 1024, compression: 'lz4', idempotent: true}, // as the CLI
})
await session.open()
const cpu = process.cpuUsage()
for await (const chunk of createReadStream(file, {highWaterMark: 1024 * 1024})) {
  session.push(chunk)
  if (!session.producer.ready) await session.producer.whenReady()
}
session.end()
await session.producer.flush()
const used = process.cpuUsage(cpu)
const n = session.producer.appended
console.log(`${o.plain ? 'plain' : 'keyed'}: ${n} records in ${batches} batches (${(bytes / 1e6).toFixed(1)} MB): ${((used.user + used.system) / n).toFixed(3)} µs of CPU per record`)
