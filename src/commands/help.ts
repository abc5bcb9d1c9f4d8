// `samsa help [COMMAND…]`: what `samsa COMMAND --help` prints, for those who type it the other way round.
// oclif's help plugin would do the same; it is one class of @oclif/core, so no plugin.
import {Command} from '@oclif/core/command'
import * as Args from '@oclif/core/args'
import {SamsaError} from '../errors.js'

export default class Help extends Command {
  static override summary = 'Show help for samsa or for one of its commands'
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help topic create']
  static override strict = false // the command's words
  static override args = {
    command: Args.string({description: 'a command or a group of commands (e.g. topic, topic create)', ignoreStdin: true}),
  }

  public async run(): Promise<void> {
    const words = this.argv.filter((a) => !a.startsWith('-'))
    const id = words.join(':')
    if (id !== '' && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      process.stderr.write(`samsa: ${new SamsaError('USAGE', `unknown command "${words.join(' ')}" (see: ${this.config.bin} --help)`).message}\n`)
      return this.exit(2)
    }
    // the help module is loaded only here: it is big, and every other command starts without it
    const {loadHelpClass} = await import('@oclif/core/help')
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions).showHelp(words)
  }
}
