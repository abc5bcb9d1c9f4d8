// A FileIo that fails on purpose: wraps another FileIo and, for operations matching a rule, throws an
// errno-style error (ENOSPC, EIO), performs a short write (half the bytes really written, the count
// returned), kills the whole process (SIGKILL, as kill -9) or blocks the thread a while (a slow disk).
// For tests and the daemon's failpoints (failpoints.ts; README Guarantees, rules 1-2): crash behaviour
// without mocking any storage logic.
//
// Rule matching: op ('write' | 'read' | 'datasync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'fsyncDir',
// or 'any' of them but 'read': every operation that changes the disk), `when` ('before' the operation, the default, or 'after' it returned), a path test
// (suffix string or RegExp against the path — for a rename, against either name — or a function of
// (path, from) for a rename's target and source), skip the first `after` matching calls, then act on
// `times` calls (default: every later call). `{op: 'any', after: k}` is a crash at the k-th file operation:
// it and everything after it fail, so nothing the code does after that point reaches the disk (what a
// crash test needs, before reopening the directory with plain I/O). An error 'after' an operation means
// it took effect but its caller is told it failed, as a failing fsync or a lost rename reply would.
// Invariants: with no rule armed it behaves exactly like `inner`.
// Owner: whichever thread owns the storage it is handed to.

import {writeSync} from 'node:fs'
import type {FileIo, OpenMode, StorageFile} from './file-io.js'

export type FaultOp = 'write' | 'read' | 'datasync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'fsyncDir'
export type FaultAction = 'ENOSPC' | 'EIO' | 'short-write' | 'kill' | 'sleep'
export type FaultWhen = 'before' | 'after'
export const FAULT_ACTIONS: readonly FaultAction[] = ['ENOSPC', 'EIO', 'short-write', 'kill', 'sleep']

/** A path test: suffix, pattern, or a function of the path (for a rename, its target) and a rename's source. */
export type PathTest = string | RegExp | ((path: string, from: string | null) => boolean)

export interface FaultRule {
  op: FaultOp | 'any'
  action: FaultAction
  /** Before the operation (default) or after it returned. */
  when?: FaultWhen
  /** Every test must pass; default any path. */
  path?: PathTest | PathTest[]
  /** Matching calls to let through before acting. Default 0. */
  after?: number
  /** Calls to act on once triggered. Default Infinity. */
  times?: number
  /** For 'sleep': how long the thread blocks. */
  ms?: number
  /** Named in the line said when the rule acts (a failpoint's name). */
  name?: string
}

interface ArmedRule extends FaultRule {
  tests: PathTest[]
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

function passes(test: PathTest, path: string, from: string | null): boolean {
  if (typeof test === 'function') return test(path, from)
  const one = (p: string): boolean => (typeof test === 'string' ? p.endsWith(test) : test.test(p))
  return one(path) || (from !== null && one(from))
}

/** `say` hears a line each time a rule acts (a kill's line goes straight to stderr, before the process dies). */
export function createFaultyFileIo(inner: FileIo, say: (line: string) => void = () => {}): FaultyFileIo {
  let rules: ArmedRule[] = []
  let failures = 0

  /** The rule to act on for this call, or null to let it through. */
  const check = (op: FaultOp, when: FaultWhen, path: string, from: string | null): ArmedRule | null => {
    for (const r of rules) {
      if ((r.op !== op && (r.op !== 'any' || op === 'read')) || (r.when ?? 'before') !== when) continue
      if (!r.tests.every((t) => passes(t, path, from))) continue
      r.seen++
      if (r.seen <= (r.after ?? 0)) continue
      if (r.failed >= (r.times ?? Infinity)) continue
      r.failed++
      failures++
      return r
    }
    return null
  }
  /** Carries out a rule's action other than a short write (which only the write itself can do). */
  const act = (r: ArmedRule, syscall: string, path: string): void => {
    const line = `failpoint ${r.name ?? r.op}: ${r.action} ${r.when ?? 'before'} ${syscall} '${path}'`
    if (r.action === 'kill') {
      writeSync(2, `${line}\n`) // synchronously: the process is gone a moment later
      process.kill(process.pid, 'SIGKILL')
    }
    say(line)
    if (r.action === 'sleep') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, r.ms ?? 0) // a blocking sleep
    else throw errnoError(r.action === 'ENOSPC' ? 'ENOSPC' : 'EIO', syscall, path) // a short write of no write: EIO
  }
  /** Runs one operation between its 'before' and 'after' rules. */
  const around = <T>(op: FaultOp, syscall: string, path: string, from: string | null, run: () => T): T => {
    const before = check(op, 'before', path, from)
    if (before !== null) act(before, syscall, path)
    const result = run()
    const after = check(op, 'after', path, from)
    if (after !== null) act(after, syscall, path)
    return result
  }

  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    read: (buffer, offset, length, position) => around('read', 'read', file.path, null, () => file.read(buffer, offset, length, position)),
    write(buffer, offset, length, position) {
      const before = check('write', 'before', file.path, null)
      let n: number
      if (before?.action === 'short-write') {
        say(`failpoint ${before.name ?? 'write'}: short write '${file.path}'`)
        n = file.write(buffer, offset, Math.floor(length / 2), position)
      } else {
        if (before !== null) act(before, 'write', file.path)
        n = file.write(buffer, offset, length, position)
      }
      const after = check('write', 'after', file.path, null)
      if (after !== null) act(after, 'write', file.path)
      return n
    },
    truncate: (length) => around('truncate', 'ftruncate', file.path, null, () => file.truncate(length)),
    datasync: () => around('datasync', 'fdatasync', file.path, null, () => file.datasync()),
    size: () => file.size(),
    close: () => file.close(),
  })

  return {
    open: (path: string, mode: OpenMode) => wrap(around('open', 'open', path, null, () => inner.open(path, mode))),
    readdir: (dir) => inner.readdir(dir),
    stat: (path) => inner.stat(path),
    readFile: (path) => around('read', 'read', path, null, () => inner.readFile(path)),
    mkdir: (dir) => inner.mkdir(dir),
    rename: (from, to) => around('rename', 'rename', to, from, () => inner.rename(from, to)),
    unlink: (path) => around('unlink', 'unlink', path, null, () => inner.unlink(path)),
    rmdir: (dir) => inner.rmdir(dir),
    fsyncDir: (dir) => around('fsyncDir', 'fsync', dir, null, () => inner.fsyncDir(dir)),
    fail(rule) {
      const tests = rule.path === undefined ? [] : Array.isArray(rule.path) ? rule.path : [rule.path]
      const armed: ArmedRule = {...rule, tests, seen: 0, failed: 0}
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
