// Failpoints, for crash and fault tests only, read once per worker from its environment; a daemon without
// these variables uses the plain file I/O and is never slowed or crashed. Worker thread.
//
// SAMSA_FAILPOINTS='[{"op":"write","action":"ENOSPC","path":".log","after":3}]' (README Guarantees, rules
// 1-2) arms storage's FaultyFileIo for every partition of this worker (path: a suffix; pathPattern: a RegExp).
// In the same list, a named point of the produce path: {"point":"after-write-before-ack","action":"kill",
// "topic":"t","after":N} kills the whole daemon (SIGKILL, as kill -9) once a produce to topic t (any topic
// when absent) has been written to its segment file, before it is answered — after letting N such produces
// through. The crash an idempotent producer's retry must survive without a duplicate.
//
// SAMSA_WORKER_CRASH='{"topic":"boom","action":"throw"|"exit"}', for the pool's self-healing test: the first
// worker of a slot (generation 0; its replacements are immune) dies on a produce to that topic, before
// appending: "throw" raises an uncaught exception on the next turn, "exit" calls process.exit(70) at once.
// Either way that produce is left unanswered.
//
// SAMSA_SLOW_SYNC='{"topic":"slow","ms":800}', for the acks=all timeoutMs test: blocks the worker thread
// that long before each group-commit flush of that topic's partitions, as a slow fdatasync would.
import {createFaultyFileIo, type FaultAction, type FaultOp} from '../../storage/faulty-file-io.js'
import {nodeFileIo, type FileIo} from '../../storage/file-io.js'
import type {WorkerContext} from './context.js'

interface CrashRule {
  topic: string
  action: 'throw' | 'exit'
}

interface PointRule {
  point: 'after-write-before-ack'
  action: 'kill'
  topic?: string
  after: number // matching produces let through first
}

export class Failpoints {
  readonly crash: CrashRule | null
  readonly slow: {topic: string; ms: number} | null
  readonly io: FileIo | undefined // undefined: storage's own file I/O
  readonly afterWrite: PointRule | null // the after-write-before-ack point, when armed

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly ctx: WorkerContext,
  ) {
    this.crash = this.crashRule(env.SAMSA_WORKER_CRASH)
    this.slow = this.slowSyncRule(env.SAMSA_SLOW_SYNC)
    const {io, points} = this.parseFailpoints(env.SAMSA_FAILPOINTS)
    this.io = io
    this.afterWrite = points.find((p) => p.point === 'after-write-before-ack') ?? null
  }

  // A produce to `topic` was written, not yet answered: the after-write-before-ack point may kill here.
  written(topic: string): void {
    const rule = this.afterWrite!
    if (rule.topic !== undefined && rule.topic !== topic) return
    if (rule.after-- > 0) return
    this.ctx.log(`failpoint after-write-before-ack: killing the daemon after a write to ${topic}`)
    process.kill(process.pid, 'SIGKILL')
  }

  // True when this produce must go unanswered because the worker is dying.
  crashOnProduce(topic: string): boolean {
    const crash = this.crash
    if (crash === null || crash.topic !== topic) return false
    this.ctx.log(`crash failpoint: ${crash.action} on a produce to ${topic}`)
    if (crash.action === 'exit') process.exit(70)
    setImmediate(() => {
      throw new Error(`crash failpoint: worker ${this.ctx.init.index} dies on a produce to ${topic}`)
    })
    return true
  }

  slowSync(topic: string): void {
    if (this.slow === null || this.slow.topic !== topic) return
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.slow.ms) // a blocking sleep
  }

  private parseFailpoints(spec: string | undefined): {io: FileIo | undefined; points: PointRule[]} {
    if (!spec) return {io: undefined, points: []}
    try {
      type Rule = {op?: FaultOp; point?: string; action: string; path?: string; pathPattern?: string; topic?: string; after?: number; times?: number}
      const rules = JSON.parse(spec) as Rule[]
      const points: PointRule[] = []
      let io: ReturnType<typeof createFaultyFileIo> | undefined
      for (const r of rules) {
        if (r.point !== undefined) {
          if (r.point !== 'after-write-before-ack' || r.action !== 'kill') throw new Error(`unknown point ${r.point} with action ${r.action}`)
          points.push({point: r.point, action: 'kill', topic: r.topic, after: r.after ?? 0})
          continue
        }
        io ??= createFaultyFileIo(nodeFileIo)
        io.fail({op: r.op!, action: r.action as FaultAction, path: r.pathPattern ? new RegExp(r.pathPattern) : r.path, after: r.after, times: r.times})
      }
      this.ctx.log(`failpoints armed: ${spec}`)
      return {io, points}
    } catch (err) {
      this.ctx.log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
      return {io: undefined, points: []}
    }
  }

  private crashRule(spec: string | undefined): CrashRule | null {
    if (!spec || this.ctx.init.generation !== 0) return null
    try {
      const r = JSON.parse(spec) as CrashRule
      if (typeof r.topic !== 'string' || (r.action !== 'throw' && r.action !== 'exit')) throw new Error('needs topic and action throw|exit')
      this.ctx.log(`crash failpoint armed: ${spec}`)
      return r
    } catch (err) {
      this.ctx.log(`ignoring SAMSA_WORKER_CRASH: ${(err as Error).message}`)
      return null
    }
  }

  private slowSyncRule(spec: string | undefined): {topic: string; ms: number} | null {
    if (!spec) return null
    try {
      const r = JSON.parse(spec) as {topic: string; ms: number}
      if (typeof r.topic !== 'string' || !Number.isInteger(r.ms) || r.ms < 0) throw new Error('needs topic and ms')
      this.ctx.log(`slow-sync failpoint armed: ${spec}`)
      return r
    } catch (err) {
      this.ctx.log(`ignoring SAMSA_SLOW_SYNC: ${(err as Error).message}`)
      return null
    }
  }
}
