// The entry of each worker thread in the daemon's pool (broker/worker-pool.ts starts dist/engine/worker/
// main.js): the one place that reads the thread's parentPort and workerData, builds a PartitionWorker
// around them and hands it every message from the main thread. Worker thread.
//
// Imports only storage, format, the shared modules beside errors.ts and worker/ (checked by
// dependency-cruiser), so a worker thread never loads socket or CLI code.
import {parentPort, workerData} from 'node:worker_threads'
import type {WatchMessage, WorkerInit, WorkerRequest} from './messages.js'
import {PartitionWorker} from './partition-worker.js'

const port = parentPort!
const worker = new PartitionWorker(port, workerData as WorkerInit, process.env)
port.on('message', (msg: WorkerRequest | WatchMessage) => worker.handle(msg))
