// Failpoints, for crash and fault tests only, read once per worker from its environment; a daemon without
// these variables uses the plain file I/O and is never slowed or crashed. Worker thread.
//
// SAMSA_FAILPOINTS (README Guarantees; the registry of named points and the rule syntax: storage/
// failpoints.ts) arms storage's FaultyFileIo for every partition of this worker, and the produce points,
// acted on here: after-write-before-ack (appended, before it is answered or group-committed) and before-ack
// (just before the answer: for acks=all after the group commit's fsync) kill the whole daemon (SIGKILL, as
// kill -9) or block the thread, once a produce to `topic` (any topic when absent) reaches them — after
// letting `after` such produces through. The crash an idempotent producer's retry must survive without a
// duplicate, and the crash between a durable write and its acknowledgement.
//
// SAMSA_WORKER_CRASH='{"topic":"boom","action":"throw"|"exit"}', for the pool's self-healing test: the first
// worker of a slot (generation 0; its replacements are immune) dies on a produce to that topic, before
// appending: "throw" raises an uncaught exception on the next turn, "exit" calls process.exit(70) at once.
// Either way that produce is left unanswered.
//
// SAMSA_SLOW_SYNC='{"topic":"slow","ms":800}', for the acks=all timeoutMs test: blocks the worker thread
// that long before each group-commit flush of that topic's partitions, as a slow fdatasync would.
import {writeSync} from 'node:fs'
import {armFailpoints, type ProducePointName, type ProducePointRule} from '../../storage/failpoints.js'
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
  readonly afterWrite: ProducePointRule | null // the after-write-before-ack point, when armed
  readonly beforeAck: ProducePointRule | null // the before-ack point, when armed

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly ctx: WorkerContext,
  ) {
    this.crash = this.crashRule(env.SAMSA_WORKER_CRASH)
    this.slow = this.slowSyncRule(env.SAMSA_SLOW_SYNC)
    let armed: ReturnType<typeof armFailpoints> = {io: undefined, produce: []}
    try {
      armed = armFailpoints(env.SAMSA_FAILPOINTS, nodeFileIo, (line) => ctx.log(line))
      if (env.SAMSA_FAILPOINTS) ctx.log(`failpoints armed: ${env.SAMSA_FAILPOINTS}`)
    } catch (err) {
      ctx.log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
    }
    this.io = armed.io
    const produce = (name: ProducePointName) => armed.produce.find((p) => p.point === name) ?? null
    this.afterWrite = produce('after-write-before-ack')
    this.beforeAck = produce('before-ack')
  }

  // A produce to `topic` reached the produce point `rule` (afterWrite or beforeAck): it may kill or sleep here.
  reached(rule: ProducePointRule, topic: string): void {
    if (rule.topic !== undefined && rule.topic !== topic) return
    if (rule.after-- > 0) return
    const line = `failpoint ${rule.point}: ${rule.action} on a produce to ${topic}`
    if (rule.action === 'kill') {
      writeSync(2, `${line}\n`) // synchronously: the process is gone a moment later
      process.kill(process.pid, 'SIGKILL')
    }
    this.ctx.log(line)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, rule.ms) // a blocking sleep
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
