// The pool of partition workers, seen from the main thread: starts N worker threads running
// partition-worker.js, sends them WorkerRequests and matches each reply to its promise by id, and passes
// their unsolicited messages (high-watermark announcements, log lines, partitions going offline) to the
// daemon. Runs on the main thread.
//
// Assignment is deterministic: partition p of the topic created k-th (its catalog sequence number) lives on
// worker (k + p) mod N — the partitions of one topic spread over the workers, and a restart with the same N
// gives every partition the same owner. One owner per partition: the single writer rule of DESIGN.md.
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {SamsaError, type ErrorCode, ERROR_KINDS} from '../errors.js'
import type {Tail, WatchMessage, WireErrorLike, WorkerInit, WorkerMessage, WorkerRequest} from './worker-messages.js'

export const MAX_WORKERS = 256

type Outgoing = WorkerRequest extends infer R ? (R extends {id: number} ? Omit<R, 'id'> : never) : never

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

interface Slot {
  index: number
  worker: Worker
  pending: Map<number, Pending>
  alive: boolean
}

export interface WorkerPoolEvents {
  onHwm: (updates: number[], tails: Tail[] | undefined) => void
  onLog: (line: string) => void
  onOffline: (partitionId: number, message: string) => void
  onWorkerExit: (index: number, reason: string) => void
}

export interface WorkerPoolOptions extends WorkerPoolEvents {
  workers?: number
  retentionCheckMs?: number
  tickMs?: number
}

export function fromWire(e: WireErrorLike): SamsaError {
  const code = (Object.hasOwn(ERROR_KINDS, e.code) ? e.code : 'INTERNAL') as ErrorCode
  return new SamsaError(code, e.message)
}

// The compiled worker entry. Under vitest the engine may be loaded from src/*.ts, where no .js exists:
// workers always run the tsc build in dist/.
function workerUrl(): URL {
  const here = import.meta.url
  if (here.endsWith('.ts')) return new URL('../../dist/engine/partition-worker.js', here)
  return new URL('./partition-worker.js', here)
}

export class WorkerPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private nextId = 1
  private readonly events: WorkerPoolEvents

  constructor(options: WorkerPoolOptions) {
    const n = options.workers ?? availableParallelism()
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
      throw new SamsaError('USAGE', `--workers must be an integer from 1 to ${MAX_WORKERS}, got ${n}`)
    }
    this.size = n
    this.events = options
    for (let index = 0; index < n; index++) {
      const init: WorkerInit = {index, retentionCheckMs: options.retentionCheckMs ?? 30_000, tickMs: options.tickMs ?? 1000}
      const worker = new Worker(workerUrl(), {workerData: init, name: `samsa-worker-${index}`})
      const slot: Slot = {index, worker, pending: new Map(), alive: true}
      worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg))
      worker.on('error', (err) => this.onDeath(slot, `crashed: ${err.stack ?? err.message}`))
      worker.on('exit', (code) => this.onDeath(slot, `exited with code ${code}`))
      this.slots.push(slot)
    }
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
        if (msg.error) p.reject(fromWire(msg.error))
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

  private onDeath(slot: Slot, reason: string): void {
    const wasAlive = slot.alive
    slot.alive = false
    const err = new SamsaError('PARTITION_OFFLINE', `worker ${slot.index} ${reason}`)
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    if (wasAlive) this.events.onWorkerExit(slot.index, reason)
  }
}
