// The pool of partition workers, seen from the main thread: starts N worker threads running
// worker/main.js, sends them WorkerRequests and matches each reply to its promise by id, and passes
// their unsolicited messages (high-watermark announcements, log lines, partitions going offline) to the
// broker. Runs on the main thread.
//
// A worker that dies (an uncaught exception, process.exit inside it) is noticed ('error', then 'exit'): its
// in-flight requests fail with a retriable TIMEOUT (a produce may or may not have been appended), and once
// the thread has really exited (never two writers on a partition) a replacement starts in the same slot and
// the daemon reopens that worker's partitions (onWorkerRestarted; recovery runs in PartitionLog.open).
// A slot that dies more than MAX_RESTARTS times within RESTART_WINDOW_MS stays down: its partitions are
// then offline until the daemon restarts.
//
// Assignment is deterministic: partition p of the topic created k-th (its catalog sequence number) lives on
// worker (k + p) mod N — the partitions of one topic spread over the workers, and a restart with the same N
// gives every partition the same owner. One owner per partition: the single writer rule of DESIGN.md.
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {SamsaError} from '../../errors.js'
import {fromWireError} from '../../wire-error.js'
import type {Tail, WatchMessage, WorkerInit, WorkerMessage, WorkerRequest} from '../worker/messages.js'

export const MAX_WORKERS = 256
export const MAX_RESTARTS = 3
export const RESTART_WINDOW_MS = 60_000

type Outgoing = WorkerRequest extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

interface Slot {
  index: number
  worker: Worker
  generation: number // 0 for the first worker of the slot, +1 per replacement
  pending: Map<number, Pending>
  alive: boolean
  restarts: number[] // when replacements were started, for the crash-loop limit
}

export interface WorkerPoolEvents {
  onHwm: (updates: number[], tails: Tail[] | undefined) => void
  onLog: (line: string) => void
  onOffline: (partitionId: number, message: string) => void
  // A worker died; restarting: a replacement follows (onWorkerRestarted), else its partitions stay offline.
  onWorkerExit: (index: number, reason: string, restarting: boolean) => void
  // The replacement runs and takes requests (queued behind whatever is posted now): reopen its partitions.
  onWorkerRestarted: (index: number) => void
}

export interface WorkerPoolOptions extends WorkerPoolEvents {
  workers?: number
  retentionCheckMs?: number
  tickMs?: number
}

// The compiled worker entry. Under vitest the engine may be loaded from src/*.ts, where no .js exists:
// workers always run the tsc build in dist/.
function workerUrl(): URL {
  const here = import.meta.url
  if (here.endsWith('.ts')) return new URL('../../../dist/engine/worker/main.js', here)
  return new URL('../worker/main.js', here)
}

export class WorkerPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private nextId = 1
  private readonly events: WorkerPoolEvents

  constructor(options: WorkerPoolOptions) {
    // One core is the main thread's (sockets, framing, routing, the fetches it answers itself): on 2 cores,
    // 1 worker instead of 2 is as fast for one producer or consumer, faster for a group of two, and answers
    // a tailing consumer of 4 partitions in one fetch instead of two (README Performance).
    const n = options.workers ?? Math.max(1, availableParallelism() - 1)
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
      throw new SamsaError('USAGE', `--workers must be an integer from 1 to ${MAX_WORKERS}, got ${n}`)
    }
    this.size = n
    this.events = options
    this.retentionCheckMs = options.retentionCheckMs ?? 30_000
    this.tickMs = options.tickMs ?? 1000
    for (let index = 0; index < n; index++) {
      const slot: Slot = {index, worker: null as unknown as Worker, generation: 0, pending: new Map(), alive: true, restarts: []}
      this.startWorker(slot)
      this.slots.push(slot)
    }
  }

  private readonly retentionCheckMs: number
  private readonly tickMs: number
  private stopping = false

  private startWorker(slot: Slot): void {
    const init: WorkerInit = {index: slot.index, generation: slot.generation, retentionCheckMs: this.retentionCheckMs, tickMs: this.tickMs}
    const worker = new Worker(workerUrl(), {workerData: init, name: `samsa-worker-${slot.index}`})
    slot.worker = worker
    slot.alive = true
    // events of a replaced worker are ignored: each handler checks it still is the slot's worker
    worker.on('message', (msg: WorkerMessage) => {
      if (slot.worker === worker) this.onMessage(slot, msg)
    })
    worker.on('error', (err) => {
      if (slot.worker === worker) this.onDeath(slot, `crashed: ${err.stack ?? err.message}`)
    })
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return
      this.onDeath(slot, `exited with code ${code}`)
      this.maybeRestart(slot)
    })
  }

  workerFor(topicSeq: number, partition: number): number {
    return (topicSeq + partition) % this.size
  }

  isAlive(index: number): boolean {
    return this.slots[index]?.alive ?? false
  }

  // Sends one request; resolves with the worker's result. Transferred buffers are detached here.
  request<T>(index: number, msg: Outgoing, transfer?: ArrayBuffer[]): Promise<T> {
    const slot = this.slots[index]
    if (!slot || !slot.alive) {
      if (slot && this.willRestart(slot)) {
        return Promise.reject(new SamsaError('TIMEOUT', `worker ${index} is being replaced after it died; retry`))
      }
      return Promise.reject(new SamsaError('PARTITION_OFFLINE', `worker ${index} is not running; its partitions are offline until restart`))
    }
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, {resolve: resolve as (v: unknown) => void, reject})
      slot.worker.postMessage({...msg, id}, transfer ?? [])
    })
  }

  // A message with no reply (watch): dropped when the worker is gone.
  post(index: number, msg: WatchMessage): void {
    const slot = this.slots[index]
    if (slot?.alive) slot.worker.postMessage(msg)
  }

  // Sends the same request to every live worker.
  broadcast<T>(msg: Outgoing): Promise<T[]> {
    return Promise.all(this.slots.filter((s) => s.alive).map((s) => this.request<T>(s.index, msg)))
  }

  // Asks every worker to flush and close its partitions, then ends the threads. A worker that does not
  // answer within timeoutMs is terminated anyway (its partitions then recover on the next start).
  async shutdown(timeoutMs = 60_000): Promise<void> {
    this.stopping = true
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.alive) {
          let timer: NodeJS.Timeout | undefined
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              this.events.onLog(`worker ${slot.index} did not close its partitions within ${timeoutMs} ms; terminating it`)
              resolve()
            }, timeoutMs)
          })
          await Promise.race([this.request(slot.index, {type: 'shutdown'}).catch(() => undefined), timeout])
          clearTimeout(timer)
        }
        slot.alive = false
        await slot.worker.terminate()
      }),
    )
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'reply': {
        const p = slot.pending.get(msg.id)
        if (!p) return
        slot.pending.delete(msg.id)
        if (msg.error) p.reject(fromWireError(msg.error))
        else p.resolve(msg.result)
        return
      }
      case 'hwm':
        return this.events.onHwm(msg.updates, msg.tails)
      case 'log':
        return this.events.onLog(msg.line)
      case 'offline':
        return this.events.onOffline(msg.partition, msg.message)
    }
  }

  // First of 'error' / 'exit': fail what is in flight (retriable: the worker is replaced), tell the daemon.
  private onDeath(slot: Slot, reason: string): void {
    if (!slot.alive) return
    slot.alive = false
    const restarting = this.willRestart(slot)
    const err = restarting
      ? new SamsaError('TIMEOUT', `worker ${slot.index} ${reason}; the request may or may not have been applied; retry`)
      : new SamsaError('PARTITION_OFFLINE', `worker ${slot.index} ${reason}`)
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    this.events.onWorkerExit(slot.index, reason, restarting)
  }

  private willRestart(slot: Slot): boolean {
    if (this.stopping) return false
    const now = Date.now()
    return slot.restarts.filter((t) => now - t < RESTART_WINDOW_MS).length < MAX_RESTARTS
  }

  // On 'exit' only: the dead thread has stopped, so the replacement is the partitions' only writer.
  private maybeRestart(slot: Slot): void {
    if (!this.willRestart(slot)) return
    const now = Date.now()
    slot.restarts = slot.restarts.filter((t) => now - t < RESTART_WINDOW_MS)
    slot.restarts.push(now)
    slot.generation++
    try {
      this.startWorker(slot)
    } catch (err) {
      slot.alive = false
      this.events.onLog(`worker ${slot.index}: could not start a replacement: ${(err as Error).message}`)
      return
    }
    this.events.onWorkerRestarted(slot.index)
  }
}
