// Named failpoints: the one registry of the durability boundaries a crash or fault test can stop the
// daemon at, and the parser of SAMSA_FAILPOINTS, which arms them. For tests only: a daemon started without
// the variable gets storage's plain file I/O (nothing is wrapped, nothing checked), so it is never slowed,
// crashed or changed by this file.
//
//   SAMSA_FAILPOINTS='[{"point":"before-fsync","action":"kill","topic":"t","after":2}, …]'
//
// A rule: point (a name below) or op (a raw FaultyFileIo rule: write|read|datasync|truncate|open|rename|
// unlink|fsyncDir|any); action: kill (SIGKILL of the whole daemon, as kill -9), EIO, ENOSPC, short-write
// (write points: half the bytes written, the rest refused) or sleep (with "ms": the thread blocks that
// long); topic (only that topic's partition directories), path (a path suffix) or pathPattern (a RegExp
// source); after (matching hits let through first, default 0); times (hits acted on, default all later).
// A point is a file operation of storage, before or after it (faulty-file-io.ts does the acting), except
// the produce points, which the worker's produce path acts on (engine/worker/failpoints.ts: kill, sleep).
// Most points fire wherever storage crosses that boundary — the loader's recovery included, so the
// compaction points also stop a restart that is finishing an interrupted swap (a crash during recovery).
// Owner: whichever thread builds its storage from the environment (the workers; the broker's catalog).

import {basename} from 'node:path'
import {type FaultAction, FAULT_ACTIONS, type FaultOp, type FaultWhen, createFaultyFileIo, type FaultyFileIo, type PathTest} from './faulty-file-io.js'
import type {FileIo} from './file-io.js'
import {CLEANED_SUFFIX, DELETED_SUFFIX, SWAP_SUFFIX, TMP_SUFFIX} from './file-names.js'

interface FilePoint {
  op: FaultOp
  when: FaultWhen
  /** Which files: the path (a rename's target) and a rename's source. */
  file: (path: string, from: string | null) => boolean
  what: string
}

const SEGMENT_LOG = /^\d{20}\.log$/
const SEGMENT_FILE = /^\d{20}\.(log|index|timeindex)$/
const isSegmentLog = (path: string): boolean => SEGMENT_LOG.test(basename(path))
const isSegmentFile = (path: string): boolean => SEGMENT_FILE.test(basename(path))
const from = (suffix: string) => (_path: string, source: string | null) => source !== null && source.endsWith(suffix)
const to = (suffix: string) => (path: string) => path.endsWith(suffix)

/** Every named point on a file operation, in the order a produce, a compaction swap, a deletion and a metadata write cross them. */
export const FILE_FAILPOINTS = {
  'before-write': {op: 'write', when: 'before', file: isSegmentLog, what: 'before a write of batches to a segment .log'},
  'after-write': {op: 'write', when: 'after', file: isSegmentLog, what: 'after a write to a segment .log returned (in the page cache), before any fsync or ack'},
  'before-fsync': {op: 'datasync', when: 'before', file: isSegmentLog, what: 'before an fdatasync of a segment .log (flush.messages, flush.ms, acks=all, a roll)'},
  'after-fsync': {op: 'datasync', when: 'after', file: isSegmentLog, what: 'after an fdatasync of a segment .log, before the recovery point moves or the ack goes'},
  'compaction-cleaned-written': {op: 'rename', when: 'before', file: from(CLEANED_SUFFIX), what: 'a .cleaned segment is written and synced; before one of its files is renamed .swap'},
  'compaction-renamed-to-swap': {op: 'rename', when: 'after', file: to(SWAP_SUFFIX), what: 'after a .cleaned file was renamed .swap'},
  'compaction-renamed-to-deleted': {op: 'rename', when: 'after', file: to(DELETED_SUFFIX), what: 'after a replaced segment file was renamed .deleted'},
  'compaction-renamed-to-final': {op: 'rename', when: 'after', file: from(SWAP_SUFFIX), what: 'after a .swap file took its final name (also in recovery, finishing a swap)'},
  'compaction-before-unlink-deleted': {op: 'unlink', when: 'before', file: to(DELETED_SUFFIX), what: 'before a .deleted file is removed'},
  'compaction-after-unlink-deleted': {op: 'unlink', when: 'after', file: to(DELETED_SUFFIX), what: 'after a .deleted file was removed'},
  'before-segment-unlink': {op: 'unlink', when: 'before', file: isSegmentFile, what: 'before a segment file is unlinked: retention and DeleteRecords (after log-start-offset.checkpoint is written), truncation, a topic delete'},
  'after-segment-unlink': {op: 'unlink', when: 'after', file: isSegmentFile, what: 'after a segment file was unlinked, before the directory fsync'},
  'checkpoint-tmp-written': {op: 'write', when: 'after', file: to(TMP_SUFFIX), what: 'a metadata file (checkpoint, .clean-shutdown, producer snapshot, catalog.json) written to its .tmp, before its fdatasync'},
  'checkpoint-before-rename': {op: 'rename', when: 'before', file: from(TMP_SUFFIX), what: 'the .tmp is synced and closed; before it is renamed over the file'},
  'checkpoint-after-rename': {op: 'rename', when: 'after', file: from(TMP_SUFFIX), what: 'after the rename, before the directory fsync'},
} satisfies Record<string, FilePoint>

/** Points on the produce path, acted on by the worker (kill or sleep), filtered by topic. */
export const PRODUCE_FAILPOINTS = {
  'after-write-before-ack': 'a produce was appended (and synced, if flush.messages asks); before it is answered or group-committed',
  'before-ack': 'just before a produce is answered: after the write for acks=1, after the group commit fsync for acks=all',
} as const

export type FilePointName = keyof typeof FILE_FAILPOINTS
export type ProducePointName = keyof typeof PRODUCE_FAILPOINTS

export interface ProducePointRule {
  point: ProducePointName
  action: 'kill' | 'sleep'
  topic?: string
  after: number
  ms: number
}

export interface ArmedFailpoints {
  /** Storage's file I/O with the file rules armed; undefined when none is (plain I/O). */
  io: FaultyFileIo | undefined
  produce: ProducePointRule[]
}

/** One rule of SAMSA_FAILPOINTS, as written in the JSON (tests build them too). */
export interface RawRule {
  point?: string
  op?: FaultOp | 'any'
  action?: string
  when?: FaultWhen
  topic?: string
  path?: string
  pathPattern?: string
  after?: number
  times?: number
  ms?: number
}

/** The partition directories of `topic` (`<topic>-<n>/`), as a path test. */
function topicTest(topic: string): PathTest {
  const escaped = topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|/)${escaped}-\\d+/`)
}

/** Parses SAMSA_FAILPOINTS (see the header); throws a one-line Error naming what is wrong. */
export function armFailpoints(spec: string | undefined, inner: FileIo, say: (line: string) => void): ArmedFailpoints {
  const armed: ArmedFailpoints = {io: undefined, produce: []}
  if (!spec) return armed
  const rules = JSON.parse(spec) as unknown
  if (!Array.isArray(rules)) throw new Error('SAMSA_FAILPOINTS must be a JSON array of rules')
  for (const r of rules as RawRule[]) {
    const action = r.action as FaultAction
    if (!FAULT_ACTIONS.includes(action)) throw new Error(`unknown action ${String(r.action)} (known: ${FAULT_ACTIONS.join(', ')})`)
    if (action === 'sleep' && !(Number.isInteger(r.ms) && r.ms! >= 0)) throw new Error('a sleep needs "ms", a whole number of milliseconds')
    if (r.point !== undefined && r.point in PRODUCE_FAILPOINTS) {
      if (action !== 'kill' && action !== 'sleep') throw new Error(`${r.point} takes kill or sleep, not ${action}`)
      armed.produce.push({point: r.point as ProducePointName, action, topic: r.topic, after: r.after ?? 0, ms: r.ms ?? 0})
      continue
    }
    const tests: PathTest[] = []
    if (r.topic !== undefined) tests.push(topicTest(r.topic))
    if (r.path !== undefined) tests.push(r.path)
    if (r.pathPattern !== undefined) tests.push(new RegExp(r.pathPattern))
    armed.io ??= createFaultyFileIo(inner, say)
    if (r.point !== undefined) {
      const p = (FILE_FAILPOINTS as Record<string, FilePoint>)[r.point]
      if (p === undefined) throw new Error(`unknown failpoint ${r.point} (known: ${[...Object.keys(FILE_FAILPOINTS), ...Object.keys(PRODUCE_FAILPOINTS)].join(', ')})`)
      if (action === 'short-write' && (p.op !== 'write' || p.when !== 'before')) throw new Error(`${r.point} is not before a write: short-write does not apply`)
      armed.io.fail({op: p.op, when: p.when, action, path: [p.file, ...tests], after: r.after, times: r.times, ms: r.ms, name: r.point})
    } else {
      if (r.op === undefined) throw new Error('a rule needs a "point" or an "op"')
      armed.io.fail({op: r.op, when: r.when, action, path: tests, after: r.after, times: r.times, ms: r.ms})
    }
  }
  return armed
}
