// The torture suites' load generator: a process of its own, so it outlives every kill -9 of the daemon
// and keeps the ack ledger across them. Producers (acks 1 and all, lz4 or none, one of them idempotent
// and retrying through restarts) and committing members of one consumer group, all through the client
// library in dist/client, against the daemon of --data-dir (never auto-started: the kill loop owns it).
//
//   node test/torture/loadgen.mjs --data-dir D --ledger FILE --topic T --group G --seed N
//                                 [--producers 3] [--consumers 2]
//
// The ledger is JSON lines, each written and fdatasync'ed before the event it records has any effect
// (a record's 'send' before it can leave this process; a 'read' before the group may commit it):
//   {e:'send', w, t, from, to}           records w:from … w:to appended: indeterminate until acknowledged
//   {e:'ack', w, t, p, o, seqs, h}       acknowledged at offsets o, o+1, …: ids w:seqs[i]; h = hash of values
//   {e:'span', c, s, m, starts}          member c's consumer number s opened: starts [[t, p, position]…]
//   {e:'read', c, s, t, p, from, to, h}  member c, consumer s, delivered offsets from…to (values' hash h)
//   {e:'commit', c, k, m, offsets}       commit k sent: offsets [[t, p, offset]…]
//   {e:'commit-ok', c, k, results}       … acknowledged: results [[t, p, offset, errorCode | null]…]
//   {e:'commit-lost', c, k, code}        … failed without an answer (the daemon died): indeterminate
//   {e:'commit-refused', c, k, code}     … refused as a whole (UNKNOWN_MEMBER_ID after a restart, …)
//   {e:'offsets', c, list}               the group's committed offsets as OffsetFetch answered: [[t, p, o]…]
//   {e:'member-restart', c, reason}      member c failed for a lost connection and joins again
//   {e:'member-leave', c}                member c closed (a last commit, leave) and joins again: churn
//   {e:'end'}                            a clean stop (SIGTERM): everything above is final
// SIGTERM: stop appending, let the last acknowledgements arrive, close the members (a last commit,
// leave), write 'end', exit 0. Progress ('acks N commits N reads N member-restarts N') goes to stdout once a second.
import {closeSync, fdatasyncSync, openSync, writeSync} from 'node:fs'
import {parseArgs} from 'node:util'
import {GroupConsumer} from '../../dist/client/group-consumer.js'
import {LocalClient} from '../../dist/client/local/local-client.js'
import {Producer} from '../../dist/client/producer.js'
import {between, hashOfValues, pick, prng, valueOf} from './records.mjs'

const {values: args} = parseArgs({
  options: {
    'data-dir': {type: 'string'},
    ledger: {type: 'string'},
    topic: {type: 'string', default: 'torture'},
    group: {type: 'string', default: 'torture-group'},
    seed: {type: 'string', default: '1'},
    producers: {type: 'string', default: '3'},
    consumers: {type: 'string', default: '2'},
  },
})
const dataDir = args['data-dir']
const topic = args.topic
const random = prng(Number(args.seed))
const RECONNECT_MS = 600_000 // ride out any outage the kill loop makes (it stops this process meanwhile)
const MAX_UNACKED = 200 // records per producer appended but not yet acknowledged
const CHURN = 0.02 // per poll, the chance that a member leaves the group and joins again

const fd = openSync(args.ledger, 'a')
const stats = {acks: 0, commits: 0, reads: 0, memberRestarts: 0}
function record(event) {
  event.ts = Date.now() // for a reader of a kept ledger; the checker goes by line order
  writeSync(fd, JSON.stringify(event) + '\n')
  fdatasyncSync(fd)
}

let stopping = false
const stopped = new Promise((resolve) => process.once('SIGTERM', () => {
  stopping = true
  resolve()
}))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// A client that does not start a daemon; while none answers (killed, not yet restarted), try again.
async function connect(options = {}) {
  for (;;) {
    try {
      return await LocalClient.connect({dataDir, autostart: false, clientName: 'samsa-torture', ...options})
    } catch {
      if (stopping) return null
      await sleep(50)
    }
  }
}

// One producer's life: sessions, each a client and a Producer with its own acks and compression, until a
// request fails (the daemon died); what it appended but saw no acknowledgement for stays indeterminate.
// The idempotent producer instead rides a restart out, re-sending what was in flight.
async function produceLoop(index) {
  const idempotent = index === 0
  for (let session = 0; !stopping; session++) {
    const w = `p${index}.${session}`
    const client = await connect(idempotent ? {reconnectTimeoutMs: RECONNECT_MS} : {})
    if (client === null) return
    const acks = idempotent ? -1 : pick(random, [1, -1])
    const compression = pick(random, ['lz4', 'none'])
    let acked = 0
    let ackWaiter = null
    const producer = new Producer(client, {
      acks,
      compression,
      trackTags: true,
      idempotent,
      retryTimeoutMs: idempotent ? RECONNECT_MS : 0,
      batchBytes: between(random, 1, 64) * 1024,
      onAck: (a) => {
        const values = a.tags.map((seq) => valueOf(`${w}:${seq}`))
        record({e: 'ack', w, t: a.topic, p: a.partition, o: a.baseOffset, seqs: a.tags, h: hashOfValues(values)})
        acked += a.count
        stats.acks++
        ackWaiter?.()
      },
    })
    try {
      await producer.prepare(topic)
      let seq = 0
      while (!stopping && !producer.failed) {
        const n = between(random, 1, 20)
        record({e: 'send', w, t: topic, from: seq, to: seq + n - 1})
        for (let i = 0; i < n; i++, seq++) producer.append(topic, Buffer.from(valueOf(`${w}:${seq}`)), null, undefined, -1, -1, seq)
        while (!stopping && !producer.failed && seq - acked > MAX_UNACKED) {
          await Promise.race([new Promise((resolve) => (ackWaiter = resolve)), producer.whenFailed(), stopped])
        }
        ackWaiter = null
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (stopping) await producer.flush()
    } catch {
      // the daemon died under this session: what was not acknowledged is indeterminate
    }
    producer.abort()
    await client.close().catch(() => {})
  }
}

// GroupApi calls recorded in the ledger: every commit sent and its answer, every committed offset read.
function recordedGroups(groups, c) {
  let commits = 0
  return {
    heartbeat: (...a) => groups.heartbeat(...a),
    listGroups: (...a) => groups.listGroups(...a),
    describeGroup: (...a) => groups.describeGroup(...a),
    deleteGroup: (...a) => groups.deleteGroup(...a),
    async fetchOffsets(group, partitions) {
      const list = await groups.fetchOffsets(group, partitions)
      record({e: 'offsets', c, list: list.map((o) => [o.topic, o.partition, o.offset])})
      return list
    },
    async commitOffsets(group, offsets, member) {
      const k = commits++
      record({e: 'commit', c, k, m: member?.memberId ?? '', offsets: offsets.map((o) => [o.topic, o.partition, o.offset])})
      let results
      try {
        results = await groups.commitOffsets(group, offsets, member)
      } catch (err) {
        // no answer (the daemon died: indeterminate), or refused as a whole (e.g. a member the restarted daemon does not know)
        const code = err?.code ?? String(err)
        record({e: code === 'DAEMON_UNAVAILABLE' ? 'commit-lost' : 'commit-refused', c, k, code})
        throw err
      }
      record({
        e: 'commit-ok',
        c,
        k,
        results: results.map((r) => [r.topic, r.partition, offsets.find((o) => o.topic === r.topic && o.partition === r.partition)?.offset ?? -1, r.error?.code ?? null]),
      })
      stats.commits++
      return results
    },
  }
}

// One member of the group, as `samsa consume --group G --follow` is one: it rides out restarts (the
// client waits for the daemon, the member rejoins and resumes), reads what it owns, records each read
// before handing it to the group as flushed, and commits on its interval; now and then it leaves the
// group and joins again (churn: partitions handed over while the others read on). A member whose group call
// failed for a lost connection (a request in flight when the daemon was killed, outside what the
// GroupConsumer rides out itself) is started afresh, as a supervisor restarts a consumer that exited:
// {e:'member-restart', c, reason} says so, and its new consumer starts from the group's commits.
async function consumeLoop(index) {
  const c = `c${index}`
  let group = null
  const client = await connect({reconnectTimeoutMs: RECONNECT_MS, onReconnected: () => group?.reconnected()})
  if (client === null) return
  const span = {n: -1, phase: 'join', failedCall: ''}
  const member = {admin: traced(client.admin, span), records: client.records, groups: traced(recordedGroups(client.groups, c), span)}
  while (!stopping) {
    try {
      span.phase = 'join'
      group = await GroupConsumer.join(member, args.group, {
        topics: [topic],
        from: {kind: 'beginning'},
        follow: true,
        maxWaitMs: 200,
        reconnectTimeoutMs: RECONNECT_MS,
        // often enough that __consumer_offsets rolls and is compacted within a long run (1 MiB segments)
        commitIntervalMs: pick(random, [0, 0, 50, 200]),
        sessionTimeoutMs: 6000,
      })
      await memberLife(c, group, span)
      span.phase = 'close'
      await group.close()
      if (!stopping) record({e: 'member-leave', c}) // churn: it left the group (committed first) and joins again
    } catch (err) {
      if (err?.code !== 'DAEMON_UNAVAILABLE') throw err
      const reason = `${span.phase} failed (${span.failedCall}): ${err.message}`
      record({e: 'member-restart', c, reason})
      stats.memberRestarts++
      process.stderr.write(`loadgen: member ${c} restarts: ${reason}\n`)
      await group?.close().catch(() => {})
      group = null
    }
  }
  await client.close()
}

// The API object with each call's failure remembered by name (which request the daemon's death cut off).
function traced(api, span) {
  return new Proxy(api, {
    get(target, name) {
      const f = target[name]
      if (typeof f !== 'function') return f
      return (...a) =>
        f.apply(target, a).catch((err) => {
          span.failedCall = String(name)
          throw err
        })
    },
  })
}

async function memberLife(c, group, span) {
  let seen = null
  const reads = new Map() // cursor index → {cursor, from, to, values}
  const visit = (cursor, r) => {
    group.delivered(cursor.index, r.offset)
    let read = reads.get(cursor.index)
    if (read === undefined) reads.set(cursor.index, (read = {cursor, from: r.offset, to: r.offset, values: []}))
    read.to = r.offset
    read.values.push(r.valueString())
  }
  while (!stopping) {
    const consumer = group.consumer
    if (consumer !== null && consumer !== seen) {
      seen = consumer
      span.n++
      record({e: 'span', c, s: span.n, m: group.memberId, starts: consumer.assignments.map((a) => [a.topic, a.partition, a.position])})
    }
    if (consumer !== null && !group.needsRebalance) {
      span.phase = 'poll'
      const polled = await Promise.race([consumer.poll(visit).catch((err) => err), group.changed.then(() => -1), stopped.then(() => -1)])
      // an abandoned poll visits nothing once stopped — but what it visited before is delivered: recorded below
      if (polled === -1) consumer.stop()
      const flushed = group.writing()
      for (const read of reads.values()) {
        record({e: 'read', c, s: span.n, t: read.cursor.topic, p: read.cursor.partition, from: read.from, to: read.to, h: hashOfValues(read.values)})
        stats.reads++
      }
      reads.clear()
      flushed()
      if (polled instanceof Error) throw polled
      span.phase = 'commitIfDue'
      await group.commitIfDue()
      if (random() < CHURN) return // leave and join again: a handover to the other members under load
      continue
    }
    if (!group.needsRebalance) await Promise.race([group.changed, stopped, sleep(200)])
    span.phase = 'rebalance'
    if (!stopping) await group.rebalance()
  }
}

const progress = setInterval(() => process.stdout.write(`acks ${stats.acks} commits ${stats.commits} reads ${stats.reads} member-restarts ${stats.memberRestarts}\n`), 1000)
const producers = Array.from({length: Number(args.producers)}, (_, i) => produceLoop(i))
const consumers = Array.from({length: Number(args.consumers)}, (_, i) => consumeLoop(i))
const results = await Promise.allSettled([...producers, ...consumers])
clearInterval(progress)
const failed = results.filter((r) => r.status === 'rejected')
for (const f of failed) process.stderr.write(`loadgen: ${f.reason?.stack ?? f.reason}\n`)
if (failed.length === 0) record({e: 'end'})
closeSync(fd)
process.stdout.write(`acks ${stats.acks} commits ${stats.commits} reads ${stats.reads} member-restarts ${stats.memberRestarts}\n`)
process.exit(failed.length === 0 ? 0 : 1)
