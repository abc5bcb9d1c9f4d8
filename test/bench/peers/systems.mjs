// The three systems of the peers benchmark behind one shape, so the harness runs the same steps for each:
//   start(dir) → ctx      a fresh server on 127.0.0.1 with its files in dir, topic/stream created (untimed)
//   produce(ctx)          workload 1: the data set from the file, acknowledged        → {seconds}
//   consume(ctx)          workload 2: everything from the start, values to /dev/null   → {seconds}
//   group(ctx, round)     workload 3: two consumers sharing the data, to /dev/null     → {seconds}
//   latency(ctx)          workload 4: {producer, follower} commands for latency.mjs (lines "key:value")
//   store                 workload 5: the directory whose bytes count (ctx.store)
//   stop(ctx)
// Every timed step is whole processes (proc.mjs), start-up included, and checks the record count.
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {summary, timed} from './proc.mjs'
import {startNats, startRedis} from './servers.mjs'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const BIN = join(ROOT, 'bin/run.js')
const HERE = fileURLToPath(new URL('.', import.meta.url))
const NODE = process.execPath
const PARTITIONS = 4

// ── Workload 3, samsa's side ───────────────────────────────────────────────────────────────────────────
// samsa has no partition sharing in consumer groups yet (issue 10): two members of one group would each
// read everything. Until then the two members are told their partitions (0,1 and 2,3), and the table
// labels the row so. When groups share partitions, set this to true: both members then run
// `consume bench --group <name>` and the label changes with it.
const SAMSA_GROUPS_SHARE_PARTITIONS = true
export const SAMSA_GROUP_SHORT = SAMSA_GROUPS_SHARE_PARTITIONS ? 'one consumer group' : 'partitions split by hand'
export const SAMSA_GROUP_LABEL = SAMSA_GROUPS_SHARE_PARTITIONS
  ? '2 × consume --group'
  : '2 × consume, partitions split by hand (no groups yet)'
const samsaMembers = (round) =>
  SAMSA_GROUPS_SHARE_PARTITIONS
    ? [['--group', `bench-${round}`], ['--group', `bench-${round}`]]
    : [['--partition', '0', '--partition', '1'], ['--partition', '2', '--partition', '3']]

function expectCount(what, got, data) {
  if (got.records !== data.records || (got.bytes !== undefined && got.bytes !== data.valueBytes)) {
    throw new Error(`${what}: ${got.records} records / ${got.bytes} bytes, expected ${data.records} / ${data.valueBytes}`)
  }
}

export function samsa(data) {
  const env = {...process.env, NO_COLOR: '1'}
  delete env.SAMSA_DATA_DIR
  delete env.SAMSA_SOCKET
  const cmd = (ctx, ...args) => ({cmd: NODE, args: [BIN, ...args, '--data-dir', ctx.store, '--no-autostart'], env: ctx.env, cwd: ROOT})
  const sync = (ctx, ...args) => {
    const r = spawnSync(NODE, [BIN, ...args, '--data-dir', ctx.store], {env: ctx.env, cwd: ROOT, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`samsa ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`)
    return r.stdout
  }
  return {
    name: 'samsa',
    does: {
      produce: `samsa produce bench --file FILE --key-delimiter : (acks=1, ${PARTITIONS} partitions)`,
      consume: 'samsa consume bench > /dev/null',
      group: SAMSA_GROUP_LABEL,
      latency: 'paced lines → samsa produce (stdin) → samsa consume -f (stdout)',
      disk: 'the data dir: segments, indexes, checkpoints (du)',
    },
    async start(dir) {
      const ctx = {dir, store: join(dir, 'data'), env: {...env, XDG_DATA_HOME: dir}}
      sync(ctx, 'daemon', 'start')
      sync(ctx, 'topic', 'create', 'bench', '--partitions', String(PARTITIONS))
      sync(ctx, 'topic', 'create', 'lat', '--partitions', String(PARTITIONS))
      return ctx
    },
    async produce(ctx) {
      const r = await timed({...cmd(ctx, 'produce', 'bench', '--file', data.linesPath, '--key-delimiter', ':'), stdout: 'ignore'})
      const parts = JSON.parse(sync(ctx, 'topic', 'describe', 'bench', '--json')).partitions
      expectCount('samsa produce', {records: parts.reduce((n, p) => n + p.logEndOffset - p.logStartOffset, 0)}, data)
      return r
    },
    async consume(ctx) {
      return timed({...cmd(ctx, 'consume', 'bench'), stdout: '/dev/null'})
    },
    // the count behind consume(): the same command, its output counted here (untimed, once per run)
    async verifyConsume(ctx) {
      const {cmd: node, args, env: e} = cmd(ctx, 'consume', 'bench')
      const child = spawn(node, args, {env: e, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
      let records = 0
      let bytes = 0
      child.stdout.on('data', (d) => {
        bytes += d.length
        for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) records++
      })
      const code = await new Promise((r) => child.on('close', r))
      if (code !== 0) throw new Error(`samsa consume exited ${code}`)
      expectCount('samsa consume', {records, bytes: bytes - records}, data)
    },
    async group(ctx, round) {
      return timed(...samsaMembers(round).map((args) => ({...cmd(ctx, 'consume', 'bench', ...args), stdout: '/dev/null'})))
    },
    latency(ctx) {
      return {
        producer: cmd(ctx, 'produce', 'lat', '--key-delimiter', ':'),
        follower: cmd(ctx, 'consume', 'lat', '--follow', '--from', 'end'),
      }
    },
    async stop(ctx) {
      sync(ctx, 'daemon', 'stop')
    },
  }
}

export function redis(data) {
  const client = (ctx, ...args) => ({cmd: NODE, args: [join(HERE, 'redis-client.mjs'), args[0], String(ctx.server.port), ...args.slice(1)]})
  const cli = (ctx, ...args) => {
    const r = spawnSync('redis-cli', ['-p', String(ctx.server.port), ...args], {encoding: 'utf8'})
    if (r.status !== 0 || /^ERR/m.test(r.stdout)) throw new Error(`redis-cli ${args.join(' ')}: ${r.stdout}${r.stderr}`)
    return r.stdout.trim()
  }
  return {
    name: 'redis',
    does: {
      produce: 'redis-cli --pipe < XADD bench * k KEY v VALUE, as RESP (one stream, AOF everysec)',
      consume: 'XRANGE bench in pages of 1000 (Node RESP client) > /dev/null',
      group: '2 × XREADGROUP pages of 1000 + XACK per page, one group',
      latency: 'paced lines → XADD (Node, pipelined) → XREAD BLOCK (Node, stdout)',
      disk: 'the dir: AOF base + increments, as auto-rewrite left them (du)',
    },
    async start(dir) {
      const store = join(dir, 'redis')
      mkdirSync(store)
      return {dir, store, server: await startRedis(store)}
    },
    async produce(ctx) {
      const r = await timed({cmd: 'redis-cli', args: ['-p', String(ctx.server.port), '--pipe'], stdin: data.respPath})
      const m = /errors: (\d+), replies: (\d+)/.exec(r.results[0].stdout)
      if (!m || m[1] !== '0') throw new Error(`redis-cli --pipe: ${r.results[0].stdout.trim()}`)
      expectCount('redis XADD', {records: Number(cli(ctx, 'XLEN', 'bench'))}, data)
      return r
    },
    async consume(ctx) {
      const r = await timed({...client(ctx, 'consume', 'bench'), stdout: '/dev/null'})
      expectCount('redis XRANGE', summary(r.results[0]), data)
      return r
    },
    async group(ctx, round) {
      const group = `g${round}`
      cli(ctx, 'XGROUP', 'CREATE', 'bench', group, '0')
      const r = await timed(...['c1', 'c2'].map((c) => ({...client(ctx, 'group', 'bench', group, c), stdout: '/dev/null'})))
      const [a, b] = r.results.map(summary)
      expectCount('redis consumer group', {records: a.records + b.records, bytes: a.bytes + b.bytes}, data)
      return r
    },
    latency(ctx) {
      return {producer: client(ctx, 'produce', 'lat'), follower: client(ctx, 'follow', 'lat')}
    },
    async stop(ctx) {
      await ctx.server.stop()
    },
  }
}

export function jetstream(data) {
  const client = (ctx, ...args) => ({cmd: NODE, args: [join(HERE, 'nats-client.mjs'), args[0], String(ctx.server.port), ...args.slice(1)]})
  return {
    name: 'jetstream',
    does: {
      produce: 'Node publisher, subject bench.KEY, window of 1000 async acks (file storage)',
      consume: 'Node pull consumer (ephemeral, no acks), batches of 1000 > /dev/null',
      group: '2 × pull from one durable consumer (work queue), explicit ack per message',
      latency: 'paced lines → publish (Node, async acks) → pull consumer (Node, stdout)',
      disk: 'the store dir: stream message blocks, consumer state (du)',
    },
    async start(dir) {
      const store = join(dir, 'nats')
      mkdirSync(store)
      const ctx = {dir, store, server: await startNats(store)}
      await timed(client(ctx, 'setup', 'bench', 'bench', 'work'), client(ctx, 'setup', 'lat', 'lat'))
      return ctx
    },
    async produce(ctx) {
      const r = await timed(client(ctx, 'produce', 'bench', data.linesPath))
      expectCount('jetstream publish', {records: summary(r.results[0]).records}, data)
      return r
    },
    async consume(ctx) {
      const r = await timed({...client(ctx, 'consume', 'bench'), stdout: '/dev/null'})
      expectCount('jetstream pull consumer', summary(r.results[0]), data)
      return r
    },
    async group(ctx) {
      const r = await timed(...[1, 2].map(() => ({...client(ctx, 'work', 'bench', 'work'), stdout: '/dev/null'})))
      const [a, b] = r.results.map(summary)
      expectCount('jetstream work queue', {records: a.records + b.records, bytes: a.bytes + b.bytes}, data)
      return r
    },
    latency(ctx) {
      return {producer: client(ctx, 'produce', 'lat'), follower: client(ctx, 'follow', 'lat')}
    },
    async stop(ctx) {
      await ctx.server.stop()
    },
  }
}
