// Small metadata files, written by README Guarantees, rule 5: `name.tmp` → write all → fdatasync → close →
// rename over `name` → fsync the directory. A crash at any step leaves either the old or the new file
// (plus maybe a stray .tmp, which loaders ignore and delete). writeFileDurably is exported for the
// daemon's catalog, which keeps its own metadata the same way.
//
// Offset checkpoint layout (Kafka's checkpoint style, one value, ASCII, exactly):
//   "0\n"          format version
//   "<offset>\n"   decimal, 0 ≤ offset ≤ 2^53-1
// Used for recovery-point.checkpoint, log-start-offset.checkpoint and the .clean-shutdown marker (whose
// value is the logEndOffset at close, cross-checked on open). Anything else (empty, zero-filled, garbage,
// an extra line) is "unreadable": the loader then recovers from the start — it never deletes segments
// because of a checkpoint it cannot read.
// Owner: the partition's worker thread (or the daemon's main thread for its catalog).

import {dirname} from 'node:path'
import {describeIoError, type FileIo, nodeFileIo, storageError, writeFully} from './file-io.js'
import {TMP_SUFFIX} from './file-names.js'

/** Durably replaces `path` with `data` (tmp → fdatasync → rename → fsync dir); STORAGE_ERROR on failure. */
export function writeFileDurably(path: string, data: Buffer | string, io: FileIo = nodeFileIo): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const tmp = path + TMP_SUFFIX
  const file = openOrThrow(io, tmp)
  try {
    try {
      file.truncate(0)
    } catch (err) {
      throw storageError(tmp, 'truncate failed', err)
    }
    writeFully(file, bytes, 0, bytes.length, 0)
    try {
      file.datasync()
    } catch (err) {
      throw storageError(tmp, 'fdatasync failed', err)
    }
  } catch (err) {
    safely(() => file.close())
    safely(() => io.unlink(tmp))
    throw err
  }
  try {
    file.close()
    io.rename(tmp, path)
  } catch (err) {
    safely(() => io.unlink(tmp))
    throw storageError(path, 'rename into place failed', err)
  }
  try {
    io.fsyncDir(dirname(path))
  } catch (err) {
    throw storageError(dirname(path), 'directory fsync failed', err)
  }
}

export type CheckpointRead =
  | {status: 'ok'; offset: number}
  | {status: 'missing'}
  | {status: 'unreadable'; reason: string}

const CHECKPOINT = /^0\n(\d{1,16})\n$/

export function formatOffsetCheckpoint(offset: number): string {
  return `0\n${offset}\n`
}

export function writeOffsetCheckpoint(path: string, offset: number, io: FileIo = nodeFileIo): void {
  writeFileDurably(path, formatOffsetCheckpoint(offset), io)
}

/** Reads a one-offset checkpoint; never throws for bad content (that is 'unreadable'). */
export function readOffsetCheckpoint(path: string, io: FileIo = nodeFileIo): CheckpointRead {
  let data: Buffer | null
  try {
    data = io.readFile(path)
  } catch (err) {
    return {status: 'unreadable', reason: describeIoError(err)}
  }
  if (data === null) return {status: 'missing'}
  if (data.length > 64) return {status: 'unreadable', reason: `${data.length} bytes, expected a short checkpoint`}
  const m = CHECKPOINT.exec(data.toString('latin1'))
  const offset = m ? Number(m[1]) : NaN
  if (!Number.isSafeInteger(offset)) {
    return {status: 'unreadable', reason: `not a checkpoint (${JSON.stringify(data.toString('latin1').slice(0, 32))})`}
  }
  return {status: 'ok', offset}
}

function openOrThrow(io: FileIo, path: string) {
  try {
    return io.open(path, 'write')
  } catch (err) {
    throw storageError(path, 'open failed', err)
  }
}

function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // already failing: the first error is the one to report
  }
}
