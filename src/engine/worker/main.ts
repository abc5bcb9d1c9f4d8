// The partition worker: the entry of each worker thread in the daemon's pool (worker-pool.ts starts it).
// It owns the PartitionLogs assigned to it — the only writer of those partitions, so appends, reads,
// retention and rolls of a partition never race — and answers WorkerRequests from the main thread.
// This file only dispatches; the pieces live in worker/: state.ts (owned partitions, replies, offline
// rule), produce.ts (validation, append, acks=all group commit), reads.ts (fetch, list offsets, delete
// records), partitions.ts (open, close, config, shutdown), timers.ts (flush.ms, segment.ms, retention),
// announce.ts (high-watermark messages), failpoints.ts (SAMSA_FAILPOINTS).
//
// Imports only storage, format, errors, worker-messages and worker/ (checked by dependency-cruiser), so a
// worker thread never loads socket or CLI code.
// A storage error takes that partition offline until restart; the worker's other partitions keep working.
import {parentPort} from 'node:worker_threads'
import type {WatchMessage, WorkerRequest} from './messages.js'
import {failpointIo} from './failpoints.js'
import {close, open, shutdown, updateConfig, watch} from './partitions.js'
import {produce} from './produce.js'
import {deleteRecords, fetch, listOffsets} from './reads.js'
import {owned, reply, replyError, stats, type Owned} from './context.js'

const io = failpointIo()

parentPort!.on('message', (msg: WorkerRequest | WatchMessage) => {
  try {
    switch (msg.type) {
      case 'watch':
        return watch(msg)
      case 'produce':
        return produce(msg)
      case 'fetch':
        return fetch(msg)
      case 'open':
        return reply(msg.id, open(msg.partitions, io))
      case 'close':
        close(msg.partitions, msg.destroy)
        return reply(msg.id, null)
      case 'listOffsets':
        return reply(msg.id, listOffsets(msg.partitions))
      case 'deleteRecords':
        return reply(msg.id, deleteRecords(msg.partitions))
      case 'stats': {
        const ids = msg.partitions ?? [...owned.keys()]
        const list = ids.map((id) => owned.get(id)).filter((p): p is Owned => p !== undefined)
        return reply(msg.id, {partitions: list.map(stats)})
      }
      case 'updateConfig':
        updateConfig(msg.partitions, msg.config)
        return reply(msg.id, null)
      case 'shutdown':
        return reply(msg.id, shutdown())
    }
  } catch (err) {
    replyError((msg as {id: number}).id, err)
  }
})
