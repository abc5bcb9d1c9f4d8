// The Redis Streams side of the peers benchmark, one process per role, so each is timed as a whole process
// exactly like a `samsa` CLI process. Records are stream entries with two fields, k (the key) and v (the
// value); consumers print each value and a newline to stdout, as `samsa consume` does, and end with one
// JSON line {"records","bytes"} on stderr (bytes = value bytes) so the harness can check the counts.
//   node redis-client.mjs consume PORT STREAM            XRANGE from the start in pages of COUNT, then exit
//   node redis-client.mjs group PORT STREAM GROUP NAME   XREADGROUP ... > pages + XACK each page, exit when drained
//   node redis-client.mjs produce PORT STREAM            stdin lines "key:value" → XADD, pipelined (latency)
//   node redis-client.mjs follow PORT STREAM             XREAD BLOCK from the current end, forever (latency)
// COUNT: BENCH_REDIS_COUNT, default 1000 entries per page.
import {redisConnect} from './resp.mjs'

const [mode, port, stream, group, name] = process.argv.slice(2)
const COUNT = Number(process.env.BENCH_REDIS_COUNT ?? 1000)
const NL = Buffer.from('\n')
let records = 0
let bytes = 0

const redis = await redisConnect(Number(port))

function check(reply) {
  if (reply instanceof Error) throw reply
  return reply
}

// Writes the values of [[id, [field, value, ...]], ...] as lines; returns the last id.
async function printEntries(entries) {
  const out = []
  for (const [, fields] of entries) {
    const v = fields[3] // fields: k, <key>, v, <value>
    out.push(v, NL)
    bytes += v.length
  }
  records += entries.length
  if (!process.stdout.write(Buffer.concat(out))) await new Promise((r) => process.stdout.once('drain', r))
  return entries[entries.length - 1][0]
}

function finish() {
  process.stderr.write(JSON.stringify({records, bytes}) + '\n')
  redis.close()
}

if (mode === 'consume') {
  let start = '-'
  for (;;) {
    const entries = check(await redis.send('XRANGE', stream, start, '+', 'COUNT', COUNT))
    if (entries.length === 0) break
    start = '(' + (await printEntries(entries)).toString()
  }
  finish()
} else if (mode === 'group') {
  // Each page is acknowledged after it is printed; the XACK goes in the same write as the next read.
  let ack = null
  for (;;) {
    const read = ['XREADGROUP', 'GROUP', group, name, 'COUNT', COUNT, 'STREAMS', stream, '>']
    const replies = await redis.pipeline(ack ? [ack, read] : [read])
    if (ack) check(replies[0])
    const reply = check(replies[replies.length - 1])
    const entries = reply?.[0]?.[1] ?? []
    if (entries.length === 0) break
    await printEntries(entries)
    ack = ['XACK', stream, group, ...entries.map((e) => e[0])]
  }
  if (ack) check(await redis.send(...ack))
  finish()
} else if (mode === 'produce') {
  // Lines as they arrive; every line's XADD is written at once (pipelined), replies counted as they come.
  let rest = ''
  let acked = 0
  const inflight = []
  process.stdin.on('data', (chunk) => {
    const text = rest + chunk
    const lines = text.split('\n')
    rest = lines.pop()
    if (lines.length === 0) return
    const commands = lines.map((line) => {
      const colon = line.indexOf(':')
      return ['XADD', stream, '*', 'k', line.slice(0, colon), 'v', line.slice(colon + 1)]
    })
    inflight.push(redis.pipeline(commands).then((rs) => rs.forEach(check)).then(() => (acked += commands.length)))
  })
  await new Promise((r) => process.stdin.on('end', r))
  await Promise.all(inflight)
  records = acked
  finish()
} else if (mode === 'follow') {
  let last = '$'
  process.on('SIGTERM', () => process.exit(0))
  for (;;) {
    const reply = check(await redis.send('XREAD', 'BLOCK', 0, 'COUNT', COUNT, 'STREAMS', stream, last))
    const entries = reply?.[0]?.[1] ?? []
    if (entries.length) last = (await printEntries(entries)).toString()
  }
} else {
  process.stderr.write(`unknown mode ${mode}\n`)
  process.exit(2)
}
