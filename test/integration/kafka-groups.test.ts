// Consumer groups of real Kafka clients on a real samsa daemon: kcat -G (librdkafka 2.0.2's balanced
// consumer) and a kafkajs 2.2.4 consumer group of two members, on samsa's one group coordinator — their
// members, partitions, committed offsets and lag are what `samsa group describe` shows, and their commits
// survive a daemon restart.
import {spawn, execFile} from 'node:child_process'
import {promisify} from 'node:util'
import kafkajs from 'kafkajs'
import LZ4Codec from 'kafkajs-lz4'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lines, samsa, spawnDaemon, stopDaemon, waitFor, type DaemonProcess} from '../support/index.js'
import {startKafkaDaemon, stopKafkaDaemon} from './kafka-daemon.js'

const {Kafka, logLevel, CompressionCodecs, CompressionTypes} = kafkajs
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec // samsa's CLI produces LZ4
const exec = promisify(execFile)

let d: DaemonProcess
let broker: string

beforeAll(async () => ({d, broker} = await startKafkaDaemon()))
afterAll(() => stopKafkaDaemon(d))

async function cli(args: string[], input?: string): Promise<string> {
  const r = await samsa(d.dataDir, args, input === undefined ? {} : {input})
  expect(r.code, `samsa ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

interface Described {
  type: string
  state: string
  members: {memberId: string; clientId: string; assignment: {topic: string; partition: number}[]}[]
  partitions: {partition: number; currentOffset: number; logEndOffset: number; lag: number; memberId: string}[]
  totalLag: number
}

async function describeGroup(group: string): Promise<Described | null> {
  const r = await samsa(d.dataDir, ['group', 'describe', group, '--json'])
  return r.code === 0 ? JSON.parse(r.stdout) : null
}

async function produceEach(topic: string, partitions: number, from: number, count: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const values = Array.from({length: count}, (_, i) => `p${p}-${from + i}`)
    await cli(['produce', topic, '--partition', String(p)], values.join('\n') + '\n')
  }
}

describe('kcat -G', () => {
  // from the committed offsets (-o would override them), else from the start; -u: unbuffered output
  const kcatGroup = ['-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-q', '-u', '-f', '%p %o %s\\n', 'kcg']

  it('consumes with commits: samsa group describe shows the member while it runs, then its offsets and lag; a second run reads only what is new', async () => {
    await cli(['topic', 'create', 'kcg', '--partitions', '3'])
    await produceEach('kcg', 3, 0, 10)
    // -e: exit once every assigned partition is at its end; librdkafka commits on close
    const first = await exec('kcat', ['-b', broker, ...kcatGroup.slice(0, 2), '-e', ...kcatGroup.slice(2)], {timeout: 60_000})
    expect(lines(first.stdout).sort()).toEqual(Array.from({length: 3}, (_, p) => Array.from({length: 10}, (_, i) => `${p} ${i} p${p}-${i}`)).flat().sort())
    let g = (await describeGroup('kcat-group'))!
    expect(g).toMatchObject({state: 'Empty', totalLag: 0, members: []})
    expect(g.partitions.map((p) => [p.partition, p.currentOffset])).toEqual([[0, 10], [1, 10], [2, 10]])

    await produceEach('kcg', 1, 10, 5) // partition 0 only
    g = (await describeGroup('kcat-group'))!
    expect(g.totalLag).toBe(5)
    expect(g.partitions[0]).toMatchObject({currentOffset: 10, logEndOffset: 15, lag: 5})

    // a kcat that keeps running is a member: samsa sees it own every partition, and catch up
    const running = spawn('kcat', ['-b', broker, ...kcatGroup], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    running.stdout.on('data', (b) => (out += b))
    const exited = new Promise((resolve) => running.on('close', resolve))
    try {
      await waitFor(() => lines(out).length === 5, 30_000, 'the 5 new records')
      expect(lines(out)).toEqual([10, 11, 12, 13, 14].map((o) => `0 ${o} p0-${o}`))
      await waitFor(async () => (await describeGroup('kcat-group'))?.totalLag === 0, 30_000, 'its commit (auto-commit every 5 s)')
      g = (await describeGroup('kcat-group'))!
      expect(g).toMatchObject({type: 'classic', state: 'Stable'})
      expect(g.members).toHaveLength(1)
      expect(g.members[0]!.clientId).toBe('rdkafka')
      expect(g.partitions.map((p) => p.memberId)).toEqual([g.members[0]!.memberId, g.members[0]!.memberId, g.members[0]!.memberId])
    } finally {
      running.kill('SIGTERM') // kcat closes its consumer: a last commit, then LeaveGroup
      await exited
    }
    await waitFor(async () => (await describeGroup('kcat-group'))?.state === 'Empty', 20_000, 'kcat to leave')
  })
})

describe('kafkajs', () => {
  type Consumer = ReturnType<InstanceType<typeof Kafka>['consumer']>
  interface Seen {
    member: number
    partition: number
    value: string
  }

  function consumer(k: InstanceType<typeof Kafka>, member: number, seen: Seen[]): {c: Consumer; start: () => Promise<void>} {
    // short heartbeats and long polls so that rebalances (learnt through Heartbeat) are quick
    const c = k.consumer({groupId: 'kjs-group', heartbeatInterval: 300, maxWaitTimeInMs: 300, sessionTimeout: 10_000, rebalanceTimeout: 20_000})
    const start = async (): Promise<void> => {
      await c.connect()
      await c.subscribe({topic: 'kjs-g', fromBeginning: true})
      await c.run({eachMessage: async ({partition, message}) => void seen.push({member, partition, value: message.value!.toString()})})
    }
    return {c, start}
  }

  const owners = (g: Described | null): number[][] => (g?.members ?? []).map((m) => m.assignment.map((a) => a.partition).sort())

  it('two members share the partitions (each read by one), the one left takes them all, and the commits survive a daemon restart', async () => {
    await cli(['topic', 'create', 'kjs-g', '--partitions', '4'])
    const k = new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING})
    const seen: Seen[] = []
    const one = consumer(k, 1, seen)
    const two = consumer(k, 2, seen)
    try {
      await one.start()
      await two.start()
      await waitFor(async () => {
        const g = await describeGroup('kjs-group')
        return g?.state === 'Stable' && owners(g).length === 2 && owners(g).every((ps) => ps.length === 2)
      }, 60_000, 'both members to own two partitions each')
      const shared = (await describeGroup('kjs-group'))!
      expect(shared.type).toBe('classic')
      expect(owners(shared).flat().sort()).toEqual([0, 1, 2, 3])

      await produceEach('kjs-g', 4, 0, 10)
      await waitFor(() => seen.length >= 40, 30_000, '40 records')
      // each record once, and each partition read by exactly one member
      expect(seen.map((s) => s.value).sort()).toEqual(Array.from({length: 4}, (_, p) => Array.from({length: 10}, (_, i) => `p${p}-${i}`)).flat().sort())
      for (const p of [0, 1, 2, 3]) expect(new Set(seen.filter((s) => s.partition === p).map((s) => s.member)).size).toBe(1)
      expect(new Set(seen.map((s) => s.member))).toEqual(new Set([1, 2]))

      // member two leaves (LeaveGroup): member one rebalances into owning all four, from the commits
      await two.c.disconnect()
      await waitFor(async () => JSON.stringify(owners(await describeGroup('kjs-group'))) === '[[0,1,2,3]]', 60_000, 'one member owning every partition')
      await produceEach('kjs-g', 4, 10, 5)
      await waitFor(() => seen.length >= 60, 30_000, '20 more records')
      const later = seen.slice(40)
      expect(later.every((s) => s.member === 1)).toBe(true)
      expect(later.map((s) => s.value).sort()).toEqual(Array.from({length: 4}, (_, p) => Array.from({length: 5}, (_, i) => `p${p}-${10 + i}`)).flat().sort())
    } finally {
      await one.c.disconnect()
      await two.c.disconnect()
    }
    const left = (await describeGroup('kjs-group'))!
    expect(left).toMatchObject({state: 'Empty', totalLag: 0})
    expect(left.partitions.map((p) => p.currentOffset)).toEqual([15, 15, 15, 15])

    // a restart: the commits are still there for samsa, for kafkajs's admin, and for a new member
    await stopDaemon(d)
    d = await spawnDaemon(d.dataDir, {kafka: true})
    broker = `127.0.0.1:${d.kafkaPort()}`
    expect((await describeGroup('kjs-group'))!.partitions.map((p) => p.currentOffset)).toEqual([15, 15, 15, 15])
    const k2 = new Kafka({clientId: 'kafkajs', brokers: [broker], logLevel: logLevel.NOTHING})
    const admin = k2.admin()
    await admin.connect()
    try {
      const fetched = await admin.fetchOffsets({groupId: 'kjs-group', topics: ['kjs-g']})
      expect(fetched[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '15'], [1, '15'], [2, '15'], [3, '15']])
    } finally {
      await admin.disconnect()
    }
    await produceEach('kjs-g', 4, 15, 1)
    const after: Seen[] = []
    const three = consumer(k2, 3, after)
    try {
      await three.start()
      await waitFor(() => after.length >= 4, 60_000, 'the 4 records produced after the restart')
      await new Promise((r) => setTimeout(r, 500))
      expect(after.map((s) => s.value).sort()).toEqual(['p0-15', 'p1-15', 'p2-15', 'p3-15']) // fromBeginning, yet nothing old
    } finally {
      await three.c.disconnect()
    }
  })
})
