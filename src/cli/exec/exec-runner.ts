// `consume --exec CMD`: runs CMD through /bin/sh once per record (or per batch), the record on its stdin
// and its metadata in the environment, and says whether it succeeded — retrying a failure up to `retries`
// times with backoff (100 ms, doubled each time, at most 5 s). CMD's stdout and stderr are the consumer's.
//
// Environment of each run: SAMSA_TOPIC, SAMSA_PARTITION, SAMSA_OFFSET (the first record's), SAMSA_TIMESTAMP
// (ms), SAMSA_KEY (the key as text; absent for a null key, or one that is not UTF-8 text without NUL —
// then SAMSA_KEY_BASE64), SAMSA_GROUP (with --group), SAMSA_ATTEMPT (1 for the first try); with
// --exec-batch also SAMSA_LAST_OFFSET and SAMSA_COUNT (no key variables).
//
// A command the shell cannot find (exit 127) or run (126) is not retried: it stops the consumer. Before
// anything is read, checkCommand() looks the command's first word up the way the shell would.
import {spawn} from 'node:child_process'
import {SamsaError} from '../../errors.js'

export const MAX_BACKOFF_MS = 5000
const FIRST_BACKOFF_MS = 100

export interface ExecOutcome {
  ok: boolean
  attempts: number
  status: string // "exit 3", "signal SIGKILL"
}

export interface ExecOptions {
  retries: number
  interrupted: () => boolean // stop retrying (Ctrl-C, SIGTERM)
  onRetry?: (status: string, attempt: number, waitMs: number) => void
  backoffMs?: number // the first wait (tests)
}

/** NOT_FOUND with one line when the shell would not find CMD's first word. */
export async function checkCommand(command: string): Promise<void> {
  if (command.trim() === '') throw new SamsaError('USAGE', '--exec needs a command')
  const word = firstWord(command)
  if (word === null) return // a compound command: the shell will say
  const found = await new Promise<boolean>((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'command -v -- "$1" >/dev/null 2>&1', 'sh', word], {stdio: 'ignore'})
    child.on('error', () => resolve(false))
    child.on('close', (code) => resolve(code === 0))
  })
  if (!found) throw new SamsaError('NOT_FOUND', `--exec: command not found: ${word}`)
}

// The command name of a simple command (after NAME=value assignments), or null when it is not plain text.
export function firstWord(command: string): string | null {
  let rest = command.trimStart()
  for (let m; (m = /^[A-Za-z_][A-Za-z0-9_]*=[^\s;&|<>()$`'"\\]*\s+/.exec(rest)); ) rest = rest.slice(m[0].length)
  const m = /^[^\s;&|<>()$`'"\\]+/.exec(rest)
  if (!m) return null
  const after = rest[m[0].length]
  return after === undefined || /[\s;&|]/.test(after) ? m[0] : null
}

export class ExecRunner {
  constructor(
    readonly command: string,
    private readonly options: ExecOptions,
  ) {}

  /** Runs CMD with `input` on stdin until it succeeds or the retries are used up. */
  async run(input: Buffer, env: Record<string, string>): Promise<ExecOutcome> {
    let wait = this.options.backoffMs ?? FIRST_BACKOFF_MS
    for (let attempt = 1; ; attempt++) {
      const status = await this.once(input, {...env, SAMSA_ATTEMPT: String(attempt)})
      if (status === 'exit 0') return {ok: true, attempts: attempt, status}
      if (status === 'exit 127' || status === 'exit 126') {
        const why = status === 'exit 127' ? 'command not found' : 'command cannot be run'
        throw new SamsaError('EXEC_FAILED', `--exec: ${why} (${status} from /bin/sh -c ${JSON.stringify(this.command)})`)
      }
      if (attempt > this.options.retries || this.options.interrupted()) return {ok: false, attempts: attempt, status}
      this.options.onRetry?.(status, attempt, wait)
      await new Promise((resolve) => setTimeout(resolve, wait))
      if (this.options.interrupted()) return {ok: false, attempts: attempt, status}
      wait = Math.min(wait * 2, MAX_BACKOFF_MS)
    }
  }

  private once(input: Buffer, env: Record<string, string>): Promise<string> {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', this.command], {stdio: ['pipe', 'inherit', 'inherit'], env: {...process.env, ...env}})
      child.on('error', (err) => resolve(`error ${err.message}`))
      child.on('close', (code, signal) => resolve(signal ? `signal ${signal}` : `exit ${code}`))
      child.stdin.on('error', () => {}) // a command that does not read its input
      child.stdin.end(input)
    })
  }
}

/** The environment for one record (or, with last/count, one batch) of topic-partition. */
export function recordEnv(
  topic: string,
  partition: number,
  offset: number,
  timestamp: number,
  key: Buffer | null,
  group: string | undefined,
  batch?: {lastOffset: number; count: number},
): Record<string, string> {
  const env: Record<string, string> = {SAMSA_TOPIC: topic, SAMSA_PARTITION: String(partition), SAMSA_OFFSET: String(offset), SAMSA_TIMESTAMP: String(timestamp)}
  if (group !== undefined) env.SAMSA_GROUP = group
  if (batch) {
    env.SAMSA_LAST_OFFSET = String(batch.lastOffset)
    env.SAMSA_COUNT = String(batch.count)
  } else if (key !== null) {
    const text = key.toString('utf8')
    if (!text.includes('\0') && Buffer.from(text, 'utf8').equals(key)) env.SAMSA_KEY = text
    else env.SAMSA_KEY_BASE64 = key.toString('base64')
  }
  return env
}
