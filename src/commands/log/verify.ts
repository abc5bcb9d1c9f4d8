// oclif subpaths, not '@oclif/core': its index also loads semver, help and ux (~60 CJS files) at startup
import * as Args from '@oclif/core/args'
import {readdirSync, statSync} from 'node:fs'
import {resolve} from 'node:path'
import {BaseCommand} from '../../cli/base-command.js'
import {ERROR_KINDS, SamsaError} from '../../errors.js'
import {formatProblem, type Problem, verifyDataDir, verifyPartitionDir, verifySegmentFile} from '../../storage/log-verifier.js'

export interface VerifyResult {
  path: string
  scope: 'segment' | 'partition' | 'data-dir'
  ok: boolean
  problems: Problem[]
}

export default class LogVerify extends BaseCommand<typeof LogVerify> {
  static override summary = 'Check every batch and index entry of a segment, a partition or the whole data directory'
  static override description =
    'Read-only and needs no daemon. Checks batch framing, CRC-32C, record structure, LZ4/gzip frames, offsets in ' +
    'order across batches and segments, every .index and .timeindex entry, and the checkpoints. Prints one line ' +
    'per problem (file:byte-position: what is wrong) on stdout and exits 7 when there is any, 0 when clean. ' +
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
    const path = resolve(this.args.path ?? this.dataDir)
    let isDir: boolean
    try {
      isDir = statSync(path).isDirectory()
    } catch {
      throw new SamsaError('NOT_FOUND', `no such file or directory: ${path}`)
    }
    const scope = !isDir ? 'segment' : readdirSync(path).some((n) => n.endsWith('.log')) ? 'partition' : 'data-dir'
    const problems =
      scope === 'segment' ? verifySegmentFile(path) : scope === 'partition' ? verifyPartitionDir(path) : verifyDataDir(path)
    const result: VerifyResult = {path, scope, ok: problems.length === 0, problems}
    if (!this.jsonEnabled()) {
      for (const p of problems) this.log(formatProblem(p))
      const files = new Set(problems.map((p) => p.file)).size
      this.logToStderr(
        problems.length === 0
          ? `samsa: ${path}: no problems found`
          : `samsa: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
      )
    }
    // Problems are this command's output, not its failure: print them, then exit 7 (CORRUPT_LOG).
    if (problems.length > 0) process.exitCode = ERROR_KINDS.CORRUPT_LOG.exitCode
    return result
  }
}
