// What the offset index and the time index share (Kafka's AbstractIndex): fixed-width big-endian entries
// kept in memory in one growable Buffer, binary-searched, and written to their file in chunks.
//
// File layout: `entrySize`-byte entries back to back, nothing else — no header, no checksum, no
// preallocation. Indexes are a cache of the log: the loader rebuilds them from the .log whenever they
// look wrong (trailing partial entry, zero-filled tail, entries out of order, pointing past the log).
// Invariants: entries [0, count) are in memory and sorted (the subclass checks on append and on load);
// entries [0, persisted) are also in the file, which holds nothing beyond them once `fileIsExact`.
// Pending entries are written on flush/roll/close (never per append: the append path stays one write
// syscall); after a crash the loader rebuilds whatever was not written.
// Owner: the partition's worker thread, through its LogSegment.

import {datasyncOrThrow, type FileIo, type StorageFile, storageError, writeFully} from './file-io.js'

export abstract class AbstractIndex {
  protected buf: Buffer
  protected count = 0
  private persisted = 0
  /** false when the file may hold bytes beyond `persisted` entries (a damaged or stale tail). */
  private fileIsExact = false
  private file: StorageFile | null = null

  protected constructor(
    private filePath: string,
    readonly baseOffset: number,
    readonly entrySize: number,
    private readonly io: FileIo,
  ) {
    this.buf = Buffer.allocUnsafe(entrySize * 64)
  }

  get path(): string {
    return this.filePath
  }

  /** The file was renamed (a segment swap changed its suffix); an open handle stays valid. */
  movedTo(path: string): void {
    this.filePath = path
  }

  get entries(): number {
    return this.count
  }

  get sizeInBytes(): number {
    return this.count * this.entrySize
  }

  /** Entries not yet written to the file. */
  get pendingEntries(): number {
    return this.count - this.persisted
  }

  /**
   * Takes entries from file bytes as they are, keeping the longest valid prefix (checked by
   * `validEntry`). Returns a problem description when anything was dropped, else null.
   */
  loadFrom(bytes: Buffer): string | null {
    const whole = Math.floor(bytes.length / this.entrySize)
    this.count = 0
    this.ensureCapacity(whole)
    let problem: string | null = null
    for (let i = 0; i < whole; i++) {
      const at = i * this.entrySize
      problem = this.validEntry(bytes, at, i)
      if (problem !== null) {
        problem = `entry ${i} (byte ${at}): ${problem}`
        break
      }
      bytes.copy(this.buf, at, at, at + this.entrySize)
      this.count++
    }
    if (problem === null && bytes.length % this.entrySize !== 0) {
      problem = `trailing partial entry of ${bytes.length % this.entrySize} bytes`
    }
    this.persisted = this.count
    this.fileIsExact = problem === null
    return problem
  }

  /** Checks entry i (already sorted against entries [0, i) via this.buf) at `at` in `bytes`. */
  protected abstract validEntry(bytes: Buffer, at: number, i: number): string | null

  /** Forgets every entry; the file is rewritten on the next write. */
  reset(): void {
    this.count = 0
    this.persisted = 0
    this.fileIsExact = false
  }

  /** Keeps only the first n entries (in memory now; the file follows on the next write). */
  truncateToEntries(n: number): void {
    if (n >= this.count) return
    this.count = n
    if (this.persisted > n) {
      this.persisted = n
      this.fileIsExact = false
    }
  }

  protected appendRaw(): number {
    this.ensureCapacity(this.count + 1)
    return this.count++ * this.entrySize
  }

  /** Writes pending entries (and cuts a stale tail) to the file. STORAGE_ERROR on failure. */
  writePending(): void {
    if (this.persisted === this.count && this.fileIsExact) return
    const file = this.openFile()
    if (!this.fileIsExact) {
      try {
        file.truncate(this.persisted * this.entrySize)
      } catch (err) {
        throw storageError(this.path, 'truncate failed', err)
      }
      this.fileIsExact = true
    }
    const from = this.persisted * this.entrySize
    const to = this.count * this.entrySize
    if (to > from) writeFully(file, this.buf, from, to - from, from)
    this.persisted = this.count
  }

  /** writePending, then fdatasync the file. */
  sync(): void {
    this.writePending()
    if (this.file) datasyncOrThrow(this.file)
  }

  close(): void {
    if (this.file) {
      const f = this.file
      this.file = null
      f.close()
    }
  }

  /** Closes and removes the file. */
  deleteFile(): void {
    this.close()
    this.io.unlink(this.path)
    this.reset()
    this.fileIsExact = true
  }

  /** Index of the last entry whose key (per `keyAt`) ≤ target, or -1. */
  protected floorIndex(target: number, keyAt: (i: number) => number): number {
    let lo = 0
    let hi = this.count - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (keyAt(mid) <= target) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  private ensureCapacity(entries: number): void {
    const need = entries * this.entrySize
    if (need <= this.buf.length) return
    let size = this.buf.length
    while (size < need) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.count * this.entrySize)
    this.buf = next
  }

  private openFile(): StorageFile {
    if (this.file === null) {
      try {
        this.file = this.io.open(this.path, 'write')
      } catch (err) {
        throw storageError(this.path, 'open failed', err)
      }
    }
    return this.file
  }
}
