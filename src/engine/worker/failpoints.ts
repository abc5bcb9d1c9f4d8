// Failpoints (README Guarantees, rules 1-2): SAMSA_FAILPOINTS='[{"op":"write","action":"ENOSPC","path":".log","after":3}]'
// arms storage's FaultyFileIo for every partition of this worker (path: a suffix; pathPattern: a RegExp).
// For crash and fault tests only; a daemon without the variable uses the plain file I/O.
import {createFaultyFileIo, type FaultAction, type FaultOp} from '../../storage/faulty-file-io.js'
import {nodeFileIo, type FileIo} from '../../storage/file-io.js'
import {init, log} from './context.js'

export function failpointIo(): FileIo | undefined {
  const spec = process.env.SAMSA_FAILPOINTS
  if (!spec) return undefined
  try {
    const rules = JSON.parse(spec) as {op: FaultOp; action: FaultAction; path?: string; pathPattern?: string; after?: number; times?: number}[]
    const io = createFaultyFileIo(nodeFileIo)
    for (const r of rules) {
      io.fail({op: r.op, action: r.action, path: r.pathPattern ? new RegExp(r.pathPattern) : r.path, after: r.after, times: r.times})
    }
    log(`failpoints armed: ${spec}`)
    return io
  } catch (err) {
    log(`ignoring SAMSA_FAILPOINTS: ${(err as Error).message}`)
    return undefined
  }
}

// Worker crash failpoint, for the pool's self-healing test only: SAMSA_WORKER_CRASH='{"topic":"boom",
// "action":"throw"|"exit"}' makes the first worker of a slot (generation 0; its replacements are immune)
// die on a produce to that topic, before appending: "throw" raises an uncaught exception on the next turn,
// "exit" calls process.exit(70) at once. Either way that produce is left unanswered. Inert without it.
interface CrashRule {
  topic: string
  action: 'throw' | 'exit'
}

function crashRule(): CrashRule | null {
  const spec = process.env.SAMSA_WORKER_CRASH
  if (!spec || init.generation !== 0) return null
  try {
    const r = JSON.parse(spec) as CrashRule
    if (typeof r.topic !== 'string' || (r.action !== 'throw' && r.action !== 'exit')) throw new Error('needs topic and action throw|exit')
    log(`crash failpoint armed: ${spec}`)
    return r
  } catch (err) {
    log(`ignoring SAMSA_WORKER_CRASH: ${(err as Error).message}`)
    return null
  }
}

export const CRASH: CrashRule | null = crashRule()

// True when this produce must go unanswered because the worker is dying.
export function crashOnProduce(topic: string): boolean {
  if (CRASH === null || CRASH.topic !== topic) return false
  log(`crash failpoint: ${CRASH.action} on a produce to ${topic}`)
  if (CRASH.action === 'exit') process.exit(70)
  setImmediate(() => {
    throw new Error(`crash failpoint: worker ${init.index} dies on a produce to ${topic}`)
  })
  return true
}

// Slow-sync failpoint, for the acks=all timeoutMs test only: SAMSA_SLOW_SYNC='{"topic":"slow","ms":800}'
// blocks the worker thread that long before each group-commit flush of that topic's partitions, as a slow
// fdatasync would. Inert without it.
function slowSyncRule(): {topic: string; ms: number} | null {
  const spec = process.env.SAMSA_SLOW_SYNC
  if (!spec) return null
  try {
    const r = JSON.parse(spec) as {topic: string; ms: number}
    if (typeof r.topic !== 'string' || !Number.isInteger(r.ms) || r.ms < 0) throw new Error('needs topic and ms')
    log(`slow-sync failpoint armed: ${spec}`)
    return r
  } catch (err) {
    log(`ignoring SAMSA_SLOW_SYNC: ${(err as Error).message}`)
    return null
  }
}

export const SLOW_SYNC = slowSyncRule()

export function slowSync(topic: string): void {
  if (SLOW_SYNC === null || SLOW_SYNC.topic !== topic) return
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SLOW_SYNC.ms) // a blocking sleep
}
