// Shell completion scripts for `samsa completion bash|zsh|fish`, written from the commands oclif loaded
// (oclif.manifest.json): every command, group and flag the installed samsa has, nothing hand-kept. The
// scripts are static — a TAB runs no node — and know which flags take a value, so the words after a
// command (its arguments, a flag's value) are not taken for more command words:
//   samsa to<TAB>            → topic            samsa topic <TAB>       → alter compact create …
//   samsa consume logs --fo<TAB> → --follow --format
//   samsa produce t --compression <TAB> → lz4 none      a flag's other values and arguments: file names
//   samsa --profile <TAB>, samsa config use <TAB> → the profile names (the files in the profiles directory,
//                                                   listed by the shell at the TAB: cli/profiles.ts)
// zsh runs the bash function through bashcompinit (zsh's own bash-completion layer); fish gets its own
// `complete` lines, with descriptions.

import {PROFILE_SUFFIX} from './profiles.js'

export type Shell = 'bash' | 'zsh' | 'fish'
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish']

export interface CompletionFlag {
  name: string
  char?: string
  takesValue: boolean
  allowNo?: boolean
  options?: readonly string[]
  profile?: boolean // the value is a connection profile's name (or "none")
  description?: string
}

export interface CompletionCommand {
  id: string // words separated by spaces: "topic create"
  description?: string
  flags: CompletionFlag[]
  profileArgument?: boolean // the argument is an existing profile's name
}

export interface CompletionSpec {
  bin: string
  version: string
  commands: CompletionCommand[]
  groups: Map<string, string> // a group of commands ("topic") → its description
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  if (shell === 'fish') return fishScript(spec)
  const bash = bashScript(spec)
  if (shell === 'bash') return bash
  return (
    `# ${spec.bin} ${spec.version} completion for zsh (${spec.bin} completion zsh): the bash completion below, through\n` +
    `# zsh's bashcompinit. In ~/.zshrc, after compinit:  source <(${spec.bin} completion zsh)\n` +
    `autoload -U +X bashcompinit && bashcompinit\n${bash}`
  )
}

// ── bash ─────────────────────────────────────────────────────────────────────────────────────────────
function bashScript(spec: CompletionSpec): string {
  const fn = `_${identifier(spec.bin)}_complete`
  const words = [...childWords(spec)].map(([path, next]) => `    ${caseLabel(path)}) echo ${quote(next.join(' '))} ;;`)
  // a flag that takes a value is listed with a trailing '=': the word after it is its value
  const flags = spec.commands.map((c) => `    ${caseLabel(c.id)}) echo ${quote(flagWords(c).join(' '))} ;;`)
  const values = spec.commands.flatMap((c) =>
    c.flags.filter((f) => f.options && f.options.length > 0).flatMap((f) => flagNames(f).map((n) => `    ${caseLabel(`${c.id} ${n}`)}) echo ${quote(f.options!.join(' '))} ;;`)),
  )
  const profileValues = spec.commands.flatMap((c) => c.flags.filter((f) => f.profile).flatMap((f) => flagNames(f).map((n) => caseLabel(`${c.id} ${n}`))))
  if (profileValues.length > 0) values.push(`    ${profileValues.join('|')}) ${fn}_profiles; echo none ;;`)
  const profileArgs = spec.commands.filter((c) => c.profileArgument).map((c) => caseLabel(c.id))
  const args = profileArgs.length > 0 ? [`    ${profileArgs.join('|')}) ${fn}_profiles ;;`] : []
  return `# ${spec.bin} ${spec.version} completion for bash (${spec.bin} completion bash)
# Load it now:  source <(${spec.bin} completion bash)
# For good:     ${spec.bin} completion bash > ~/.local/share/bash-completion/completions/${spec.bin}
${fn}_words() {
  case "$1" in
${words.join('\n')}
  esac
}
${fn}_flags() {
  case "$1" in
${flags.join('\n')}
    *) echo '--help' ;;
  esac
}
${fn}_values() {
  case "$1" in
${values.join('\n')}
  esac
}
${fn}_args() {
  case "$1" in
${args.join('\n')}
  esac
}
${fn}_profiles() { # the names of the profile files (samsa config list)
  local f
  for f in "\${XDG_CONFIG_HOME:-$HOME/.config}"/samsa/profiles/*${PROFILE_SUFFIX}; do
    [[ -e $f ]] && f=\${f##*/} && echo "\${f%${PROFILE_SUFFIX}}"
  done
}
${fn}() {
  [[ -n \${ZSH_VERSION-} ]] && setopt local_options ksh_arrays # zsh (bashcompinit): arrays from 0, as in bash
  local cur=\${COMP_WORDS[COMP_CWORD]} path="" word next value="" i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $value ]]; then value=""; continue; fi
    case $word in
      --*=*) ;;
      -*) [[ " $(${fn}_flags "$path") " == *" $word= "* ]] && value=$word ;;
      *)
        if [[ $path == help || $path == "help "* ]]; then next=\${path#help}; next=\${next# }; else next=$path; fi
        [[ " $(${fn}_words "$next") " == *" $word "* ]] && path="\${path:+$path }$word" ;;
    esac
  done
  if [[ -n $value ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_values "$path $value")" -- "$cur"))
    return 0 # no listed values: file names (complete -o default)
  fi
  if [[ $cur == -* ]]; then
    local listed
    listed=$(${fn}_flags "$path")
    COMPREPLY=($(compgen -W "\${listed//=/}" -- "$cur"))
  elif [[ $path == help || $path == "help "* ]]; then
    next=\${path#help}
    COMPREPLY=($(compgen -W "$(${fn}_words "\${next# }")" -- "$cur"))
  else
    local listed
    listed=$(${fn}_words "$path")
    [[ -z $listed ]] && listed=$(${fn}_args "$path")
    COMPREPLY=($(compgen -W "$listed" -- "$cur"))
  fi
}
complete -o default -F ${fn} ${spec.bin}
`
}

// Every path of command words (the root "", groups, commands with subcommands) → the words that follow it.
function childWords(spec: CompletionSpec): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const c of spec.commands) {
    const words = c.id.split(' ')
    for (let i = 0; i < words.length; i++) {
      const path = words.slice(0, i).join(' ')
      const next = out.get(path) ?? []
      if (!next.includes(words[i]!)) next.push(words[i]!)
      out.set(path, next)
    }
  }
  for (const next of out.values()) next.sort()
  return out
}

function flagNames(f: CompletionFlag): string[] {
  return f.char ? [`--${f.name}`, `-${f.char}`] : [`--${f.name}`]
}

function flagWords(c: CompletionCommand): string[] {
  const out: string[] = []
  for (const f of c.flags) {
    for (const n of flagNames(f)) out.push(f.takesValue ? `${n}=` : n)
    if (f.allowNo) out.push(`--no-${f.name}`)
  }
  out.push('--help')
  return out
}

// ── fish ─────────────────────────────────────────────────────────────────────────────────────────────
function fishScript(spec: CompletionSpec): string {
  const bin = spec.bin
  const id = identifier(bin)
  const lines = [
    `# ${bin} ${spec.version} completion for fish (${bin} completion fish)`,
    `# Load it now:  ${bin} completion fish | source`,
    `# For good:     ${bin} completion fish > ~/.config/fish/completions/${bin}.fish`,
    `# __${id}_is WORDS: the command words typed so far are WORDS (flags, flag values and arguments skipped)`,
    `function __${id}_is`,
    `    set -l words (commandline -opc)`,
    `    set -e words[1]`,
    `    set -l path ''`,
    `    set -l skip 0`,
    `    for w in $words`,
    `        if test $skip = 1; set skip 0; continue; end`,
    `        switch $w`,
    `            case '--*=*'`,
    `            case '-*'`,
    `                contains -- (string trim "$path $w") $__${id}_valued; and set skip 1`,
    `            case '*'`,
    `                contains -- (string trim "$path $w") $__${id}_paths; and set path (string trim "$path $w")`,
    `        end`,
    `    end`,
    `    test "$path" = "$argv"`, // a quoted list: its words joined by spaces
    `end`,
    `complete -c ${bin} -f`,
    `# __${id}_profiles: the names of the profile files (${bin} config list)`,
    `function __${id}_profiles`,
    `    set -l base $HOME/.config`,
    `    test -n "$XDG_CONFIG_HOME"; and set base $XDG_CONFIG_HOME`,
    `    for f in $base/samsa/profiles/*${PROFILE_SUFFIX}`,
    `        basename $f ${PROFILE_SUFFIX}`,
    `    end`,
    `end`,
  ]
  const paths = [...childWords(spec).keys(), ...spec.commands.map((c) => c.id)].filter((p) => p !== '')
  lines.push(`set -g __${id}_paths ${[...new Set(paths)].map(quote).join(' ')}`)
  const valued = spec.commands.flatMap((c) => c.flags.filter((f) => f.takesValue).flatMap((f) => flagNames(f).map((n) => quote(`${c.id} ${n}`))))
  lines.push(`set -g __${id}_valued ${valued.join(' ')}`)
  const described = new Map<string, string | undefined>([...spec.groups, ...spec.commands.map((c): [string, string | undefined] => [c.id, c.description])])
  for (const [path, next] of childWords(spec)) {
    for (const w of next) {
      const d = described.get(path === '' ? w : `${path} ${w}`)
      lines.push(`complete -c ${bin} -n ${quote(`__${id}_is ${path}`.trim())} -a ${w}${d ? ` -d ${quote(firstLine(d))}` : ''}`)
    }
  }
  for (const c of spec.commands) {
    const when = `-n ${quote(`__${id}_is ${c.id}`)}`
    // arguments: file names, or the profiles
    lines.push(c.profileArgument ? `complete -c ${bin} ${when} -x -a ${quote(`(__${id}_profiles)`)}` : `complete -c ${bin} ${when} -F`)
    for (const f of c.flags) {
      const d = f.description ? ` -d ${quote(firstLine(f.description))}` : ''
      const listed = f.profile ? `(__${id}_profiles) none` : f.options?.length ? f.options.join(' ') : null
      const value = f.takesValue ? (listed !== null ? ` -x -a ${quote(listed)}` : ' -r -F') : ''
      lines.push(`complete -c ${bin} ${when} -l ${f.name}${f.char ? ` -s ${f.char}` : ''}${value}${d}`)
      if (f.allowNo) lines.push(`complete -c ${bin} ${when} -l no-${f.name}`)
    }
  }
  return lines.join('\n') + '\n'
}

// ── shared ───────────────────────────────────────────────────────────────────────────────────────────
function identifier(bin: string): string {
  return bin.replace(/[^A-Za-z0-9_]/g, '_')
}

// A case label matching exactly this text (quoted, so spaces and globs are literal).
function caseLabel(text: string): string {
  return quote(text)
}

// Single-quoted for sh and fish: a ' inside becomes '\''
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 100)
}
