// Failpoints, for crash and fault tests only, read once per worker from its environment; a daemon without
// these variables uses the plain file I/O and is never slowed or crashed. Worker thread.
//
// SAMSA_FAILPOINTS='[{"op":"write","action":"ENOSPC","path":".log","after":3}]' (README Guarantees, rules
// 1-2) arms storage's FaultyFileIo for every partition of this worker (path: a suffix; pathPattern: a RegExp).
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

export class Failpoints {
  readonly crash: CrashRule | null
  readonly slow: {topic: string; ms: number} | null
  readonly io: FileIo | undefined // undefined: storage's own file I/O

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly ctx: WorkerContext,
  ) {
    this.crash = this.crashRule(env.SAMSA_WORKER_CRASH)
    this.slow = this.slowSyncRule(env.SAMSA_SLOW_SYNC)
    this.io = this.faultyIo(env.SAMSA_FAILPOINTS)
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

  private faultyIo(spec: string | undefined): FileIo | undefined {
    if (!spec) return undefined
    try {
      const rules = JSON.parse(spec) as {op: FaultOp; action: FaultAction; path?: string; pathPattern?: string; after?: number; times?: number}[]
      const io = createFaultyFileIo(nodeFileIo)
      for (const r of rules) {
        io.fail({op: r.op, action: r.action, path: r.pathPattern ? new RegExp(r.pathPattern) : r.path, after: r.after, times: r.times})
      }
      this.ctx.log(`failpoints armed: ${spec}`)
      return io
    } catch (err) {
      this.ctx.log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
      return undefined
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
