// `samsa completion bash|zsh|fish`: a completion script for the shell, from the commands oclif loaded
// (oclif.manifest.json). Not oclif's autocomplete plugin: see the README's Design section for the reasons
// and the figures.
import * as Args from '@oclif/core/args'
import type {Command} from '@oclif/core/command'
import {BaseCommand} from '../cli/base-command.js'
import {completionScript, SHELLS, type CompletionCommand, type CompletionFlag, type Shell} from '../cli/completion.js'
import {SamsaError} from '../errors.js'

export default class Completion extends BaseCommand<typeof Completion> {
  static override baseFlags = {} // prints a script: no daemon, no data directory
  static override enableJsonFlag = false
  static override summary = 'Print a shell completion script (bash, zsh or fish)'
  static override description =
    'The script completes commands, groups, flags, the values of flags that have a fixed set, and profile names ' +
    '(--profile, config show|use|delete); other flag values and arguments complete as file names. It is static ' +
    '(a TAB runs no node): print it again after upgrading samsa.'
  static override examples = [
    {description: 'Load it into this bash', command: 'source <(<%= config.bin %> <%= command.id %> bash)'},
    {description: 'For every new bash', command: '<%= config.bin %> <%= command.id %> bash > ~/.local/share/bash-completion/completions/<%= config.bin %>'},
    {description: 'zsh: add this line to ~/.zshrc, after compinit', command: 'source <(<%= config.bin %> <%= command.id %> zsh)'},
    {description: 'fish', command: '<%= config.bin %> <%= command.id %> fish > ~/.config/fish/completions/<%= config.bin %>.fish'},
  ]
  static override args = {
    shell: Args.string({description: `the shell: ${SHELLS.join(', ')}`, required: true}),
  }

  public async run(): Promise<void> {
    const shell = this.args.shell
    if (!SHELLS.includes(shell as Shell)) throw new SamsaError('USAGE', `completion: unknown shell "${shell}" (one of: ${SHELLS.join(', ')})`)
    const commands: CompletionCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({id: c.id.replaceAll(':', ' '), description: c.summary ?? c.description, flags: completionFlags(c), profileArgument: PROFILE_ARGUMENT.has(c.id)}))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const groups = new Map(this.config.topics.map((t) => [t.name.replaceAll(':', ' '), t.description ?? '']))
    process.stdout.write(completionScript(shell as Shell, {bin: this.config.bin, version: this.config.version, commands, groups}))
  }
}

// The commands whose argument names an existing profile (config create names a new one).
const PROFILE_ARGUMENT = new Set(['config:show', 'config:use', 'config:delete'])

function completionFlags(c: Command.Loadable): CompletionFlag[] {
  return Object.entries(c.flags)
    .filter(([, f]) => !f.hidden)
    .map(([name, f]) => ({
      name,
      char: f.char,
      takesValue: f.type === 'option',
      allowNo: f.type === 'boolean' && f.allowNo === true,
      options: f.type === 'option' ? f.options : undefined,
      profile: name === 'profile',
      description: f.summary ?? f.description,
    }))
}
