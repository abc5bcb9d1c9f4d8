// Reproduces a duplicate the kill -9 torture suite found (seed 17835): an idempotent producer's request of
// several batches that crosses segment.bytes is written in two runs with a roll between them; the roll
// snapshots the producer state BEFORE this request's batches are applied to it (log-append.ts applies
// them after the last run). A kill -9 after the roll, before the second run, leaves the first batches in
// the log but not in the snapshot at the roll offset; recovery trusts that snapshot, so the producer's
// retry of the request is taken as new and appended again: those records are stored twice.
//   node test/torture/repro-roll-duplicate.mjs      (after npm run build; exit 1 while the bug is there)
import {fork} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {RecordBatchBuilder} from '../../dist/format/record-batch-builder.js'
import {nodeFileIo} from '../../dist/storage/file-io.js'
import {LOG_CONFIG_DEFAULTS} from '../../dist/storage/log-config.js'
import {PartitionLog} from '../../dist/storage/partition-log.js'

const config = {...LOG_CONFIG_DEFAULTS, 'segment.bytes': 1024}
const batch = (seq, n) => {
  const b = new RecordBatchBuilder({compression: 0})
  for (let i = 0; i < n; i++) b.append(Buffer.from(`record ${seq + i} ${'x'.repeat(100)}`), null, Date.now())
  return b.build({producerId: 7, producerEpoch: 0, baseSequence: seq})
}
const request = () => Buffer.concat([batch(5, 2), batch(7, 5)]) // the second batch does not fit: a roll between

if (process.argv[2] === 'child') {
  // the first write into a segment other than the first is a kill -9 of this process
  let armed = false
  const io = {
    ...nodeFileIo,
    open(path, mode) {
      const f = nodeFileIo.open(path, mode)
      if (!armed || !path.endsWith('.log') || path.endsWith(`${'0'.repeat(20)}.log`)) return f
      return new Proxy(f, {get: (t, k) => (k === 'write' ? () => process.kill(process.pid, 'SIGKILL') : typeof t[k] === 'function' ? t[k].bind(t) : t[k])})
    },
  }
  const log = PartitionLog.open({dir: process.argv[3], config, io})
  log.append(batch(0, 5)) // about 640 bytes of the segment's 1024
  armed = true
  log.append(request())
  process.exit(3) // not reached
}

const dir = mkdtempSync(join(tmpdir(), 'samsa-roll-dup-'))
const child = fork(new URL(import.meta.url).pathname, ['child', dir])
const signal = await new Promise((resolve) => child.on('exit', (_, s) => resolve(s)))
if (signal !== 'SIGKILL') throw new Error(`the writer was not killed (${signal})`)
const log = PartitionLog.open({dir, config})
const answer = log.append(request()) // the producer's retry: it never saw an answer
const values = []
for (let offset = 0; offset < log.logEndOffset; ) {
  const {bytes} = log.read(offset, 1 << 20) // whole batches, from the one holding offset
  for (let p = 0; p < bytes.length; p += bytes.readInt32BE(p + 8) + 12) {
    const text = bytes.toString('latin1', p, p + bytes.readInt32BE(p + 8) + 12)
    for (const m of text.matchAll(/record (\d+) /g)) values.push(Number(m[1]))
    offset = Number(bytes.readBigInt64BE(p)) + bytes.readInt32BE(p + 23) + 1
  }
}
log.close()
rmSync(dir, {recursive: true, force: true})
const twice = values.filter((v, i) => values.indexOf(v) !== i)
console.log(`retry answered ${JSON.stringify(answer)}; records in the log: ${values.join(' ')}`)
if (twice.length > 0) {
  console.log(`DUPLICATE: records ${[...new Set(twice)].join(', ')} are stored twice`)
  process.exit(1)
}
console.log('no duplicate')
