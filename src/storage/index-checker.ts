// The verifier's view of a segment's .index and .timeindex (layouts in offset-index.ts, time-index.ts):
// entries are loaded once, checked for order, then matched against the segment's batches in a single
// merge-style pass as the verifier walks the log — memory is the index size, never per batch.
// A trailing run of all-zero entries is ignored (Kafka preallocates index files of its active segment).
// A missing index file (beside a .log that holds batches) is a Note, not a Problem: a segment copied from
// elsewhere or written by another Kafka implementation may come without one, and a daemon rebuilds it.
// Problem positions are byte positions in the index file. Read-only. Owner: the verifier (CLI process).

import type {FileIo} from './file-io.js'

/** One thing `samsa log verify` found wrong. position: byte position in `file`, or -1 for the whole file. */
export interface Problem {
  file: string
  position: number
  problem: string
}

/** Worth knowing, but not damage: a daemon repairs it by itself, so it does not fail `log verify`. */
export interface Note {
  file: string
  position: number
  note: string
}

/** Where the checkers put what they find. */
export interface Findings {
  problems: Problem[]
  notes: Note[]
}

const MISSING = 'missing (a daemon would rebuild it)'

const TWO_32 = 2 ** 32

interface Entry {
  /** Absolute offset. */
  offset: number
  /** File position (offset index) or timestamp (time index). */
  value: number
  /** Byte position of the entry in the index file. */
  at: number
}

function loadEntries(path: string, width: number, io: FileIo, {problems}: Findings): Buffer | null {
  let bytes: Buffer | null
  try {
    bytes = io.readFile(path)
  } catch (err) {
    problems.push({file: path, position: -1, problem: `cannot read: ${(err as Error).message}`})
    return null
  }
  if (bytes === null) return null
  if (bytes.length % width !== 0) {
    problems.push({file: path, position: bytes.length - (bytes.length % width), problem: `trailing partial entry of ${bytes.length % width} bytes`})
  }
  // ignore a zero-filled tail (Kafka's preallocation), but not a file that is zeros from its first entry on
  let end = bytes.length - (bytes.length % width)
  while (end > width && bytes.subarray(end - width, end).every((b) => b === 0)) end -= width
  return bytes.subarray(0, end)
}

/** Checks a .index: order, and that each entry sits at a batch boundary whose batch holds its offset. */
export class IndexChecker {
  private next = 0
  private sawBatch = false
  private readonly problems: Problem[]
  private constructor(
    private readonly path: string,
    private readonly entries: Entry[],
    private readonly findings: Findings,
    private readonly missing: boolean,
  ) {
    this.problems = findings.problems
  }

  static load(path: string, baseOffset: number, io: FileIo, findings: Findings): IndexChecker {
    const {problems} = findings
    const bytes = loadEntries(path, 8, io, findings)
    const entries: Entry[] = []
    if (bytes !== null) {
      for (let at = 0; at < bytes.length; at += 8) {
        const e = {offset: baseOffset + bytes.readUInt32BE(at), value: bytes.readUInt32BE(at + 4), at}
        const prev = entries[entries.length - 1]
        if (prev && (e.offset <= prev.offset || e.value <= prev.value)) {
          problems.push({file: path, position: at, problem: `entry (offset ${e.offset}, byte ${e.value}) does not follow (offset ${prev.offset}, byte ${prev.value})`})
          continue
        }
        entries.push(e)
      }
    }
    return new IndexChecker(path, entries, findings, bytes === null)
  }

  visitBatch(position: number, baseOffset: number, lastOffset: number): void {
    this.sawBatch = true
    const entries = this.entries
    while (this.next < entries.length && entries[this.next]!.value < position) {
      const e = entries[this.next++]!
      this.problems.push({file: this.path, position: e.at, problem: `entry (offset ${e.offset}, byte ${e.value}) does not point at a batch boundary`})
    }
    while (this.next < entries.length && entries[this.next]!.value === position) {
      const e = entries[this.next++]!
      if (e.offset < baseOffset || e.offset > lastOffset) {
        this.problems.push({file: this.path, position: e.at, problem: `entry offset ${e.offset} points at byte ${position}, whose batch holds offsets ${baseOffset}..${lastOffset}`})
      }
    }
  }

  finish(logSize: number): void {
    if (this.missing && this.sawBatch) this.findings.notes.push({file: this.path, position: -1, note: MISSING})
    for (const e of this.entries.slice(this.next)) {
      const where = e.value >= logSize ? `past the end of the log (${logSize} bytes)` : 'at no batch boundary'
      this.problems.push({file: this.path, position: e.at, problem: `entry (offset ${e.offset}, byte ${e.value}) points ${where}`})
    }
  }
}

/** Checks a .timeindex: timestamps increase, and each entry's batch has that maxTimestamp. */
export class TimeIndexChecker {
  private next = 0
  private sawBatch = false
  private readonly problems: Problem[]
  private constructor(
    private readonly path: string,
    private readonly entries: Entry[],
    private readonly findings: Findings,
    private readonly missing: boolean,
  ) {
    this.problems = findings.problems
  }

  static load(path: string, baseOffset: number, io: FileIo, findings: Findings): TimeIndexChecker {
    const {problems} = findings
    const bytes = loadEntries(path, 12, io, findings)
    const entries: Entry[] = []
    if (bytes !== null) {
      for (let at = 0; at < bytes.length; at += 12) {
        const timestamp = bytes.readInt32BE(at) * TWO_32 + bytes.readUInt32BE(at + 4)
        const e = {offset: baseOffset + bytes.readUInt32BE(at + 8), value: timestamp, at}
        const prev = entries[entries.length - 1]
        if (prev && (e.value <= prev.value || e.offset < prev.offset)) {
          problems.push({file: path, position: at, problem: `entry (timestamp ${e.value}, offset ${e.offset}) does not follow (timestamp ${prev.value}, offset ${prev.offset})`})
          continue
        }
        entries.push(e)
      }
    }
    return new TimeIndexChecker(path, entries, findings, bytes === null)
  }

  visitBatch(baseOffset: number, lastOffset: number, maxTimestamp: number): void {
    this.sawBatch = true
    const entries = this.entries
    while (this.next < entries.length && entries[this.next]!.offset < baseOffset) {
      const e = entries[this.next++]!
      this.problems.push({file: this.path, position: e.at, problem: `entry offset ${e.offset} is in no batch`})
    }
    while (this.next < entries.length && entries[this.next]!.offset <= lastOffset) {
      const e = entries[this.next++]!
      if (e.value !== maxTimestamp) {
        this.problems.push({file: this.path, position: e.at, problem: `entry timestamp ${e.value}, but the batch holding offset ${e.offset} has maxTimestamp ${maxTimestamp}`})
      }
    }
  }

  finish(): void {
    if (this.missing && this.sawBatch) this.findings.notes.push({file: this.path, position: -1, note: MISSING})
    for (const e of this.entries.slice(this.next)) {
      this.problems.push({file: this.path, position: e.at, problem: `entry offset ${e.offset} is beyond the last batch`})
    }
  }
}
