// Keeping a partition's producer state (producer-state.ts) across restarts, kill -9 included: snapshot
// files, and the rebuild on open from the newest snapshot plus the batches after it (Kafka's
// ProducerStateManager snapshots and UnifiedLog.rebuildProducerState).
//
// File: `<20-digit offset>.snapshot` in the partition directory, the state after every batch below that
// offset. Big-endian, CRC-32C-framed (Kafka's own snapshot layout, with all retained batches per producer
// rather than only the last, so a retry of a multi-batch request is still recognised after a restart):
//   version int16 (1) | crc uint32 (CRC-32C of everything after it) | producerCount int32
//   per producer: producerId int64 | epoch int16 | lastSeen int64 (broker ms) | batchCount int8
//     per batch:  firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64
// Written by README Guarantees, rule 5 (writeFileDurably: .tmp → fdatasync → rename → fsync dir).
//
// When: with the recovery-point checkpoint (LocalLog.writeRecoveryPoint: at a roll, a rate-limited flush,
// a clean close, after recovery), at the log end, which is then durable — and FIRST, so that this holds:
//   invariant: a snapshot at or above the recovery-point checkpoint exists whenever the state at that
//   checkpoint is not empty. A state that is empty leaves no snapshot (its older ones are removed), so a
//   partition no idempotent producer writes to never pays for a snapshot.
// Rebuild on open (loadProducerState, a pass of log-loader.ts): the newest readable snapshot at or below
// the log end (ones above it, left by a truncated tail, are removed), else the empty state at the
// recovery-point checkpoint (by the invariant; or the log's first offset when there is none, or when a
// damaged snapshot says the state was not empty: a whole scan of headers, rare); then the
// batch headers from there to the log end. After a clean stop that is nothing to read; after kill -9 it
// is the tail recovery re-validates anyway (the unflushed data), read again header by header. Producers
// found in that tail count as seen at open (their batches' own timestamps are the producer's choice).
// Owner: the partition's worker thread (through LocalLog and the loader).

import {join} from 'node:path'
import {nextSequence} from '../format/batch-header.js'
import {crc32c} from '../format/crc32c.js'
import {BatchScanner, isProblem} from './batch-scanner.js'
import {writeFileDurably} from './checkpoint.js'
import {describeIoError, type FileIo} from './file-io.js'
import {filenamePrefixFromOffset, SNAPSHOT_SUFFIX} from './file-names.js'
import type {LogSegment} from './log-segment.js'
import {ProducerStateManager, RETAINED_BATCHES, type ProducerEntry} from './producer-state.js'

const VERSION = 1
const HEADER = 2 + 4 + 4
const PRODUCER = 8 + 2 + 8 + 1
const BATCH = 4 + 4 + 8 + 8
// headers only: a window this size reads each large batch's first bytes, and small batches a window at a time
const HEADER_WINDOW = 4096
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/

export function snapshotPath(dir: string, offset: number): string {
  return join(dir, filenamePrefixFromOffset(offset) + SNAPSHOT_SUFFIX)
}

/** Offsets of the snapshot files in `dir`, ascending. */
export function listSnapshots(dir: string, io: FileIo): number[] {
  const offsets: number[] = []
  for (const name of io.readdir(dir)) {
    const m = SNAPSHOT_NAME.exec(name)
    if (m) offsets.push(Number(m[1]))
  }
  return offsets.sort((a, b) => a - b)
}

export function encodeSnapshot(state: ProducerStateManager): Buffer {
  let size = HEADER
  for (const e of state.all()) size += PRODUCER + e.batches.length * BATCH
  const buf = Buffer.alloc(size)
  buf.writeInt16BE(VERSION, 0)
  buf.writeInt32BE(state.size, 6)
  let p = HEADER
  for (const e of state.all()) {
    p = writeLong(buf, p, e.producerId)
    buf.writeInt16BE(e.epoch, p)
    p = writeLong(buf, p + 2, e.lastSeen)
    buf.writeInt8(e.batches.length, p++)
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, p)
      buf.writeInt32BE(b.lastSeq, p + 4)
      p = writeLong(buf, writeLong(buf, p + 8, b.firstOffset), b.lastOffset)
    }
  }
  buf.writeUInt32BE(crc32c(buf, 6, size), 2)
  return buf
}

/** The entries of a snapshot, or a description of what is wrong with it. */
export function decodeSnapshot(buf: Buffer): ProducerEntry[] | string {
  if (buf.length < HEADER) return `${buf.length} bytes, shorter than its header`
  if (buf.readInt16BE(0) !== VERSION) return `version ${buf.readInt16BE(0)}, expected ${VERSION}`
  if (buf.readUInt32BE(2) !== crc32c(buf, 6, buf.length)) return 'CRC-32C mismatch'
  const count = buf.readInt32BE(6)
  const entries: ProducerEntry[] = []
  let p = HEADER
  for (let i = 0; i < count; i++) {
    if (p + PRODUCER > buf.length) return `ends inside producer ${i} of ${count}`
    const producerId = Number(buf.readBigInt64BE(p))
    const epoch = buf.readInt16BE(p + 8)
    const lastSeen = Number(buf.readBigInt64BE(p + 10))
    const n = buf.readInt8(p + 18)
    p += PRODUCER
    if (n < 1 || n > RETAINED_BATCHES || p + n * BATCH > buf.length) return `producer ${producerId} claims ${n} batches`
    const batches = []
    for (let j = 0; j < n; j++, p += BATCH) {
      batches.push({firstSeq: buf.readInt32BE(p), lastSeq: buf.readInt32BE(p + 4), firstOffset: Number(buf.readBigInt64BE(p + 8)), lastOffset: Number(buf.readBigInt64BE(p + 16))})
    }
    entries.push({producerId, epoch, lastSeen, batches})
  }
  if (p !== buf.length) return `${buf.length - p} bytes after the last producer`
  return entries
}

/**
 * Writes the state at `offset` (the log end, durable), then removes every other snapshot; with an empty
 * state only removes them (see the invariant). Returns the snapshot offsets now on disk. Throws as it fails.
 */
export function writeSnapshot(dir: string, io: FileIo, state: ProducerStateManager, offset: number, existing: readonly number[]): number[] {
  if (state.size > 0) writeFileDurably(snapshotPath(dir, offset), encodeSnapshot(state), io)
  // an older snapshot left behind by a failed unlink is harmless: the newest one wins on open
  for (const o of existing) if (o !== offset || state.size === 0) io.unlink(snapshotPath(dir, o))
  return state.size > 0 ? [offset] : []
}

export interface ProducerStateLoad {
  dir: string
  io: FileIo
  segments: readonly LogSegment[]
  logEndOffset: number
  /** Where the state is empty when no snapshot is found: the recovery-point checkpoint, or null. */
  emptyAt: number | null
  now: number
  expirationMs: number
  say: (line: string) => void
}

/** The producer state at the log end, and the snapshot offsets left on disk (see the header). */
export function loadProducerState(o: ProducerStateLoad): {state: ProducerStateManager; snapshots: number[]} {
  const state = new ProducerStateManager()
  const kept: number[] = []
  let from = -1
  let damaged = false // a snapshot was there: the state was not empty where it was taken
  const snapshots = listSnapshots(o.dir, o.io)
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const offset = snapshots[i]!
    const path = snapshotPath(o.dir, offset)
    if (offset > o.logEndOffset) {
      o.io.unlink(path)
      o.say(`removed ${path}: above the log end ${o.logEndOffset}`)
      continue
    }
    if (from >= 0) {
      kept.push(offset) // older than the one in use; removed with the next snapshot
      continue
    }
    let read: ProducerEntry[] | string
    try {
      const buf = o.io.readFile(path)
      read = buf === null ? 'gone' : decodeSnapshot(buf)
    } catch (err) {
      read = describeIoError(err)
    }
    if (typeof read === 'string') {
      o.io.unlink(path)
      o.say(`${path} unreadable (${read}): removed; rebuilding the producer state from an older point`)
      damaged = true
      continue
    }
    for (const e of read) state.restore(e)
    from = offset
    kept.push(offset)
  }
  const first = o.segments[0]!.baseOffset
  if (from < 0) from = Math.min(Math.max((damaged ? null : o.emptyAt) ?? first, first), o.logEndOffset)
  scanHeaders(o.segments, from, o.logEndOffset, state, o.now)
  state.expire(o.now, o.expirationMs)
  return {state, snapshots: kept.sort((a, b) => a - b)}
}

/** Adds the idempotent batches in [from, end) to the state, reading headers only. */
function scanHeaders(segments: readonly LogSegment[], from: number, end: number, state: ProducerStateManager, now: number): void {
  if (from >= end) return
  let i = 0
  for (let k = 0; k < segments.length; k++) if (segments[k]!.baseOffset <= from) i = k
  for (; i < segments.length; i++) {
    const seg = segments[i]!
    if (seg.size === 0) continue
    const start = seg.baseOffset >= from ? 0 : (seg.translateOffset(from)?.position ?? seg.size)
    const scanner = new BatchScanner(seg.logFile(), start, seg.size, HEADER_WINDOW)
    for (;;) {
      const b = scanner.peek()
      if (b === null || isProblem(b) || b.baseOffset >= end) break // recovery stopped the log at any problem
      if (b.producerId >= 0 && b.baseOffset >= from) {
        const lastSeq = nextSequence(b.baseSequence, b.lastOffset - b.baseOffset)
        state.record(b.producerId, b.producerEpoch, {firstSeq: b.baseSequence, lastSeq, firstOffset: b.baseOffset, lastOffset: b.lastOffset}, now)
      }
      scanner.advance()
    }
  }
}

function writeLong(buf: Buffer, p: number, value: number): number {
  buf.writeBigInt64BE(BigInt(value), p)
  return p + 8
}
