// The NATS JetStream side of the peers benchmark (npm `nats` 2.x client), one process per role, so each is
// timed as a whole process exactly like a `samsa` CLI process. A record "key:value" is published to the
// subject PREFIX.<key> with the value as payload (a subject per key is JetStream's idiom for keyed data;
// the bytes stored per record are the value plus the subject, as samsa stores value plus key). Consumers
// print each payload and a newline to stdout, as `samsa consume` does, and end with one JSON line
// {"records","bytes"} on stderr (bytes = payload bytes) so the harness can check the counts.
//   node nats-client.mjs setup PORT STREAM PREFIX [DURABLE]  file-storage stream PREFIX.>; a work-queue consumer
//   node nats-client.mjs produce PORT PREFIX [FILE]          lines from FILE (or stdin) → publish, async acks
//   node nats-client.mjs consume PORT STREAM                 ordered pull consumer from the start to the end
//   node nats-client.mjs work PORT STREAM DURABLE            one member of a work queue: shared durable pull
//                                                           consumer, explicit ack per message, exit when drained
//   node nats-client.mjs follow PORT STREAM                  ordered pull consumer from new messages (latency)
// Knobs: BENCH_NATS_WINDOW publishes awaiting their ack (default 1000), BENCH_NATS_BATCH messages per pull
// (default 1000).
import {createReadStream} from 'node:fs'
import {AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, connect, createInbox} from 'nats'

const [mode, port, a1, a2, a3] = process.argv.slice(2)
const WINDOW = Number(process.env.BENCH_NATS_WINDOW ?? 1000)
const BATCH = Number(process.env.BENCH_NATS_BATCH ?? 1000)
const NL = Buffer.from('\n')
const ERROR = Buffer.from('"error"')
// noAsyncTraces: the client then skips capturing a stack trace per request (per publish); its docs
// recommend it for JetStream publishers
const nc = await connect({servers: `127.0.0.1:${port}`, noAsyncTraces: true})
let records = 0
let bytes = 0

// Output is gathered per burst of deliveries and written once the burst is over (as samsa writes once per
// fetched batch), so a follower still prints every record as soon as its burst ends.
let out = []
let flushing = null
function print(data) {
  out.push(data, NL)
  records++
  bytes += data.length
  flushing ??= new Promise((resolve) =>
    setImmediate(() => {
      const chunk = Buffer.concat(out)
      out = []
      flushing = null
      if (process.stdout.write(chunk)) resolve()
      else process.stdout.once('drain', resolve)
    }),
  )
}

async function finish() {
  await flushing
  await nc.flush()
  process.stderr.write(JSON.stringify({records, bytes}) + '\n')
  await nc.close()
}

// Splits a byte stream into lines "key:value" and hands each to fn(key, value) (value as a Buffer view).
async function eachLine(input, fn) {
  let rest = null
  for await (const c of input) {
    const chunk = rest ? Buffer.concat([rest, c]) : c
    let pos = 0
    for (let nl; (nl = chunk.indexOf(10, pos)) >= 0; pos = nl + 1) {
      const colon = chunk.indexOf(58, pos)
      const value = chunk.subarray(colon + 1, nl)
      const r = fn(chunk.latin1Slice(pos, colon), value)
      if (r) await r
    }
    rest = pos < chunk.length ? chunk.subarray(pos) : null
  }
}

// An ephemeral pull consumer without acks, removed by the server 30 s after its reader is gone. (The
// client's ordered consumer, js.consumers.get(stream, opts), delivered nothing from nats-server 2.9.10 here.)
async function ephemeral(jsm, js, stream, deliver_policy) {
  const {name} = await jsm.consumers.add(stream, {ack_policy: AckPolicy.None, deliver_policy, inactive_threshold: 30e9})
  return js.consumers.get(stream, name)
}

// Pulls BATCH messages at a time (the client asks for more at 75% of a batch) and hands each to
// onMessage(m, stop); resolves once stop() was called and the pull loop has ended.
async function pull(consumer, onMessage, onStart = () => {}) {
  let messages = null
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    messages?.stop()
  }
  onStart(stop)
  messages = await consumer.consume({max_messages: BATCH, callback: (m) => stopped || onMessage(m, stop)})
  if (stopped) messages.stop()
  await messages.closed()
}

if (mode === 'setup') {
  const [stream, prefix, durable] = [a1, a2, a3]
  const jsm = await nc.jetstreamManager()
  await jsm.streams.add({
    name: stream,
    subjects: [`${prefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
  })
  if (durable) {
    // max_ack_pending raised from JetStream's default (1000) so two members pulling BATCH each are not throttled
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 20 * BATCH,
    })
  }
  await nc.close()
} else if (mode === 'produce') {
  const [prefix, file] = [a1, a2]
  // A bounded window of async acks, as the Go client's PublishAsync: every message is a core NATS publish
  // with its own reply subject under one wildcard inbox subscription, and JetStream answers each with a
  // PubAck ({"stream","seq"} or {"error"}). Publishing pauses while WINDOW are unacknowledged and resumes
  // when the window is a tenth empty, so publishes keep going out in runs (one socket write per run).
  // (The client's own js.publish() promise API sends the same but cost ~5× the client CPU per message here.)
  const inbox = createInbox()
  let sent = 0
  let acked = 0
  let failure = null
  let resume = null
  nc.subscribe(`${inbox}.*`, {
    callback: (err, m) => {
      if (err || (m.data.length > 10 && m.data.includes(ERROR))) failure ??= err ?? new Error(`JetStream: ${m.data}`)
      acked++
      if (resume && sent - acked <= WINDOW * 0.9) {
        resume()
        resume = null
      }
    },
  })
  const room = () => new Promise((r) => (resume = r))
  await eachLine(file ? createReadStream(file, {highWaterMark: 1 << 20}) : process.stdin, (key, value) => {
    nc.publish(`${prefix}.${key}`, value, {reply: `${inbox}.${sent}`})
    sent++
    return sent - acked >= WINDOW ? room() : null
  })
  while (acked < sent) {
    await new Promise((r) => (resume = r))
  }
  if (failure) throw failure
  const n = acked
  records = n
  await finish()
} else if (mode === 'consume') {
  // to the stream's last sequence at start, then exit (as `samsa consume` reads to the current end)
  const stream = a1
  const jsm = await nc.jetstreamManager()
  const last = (await jsm.streams.info(stream)).state.last_seq
  const consumer = await ephemeral(jsm, nc.jetstream(), stream, DeliverPolicy.All)
  if (last > 0) {
    await pull(consumer, (m, stop) => {
      print(m.data)
      if (m.seq >= last) stop()
    })
  }
  await finish()
} else if (mode === 'work') {
  // Drained: a message says nothing is left to deliver (info.pending 0), or this member has had no message
  // for 50 ms and the consumer's info says nothing is left to deliver or awaiting an ack (the other member
  // got the last message).
  const [stream, durable] = [a1, a2]
  const consumer = await nc.jetstream().consumers.get(stream, durable)
  let lastMessage = performance.now()
  let stopping = null
  const idle = setInterval(async () => {
    if (performance.now() - lastMessage < 50 || !stopping) return
    const info = await consumer.info()
    if (info.num_pending === 0 && info.num_ack_pending === 0) stopping()
  }, 50)
  await pull(consumer, (m, stop) => {
    lastMessage = performance.now()
    print(m.data)
    m.ack()
    if (m.info.pending === 0) stop()
  }, (stop) => (stopping = stop))
  clearInterval(idle)
  await finish()
} else if (mode === 'follow') {
  const stream = a1
  process.on('SIGTERM', () => process.exit(0))
  const js = nc.jetstream()
  const consumer = await ephemeral(await nc.jetstreamManager(), js, stream, DeliverPolicy.New)
  await pull(consumer, (m) => print(m.data))
} else {
  process.stderr.write(`unknown mode ${mode}\n`)
  process.exit(2)
}
