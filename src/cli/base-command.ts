// The base of every samsa command: shared flags, and one place that turns errors into a single stderr
// line and a documented exit code. Commands return a typed result; `--json` prints it (oclif's
// enableJsonFlag), humans get tables rendered by the command.
import {Command, Flags, Interfaces} from '@oclif/core'
import {SamsaError, isSamsaError} from '../errors.js'
import {resolveDataDir} from './data-dir.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'data-dir': Flags.string({
      description: 'data directory (default: $SAMSA_DATA_DIR, else $XDG_DATA_HOME/samsa)',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  protected get dataDir(): string {
    return resolveDataDir(this.flags['data-dir'])
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // Parse errors and explicit exits already carry their own message and code.
    if (err.oclif?.exit !== undefined && !isSamsaError(err)) return super.catch(err)
    const error = isSamsaError(err) ? err : new SamsaError('INTERNAL', `internal error: ${err.message}`, {cause: err})
    if (this.jsonEnabled()) this.logJson({error: error.toJSON()})
    process.stderr.write(`samsa: ${error.message}\n`)
    if (!isSamsaError(err) && process.env.SAMSA_DEBUG) process.stderr.write(`${err.stack}\n`)
    return this.exit(error.exitCode)
  }
}
