// A FileIo that fails on purpose: wraps another FileIo and, for operations matching a rule, throws an
// errno-style error (ENOSPC, EIO) or performs a short write (half the bytes really written, the count
// returned). For tests and the daemon's failpoints (README Guarantees, rules 1-2): crash behaviour without mocking
// any storage logic.
//
// Rule matching: op ('write' | 'datasync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'fsyncDir', or
// 'any' of these), a path test (suffix string or RegExp), skip the first `after` matching calls, then
// fail `times` calls (default: every later call). `{op: 'any', after: k}` is a crash at the k-th file
// operation: it and everything after it fail, so nothing the code does after that point reaches the disk
// (what a crash test needs, before reopening the directory with plain I/O).
// Invariants: with no rule armed it behaves exactly like `inner`.
// Owner: whichever thread owns the storage it is handed to.

import type {FileIo, OpenMode, StorageFile} from './file-io.js'

export type FaultOp = 'write' | 'datasync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'fsyncDir'
export type FaultAction = 'ENOSPC' | 'EIO' | 'short-write'

export interface FaultRule {
  op: FaultOp | 'any'
  action: FaultAction
  /** Path suffix (e.g. '.log') or pattern; default any path. */
  path?: string | RegExp
  /** Matching calls to let through before failing. Default 0. */
  after?: number
  /** Calls to fail once triggered. Default Infinity. */
  times?: number
}

interface ArmedRule extends FaultRule {
  seen: number
  failed: number
}

export interface FaultyFileIo extends FileIo {
  /** Arms a rule; returns a function that disarms it. */
  fail(rule: FaultRule): () => void
  /** Disarms every rule. */
  clear(): void
  /** How many operations failed so far. */
  readonly failures: number
}

const ERRNO: Record<'ENOSPC' | 'EIO', {errno: number; text: string}> = {
  ENOSPC: {errno: -28, text: 'no space left on device'},
  EIO: {errno: -5, text: 'i/o error'},
}

export function errnoError(code: 'ENOSPC' | 'EIO', syscall: string, path: string): Error {
  const e = new Error(`${code}: ${ERRNO[code].text}, ${syscall} '${path}'`)
  return Object.assign(e, {code, errno: ERRNO[code].errno, syscall, path})
}

export function createFaultyFileIo(inner: FileIo): FaultyFileIo {
  let rules: ArmedRule[] = []
  let failures = 0

  /** The action to take for this call, or null to let it through. */
  const check = (op: FaultOp, path: string): FaultAction | null => {
    for (const r of rules) {
      if (r.op !== op && r.op !== 'any') continue
      if (r.path !== undefined && (typeof r.path === 'string' ? !path.endsWith(r.path) : !r.path.test(path))) continue
      r.seen++
      if (r.seen <= (r.after ?? 0)) continue
      if (r.failed >= (r.times ?? Infinity)) continue
      r.failed++
      failures++
      return r.action
    }
    return null
  }
  const raise = (action: FaultAction, syscall: string, path: string): never => {
    throw errnoError(action === 'short-write' ? 'EIO' : action, syscall, path)
  }

  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
    write(buffer, offset, length, position) {
      const action = check('write', file.path)
      if (action === 'short-write') return file.write(buffer, offset, Math.floor(length / 2), position)
      if (action !== null) raise(action, 'write', file.path)
      return file.write(buffer, offset, length, position)
    },
    truncate(length) {
      const action = check('truncate', file.path)
      if (action !== null) raise(action, 'ftruncate', file.path)
      file.truncate(length)
    },
    datasync() {
      const action = check('datasync', file.path)
      if (action !== null) raise(action, 'fdatasync', file.path)
      file.datasync()
    },
    size: () => file.size(),
    close: () => file.close(),
  })

  return {
    open(path: string, mode: OpenMode) {
      const action = check('open', path)
      if (action !== null) raise(action, 'open', path)
      return wrap(inner.open(path, mode))
    },
    readdir: (dir) => inner.readdir(dir),
    stat: (path) => inner.stat(path),
    readFile: (path) => inner.readFile(path),
    mkdir: (dir) => inner.mkdir(dir),
    rename(from, to) {
      const action = check('rename', to)
      if (action !== null) raise(action, 'rename', to)
      inner.rename(from, to)
    },
    unlink(path) {
      const action = check('unlink', path)
      if (action !== null) raise(action, 'unlink', path)
      inner.unlink(path)
    },
    rmdir: (dir) => inner.rmdir(dir),
    fsyncDir(dir) {
      const action = check('fsyncDir', dir)
      if (action !== null) raise(action, 'fsync', dir)
      inner.fsyncDir(dir)
    },
    fail(rule) {
      const armed: ArmedRule = {...rule, seen: 0, failed: 0}
      rules.push(armed)
      return () => {
        rules = rules.filter((r) => r !== armed)
      }
    },
    clear() {
      rules = []
    },
    get failures() {
      return failures
    },
  }
}
