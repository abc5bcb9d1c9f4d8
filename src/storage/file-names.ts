// Names of the files in one partition directory `<data>/<topic>-<partition>/`, Kafka's layout:
//
//   00000000000000000000.log        RecordBatch v2 batches, back to back, exactly as on the wire
//   00000000000000000000.index      sparse offset index: 8-byte entries (see offset-index.ts)
//   00000000000000000000.timeindex  sparse time index: 12-byte entries (see time-index.ts)
//   recovery-point.checkpoint       offset below which every batch is fsynced (see checkpoint.ts)
//   log-start-offset.checkpoint     first offset a reader may fetch (moved by deleteRecordsBefore/retention)
//   cleaner-offset.checkpoint       the log cleaner's first dirty offset: below it the log is compacted (and
//                                   may have gaps in its offsets); present once the log was ever cleaned
//   .clean-shutdown                 present only between a clean close() and the next open()
//   00000000000000000000.snapshot   the idempotent producers' state below that offset (producer-snapshot.ts)
//   *.tmp                           a metadata file being written durably; ignored and removed on load
//   <segment file>.cleaned          a replacement segment being written (by the log cleaner)
//   <segment file>.swap             a replacement segment, complete and durable, waiting to go in
//   <segment file>.deleted          a replaced segment, about to be removed
//                                   (Kafka's suffix protocol: segment-swap.ts says what each means after a crash)
//
// A segment's name is its base offset, 20 digits, zero-padded: the offset of its first batch, or below it
// in a cleaned segment (which keeps the base offset of the first segment it replaced).
//
// The data directory `<data>/` holds one such directory per partition, named `<topic>-<partition>`
// (Kafka's topic characters, so a topic `a-1-2` has the directory `a-1-2-3` for partition 3), beside the
// daemon's own entries, named here too so offline tools can tell a data directory from any other (their
// writers, engine/broker/topic-catalog.ts and protocol/control/data-dir-layout.ts, are layers storage does not import):
//   catalog.json   topics, partition counts, config overrides
//   producer-ids.checkpoint   the next block of idempotent producer ids (engine/broker/producer-ids.ts)
//   daemon.log     a detached daemon's log
//   run/           the control socket and pid file
// Invariants: names are built only from numbers, never from user input. Owner: pure functions.

import {join} from 'node:path'

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
export const TMP_SUFFIX = '.tmp'
export const SNAPSHOT_SUFFIX = '.snapshot'
export const CLEANED_SUFFIX = '.cleaned'
export const SWAP_SUFFIX = '.swap'
export const DELETED_SUFFIX = '.deleted'

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point.checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset.checkpoint'
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset.checkpoint'
export const CLEAN_SHUTDOWN_MARKER = '.clean-shutdown'

/** The daemon's own entries of a data directory (see the header). */
export const DATA_DIR_ENTRIES: ReadonlySet<string> = new Set(['catalog.json', 'daemon.log', 'run', 'producer-ids.checkpoint'])

/** The suffix a segment file carries during a segment swap ('' for its final name). */
export type SegmentFileSuffix = '' | typeof CLEANED_SUFFIX | typeof SWAP_SUFFIX | typeof DELETED_SUFFIX
export type SegmentFileKind = 'log' | 'index' | 'timeindex'

const SEGMENT_NAME = /^(\d{20})\.(log|index|timeindex)(\.cleaned|\.swap|\.deleted)?$/
/** `<topic>-<partition>`: Kafka's topic characters, then a partition number. */
const PARTITION_DIR = /^([a-zA-Z0-9._-]{1,249})-(\d{1,10})$/

/** The 20-digit, zero-padded base offset Kafka uses as a segment's file name. */
export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, '0')
}

export function logFileName(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + LOG_SUFFIX)
}

export function offsetIndexFileName(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + INDEX_SUFFIX)
}

export function timeIndexFileName(dir: string, baseOffset: number): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + TIME_INDEX_SUFFIX)
}

/** `{baseOffset, kind}` for a segment file's final name (no directory), or null for any other name. */
export function parseSegmentFileName(name: string): {baseOffset: number; kind: SegmentFileKind} | null {
  const parsed = parseSwapFileName(name)
  return parsed !== null && parsed.suffix === '' ? {baseOffset: parsed.baseOffset, kind: parsed.kind} : null
}

/** Like parseSegmentFileName, also for the names a segment swap gives its files (`.cleaned`, `.swap`, `.deleted`). */
export function parseSwapFileName(name: string): {baseOffset: number; kind: SegmentFileKind; suffix: SegmentFileSuffix} | null {
  const m = SEGMENT_NAME.exec(name)
  if (!m) return null
  const baseOffset = Number(m[1])
  if (!Number.isSafeInteger(baseOffset)) return null
  return {baseOffset, kind: m[2] as SegmentFileKind, suffix: (m[3] ?? '') as SegmentFileSuffix}
}

/** A segment file's name with its swap suffix replaced: `…0.log.swap` → `…0.log` (suffix ''). */
export function replaceSuffix(path: string, from: SegmentFileSuffix, to: SegmentFileSuffix): string {
  if (!path.endsWith(from)) throw new Error(`${path} does not end with '${from}'`)
  return path.slice(0, path.length - from.length) + to
}

/** True for a name only a partition directory holds: a segment file, a checkpoint, the clean-shutdown marker. */
export function isPartitionFileName(name: string): boolean {
  return (
    parseSegmentFileName(name) !== null ||
    name === RECOVERY_POINT_CHECKPOINT ||
    name === LOG_START_OFFSET_CHECKPOINT ||
    name === CLEANER_OFFSET_CHECKPOINT ||
    name === CLEAN_SHUTDOWN_MARKER
  )
}

/** `{topic, partition}` for a partition directory name, or null (e.g. the daemon's `run/`). */
export function parsePartitionDirName(name: string): {topic: string; partition: number} | null {
  const m = PARTITION_DIR.exec(name)
  if (!m || m[1] === '.' || m[1] === '..') return null
  return {topic: m[1]!, partition: Number(m[2])}
}
