// One status line on a terminal (a produce's progress bar, a follow's counts), redrawn in place with
// "\r" and erase-line, that messages can cross: a message clears the line, is printed on a line of its
// own, and the status is drawn again below it. end() draws the last frame and finishes the line, so
// whatever comes next (the shell's prompt) starts on a line of its own.
//
// Why not cli-progress's bar: it saves the cursor when it starts and restores it when it stops, so after
// a message had moved the bar down a line, the restore put the cursor back over the message and the
// prompt printed over the bar.
const ERASE = '\r\x1b[K'

export class StatusLine {
  private text = ''
  private active = false

  constructor(private readonly stream: NodeJS.WritableStream = process.stderr) {}

  draw(text: string): void {
    this.text = text
    this.active = true
    this.stream.write(`${ERASE}${text}`)
  }

  /** A line of its own (a warning), above the status. */
  message(line: string): void {
    this.stream.write(`${ERASE}${line}\n${this.active ? this.text : ''}`)
  }

  /** The last frame, on a finished line; nothing when nothing was drawn. */
  end(text: string = this.text): void {
    if (!this.active) return
    this.active = false
    this.stream.write(`${ERASE}${text}\n`)
  }

  /** Clears the line without a last frame (a status that means nothing once it stops). */
  clear(): void {
    if (!this.active) return
    this.active = false
    this.stream.write(ERASE)
  }
}

const BAR_WIDTH = 40

// "producing ████████░░░░ 42% | 1200 lines read, 1100 acknowledged | 3s left"
export function progressFrame(done: number, total: number, elapsedMs: number, counts: string): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(ratio * BAR_WIDTH)
  const bar = '\u2588'.repeat(filled) + '\u2591'.repeat(BAR_WIDTH - filled)
  const left = ratio >= 1 ? 'done' : done > 0 ? `${Math.ceil(((total - done) * elapsedMs) / done / 1000)}s left` : '…'
  return `producing ${bar} ${Math.floor(ratio * 100)}% | ${counts} | ${left}`
}
