// The only door from storage to the filesystem, hypercore style: storage is handed an object that turns a
// name into a file, so tests (and the daemon's failpoints) can hand in a file that fails with ENOSPC, EIO,
// a short write or a failed fsync, without mocking any storage logic. nodeFileIo is the real thing:
// synchronous fs calls, because one partition worker thread owns each log and blocking it is the point
// (crash semantics are obvious: when write() returns, the bytes are in the page cache).
//
// Invariants: StorageFile.write is ONE positional write and may be short; callers go through writeFully,
// which turns a short write into a STORAGE_ERROR instead of looping (a partial batch on disk is worse
// than a clear failure: the caller truncates back to the last good batch). No buffering anywhere here.
// Owner: whichever thread owns the partition; nothing here is shared.

import * as fs from 'node:fs'
import {SamsaError} from '../errors.js'

export interface StorageFile {
  readonly path: string
  /** Reads up to `length` bytes at `position`; fewer only at end of file. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number
  /** One positional write; returns the bytes written, possibly fewer than asked. */
  write(buffer: Uint8Array, offset: number, length: number, position: number): number
  truncate(length: number): void
  datasync(): void
  size(): number
  close(): void
}

/** 'read': read only (the verifier, dump). 'write': read-write, created if missing, never truncated. */
export type OpenMode = 'read' | 'write'

export interface FileStat {
  size: number
  mtimeMs: number
  isDirectory: boolean
}

export interface FileIo {
  open(path: string, mode: OpenMode): StorageFile
  /** Entry names of a directory (no `.`/`..`). */
  readdir(dir: string): string[]
  /** null when the path does not exist; symlinks are not followed. */
  stat(path: string): FileStat | null
  /** Whole file, or null when it does not exist. */
  readFile(path: string): Buffer | null
  mkdir(dir: string): void
  rename(from: string, to: string): void
  /** Missing files are not an error. */
  unlink(path: string): void
  rmdir(dir: string): void
  /** fsync a directory, making renames, creations and deletions in it durable. */
  fsyncDir(dir: string): void
}

class NodeFile implements StorageFile {
  constructor(
    readonly path: string,
    private fd: number,
  ) {}

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0
    // a regular file reads short only at EOF, but loop anyway: EINTR-style partial reads are legal
    while (done < length) {
      const n = fs.readSync(this.fd, buffer, offset + done, length - done, position + done)
      if (n === 0) break
      done += n
    }
    return done
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.writeSync(this.fd, buffer, offset, length, position)
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.fd, length)
  }

  datasync(): void {
    fs.fdatasyncSync(this.fd)
  }

  size(): number {
    return fs.fstatSync(this.fd).size
  }

  close(): void {
    if (this.fd < 0) return
    const fd = this.fd
    this.fd = -1
    fs.closeSync(fd)
  }
}

export const nodeFileIo: FileIo = {
  open(path, mode) {
    const flags = mode === 'read' ? fs.constants.O_RDONLY : fs.constants.O_RDWR | fs.constants.O_CREAT
    return new NodeFile(path, fs.openSync(path, flags, 0o644))
  },
  readdir(dir) {
    return fs.readdirSync(dir)
  },
  stat(path) {
    try {
      const s = fs.lstatSync(path)
      return {size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory()}
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null
      throw err
    }
  },
  readFile(path) {
    try {
      return fs.readFileSync(path)
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null
      throw err
    }
  },
  mkdir(dir) {
    fs.mkdirSync(dir, {recursive: true})
  },
  rename(from, to) {
    fs.renameSync(from, to)
  },
  unlink(path) {
    try {
      fs.unlinkSync(path)
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err
    }
  },
  rmdir(dir) {
    fs.rmdirSync(dir)
  },
  fsyncDir(dir) {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY)
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  },
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as {code?: unknown}).code === code
}

/** "ENOSPC: no space left on device" from a Node error, else its message. */
export function describeIoError(err: unknown): string {
  if (err instanceof SamsaError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}

/** A STORAGE_ERROR whose message names the file and what happened: `<file>: <what>: <cause>`. */
export function storageError(path: string, what: string, cause?: unknown): SamsaError {
  const detail = cause === undefined ? '' : `: ${describeIoError(cause)}`
  return new SamsaError('STORAGE_ERROR', `${path}: ${what}${detail}`, cause === undefined ? undefined : {cause})
}

/** Writes all `length` bytes at `position` in one call; a short write or an error is a STORAGE_ERROR. */
export function writeFully(file: StorageFile, buffer: Uint8Array, offset: number, length: number, position: number): void {
  let n: number
  try {
    n = file.write(buffer, offset, length, position)
  } catch (err) {
    throw storageError(file.path, `write of ${length} bytes at position ${position} failed`, err)
  }
  if (n !== length) throw storageError(file.path, `short write: ${n} of ${length} bytes at position ${position}`)
}

/** fdatasync, turning a failure into a STORAGE_ERROR (never retried: the kernel may have dropped the pages). */
export function datasyncOrThrow(file: StorageFile): void {
  try {
    file.datasync()
  } catch (err) {
    throw storageError(file.path, 'fdatasync failed', err)
  }
}
