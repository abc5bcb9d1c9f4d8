// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {realpathSync} from 'node:fs'
import {resolve} from 'node:path'
import {BaseCommand, OFFLINE_FLAGS} from '../../cli/base-command.js'
import {ERROR_KINDS, SamsaError} from '../../errors.js'
import {isErrno} from '../../storage/file-io.js'
import {formatNote, formatProblem, type Note, type Problem, type VerifyReport, type VerifyScope, verifyPath} from '../../storage/log-verifier.js'

// Stable (--json): fields are added, never renamed. notes and checked were added after path/scope/ok/problems.
export interface VerifyResult {
  path: string
  scope: VerifyScope
  /** No problems; notes do not count. */
  ok: boolean
  problems: Problem[]
  /** Not damage, and repaired by a daemon by itself (e.g. a missing index): printed, never failing. */
  notes: Note[]
  checked: VerifyReport['checked']
}

export default class LogVerify extends BaseCommand<typeof LogVerify> {
  static override baseFlags = OFFLINE_FLAGS // no daemon: no --socket, no --autostart
  static override summary = 'Check every batch and index entry of a segment, a partition or the whole data directory'
  static override description =
    'Read-only and needs no daemon. Checks batch framing, CRC-32C, record structure, LZ4/gzip frames, offsets in ' +
    'order across batches and segments, every .index and .timeindex entry, and the checkpoints. Prints one line ' +
    'per problem (file:byte-position: what is wrong) on stdout and exits 7 when there is any, 0 when clean. Notes ' +
    '(e.g. a missing index, which a daemon rebuilds) go to stderr and do not change the exit code; the last line ' +
    'says how many partitions, segments and batches were checked. A path that is not a segment (<20 digits>.log), ' +
    'a partition directory (<topic>-<partition>) or a data directory is refused (exit 6). ' +
    'On a running daemon the active segment may show a torn tail while a write is in flight.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ~/.local/share/samsa/logs-0',
    '<%= config.bin %> <%= command.id %> ~/.local/share/samsa/logs-0/00000000000000000000.log --json',
  ]
  static override args = {
    path: Args.string({description: 'a .log file, a partition directory, or a data directory (default: the data directory)'}),
  }

  public async run(): Promise<VerifyResult> {
    const path = realPath(resolve(this.args.path ?? this.dataDir))
    const {scope, problems, notes, checked} = verifyPath(path)
    const result: VerifyResult = {path, scope, ok: problems.length === 0, problems, notes, checked}
    if (!this.jsonEnabled()) {
      for (const p of problems) this.log(formatProblem(p))
      for (const n of notes) this.logToStderr(`samsa: note: ${formatNote(n)}`)
      this.logToStderr(`samsa: ${path}: ${summary(result)}`)
    }
    // Problems are this command's output, not its failure: print them, then exit 7 (CORRUPT_LOG).
    if (problems.length > 0) process.exitCode = ERROR_KINDS.CORRUPT_LOG.exitCode
    return result
  }
}

// Symbolic links resolved, so the scope is decided by what the path really is.
function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new SamsaError('NOT_FOUND', `no such file or directory: ${path}`)
    throw new SamsaError('STORAGE_ERROR', `${path}: ${(err as Error).message}`)
  }
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

// "checked 2 partitions, 3 segments, 150 batches: no problems found" — what was read, then the verdict.
function summary({scope, problems, notes, checked}: VerifyResult): string {
  if (scope === 'data-dir' && checked.partitions === 0) return 'checked 0 partitions: the data directory holds no partition directories'
  const what = [count(checked.segments, 'segment'), count(checked.batches, 'batch', 'batches')]
  if (scope !== 'segment') what.unshift(count(checked.partitions, 'partition'))
  const files = new Set(problems.map((p) => p.file)).size
  const verdict = problems.length === 0 ? 'no problems found' : `${count(problems.length, 'problem')} in ${count(files, 'file')}`
  return `checked ${what.join(', ')}: ${verdict}${notes.length > 0 ? ` (${count(notes.length, 'note')})` : ''}`
}
