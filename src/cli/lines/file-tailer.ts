// Follows a growing log file like `tail -F`: bytes in file order, across rotation and truncation.
//
// Every wake-up (a chokidar event, or a 1 s safety poll, since bursts merge and events can be missed)
// runs one read cycle, never two at once:
//   1. stat(path). An inode different from the open file's means the file was rotated (renamed away and
//      recreated — chokidar reports that as a `change` with a smaller size, not unlink + add): the old
//      file is read to its end through the still-open descriptor, onRotate() lets the caller finish a
//      last line that had no newline, and the new file is read from byte 0.
//   2. Same inode but smaller than our position: truncated (copytruncate) → onTruncate(), restart at 0.
//   3. Read from the position to end of file in 1 MiB chunks (onData, which may await backpressure),
//      then onEndOfFile() — where the caller flushes and checkpoints.
// A missing file (between rename and recreate) is waited for. Start positions come from a checkpoint
// {inode, position}: the same inode resumes there; another inode means the file was rotated while we
// were away, so the old inode is looked for among the directory's files and read from the checkpoint to
// its end first, then the current file from 0 — no line lost, none repeated.
import {watch, type FSWatcher} from 'chokidar'
import {open, readdir, stat, type FileHandle} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

const READ_BYTES = 1024 * 1024

export interface TailerEvents {
  onData(chunk: Buffer): void | Promise<void>
  onEndOfFile(): void | Promise<void>
  onRotate(): void | Promise<void>
  onTruncate(): void | Promise<void>
  onWarning(message: string): void
}

export interface TailerStart {
  inode: number
  position: number
}

export class FileTailer {
  readonly path: string
  private readonly events: TailerEvents
  private readonly pollMs: number
  private fh: FileHandle | null = null
  private inodeOpen = -1
  private pos = 0
  private resumeAt: TailerStart | null
  private watcher: FSWatcher | null = null
  private timer: NodeJS.Timeout | null = null
  private reading: Promise<void> | null = null
  private again = false
  private stopped = false
  private failure: ((err: Error) => void) | null = null

  constructor(path: string, events: TailerEvents, start: TailerStart | null = null, options: {pollMs?: number} = {}) {
    this.path = path
    this.events = events
    this.resumeAt = start
    this.pollMs = options.pollMs ?? 1000
  }

  /** Inode of the file being read (-1 before it was opened). */
  get inode(): number {
    return this.inodeOpen
  }

  /** Byte position read up to in the current file. */
  get position(): number {
    return this.pos
  }

  /**
   * Starts following; resolves when stop() is called, rejects when a read fails. The first read cycle
   * runs at once.
   */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.failure = (err) => {
        void this.stop()
        reject(err)
      }
      this.stopResolve = resolve
      this.watcher = watch(this.path, {persistent: true, ignoreInitial: true, atomic: false})
      this.watcher.on('all', () => this.wake())
      this.watcher.on('error', (err) => this.events.onWarning(`watching ${this.path}: ${(err as Error).message}`))
      this.timer = setInterval(() => this.wake(), this.pollMs)
      this.wake()
    })
  }

  private stopResolve: (() => void) | null = null

  /** Stops watching after the current cycle; closes the file. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    const w = this.watcher
    this.watcher = null
    await this.reading?.catch(() => {})
    await w?.close().catch(() => {})
    await this.fh?.close().catch(() => {})
    this.fh = null
    this.stopResolve?.()
  }

  /** Runs one read cycle (coalescing wake-ups that arrive meanwhile). */
  wake(): void {
    if (this.stopped) return
    if (this.reading) {
      this.again = true
      return
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false
          await this.cycle()
        } while (this.again && !this.stopped)
      } catch (err) {
        this.failure?.(err as Error)
      } finally {
        this.reading = null
      }
    })()
  }

  private async cycle(): Promise<void> {
    const st = await statOrNull(this.path)
    if (this.fh === null) {
      if (st === null) return // not there yet (or between rename and recreate)
      await this.openFirst(st.ino, st.size)
      if (this.stopped) return
    } else if (st !== null && st.ino !== this.inodeOpen) {
      await this.readToEnd()
      await this.events.onRotate()
      await this.fh.close()
      this.fh = await open(this.path, 'r')
      this.inodeOpen = (await this.fh.stat()).ino
      this.pos = 0
    } else if (st !== null && st.size < this.pos) {
      this.events.onWarning(`${this.path} was truncated (${st.size} < ${this.pos} bytes): reading again from the start`)
      await this.events.onTruncate()
      this.pos = 0
    }
    await this.readToEnd()
    if (!this.stopped) await this.events.onEndOfFile()
  }

  private async openFirst(ino: number, size: number): Promise<void> {
    const start = this.resumeAt
    this.resumeAt = null
    if (start && start.inode !== ino) {
      // Rotated while we were away: finish the old file first if it is still around.
      const old = await findByInode(dirname(this.path), start.inode)
      if (old) {
        this.fh = await open(old, 'r')
        this.inodeOpen = start.inode
        this.pos = start.position
        const st = await this.fh.stat()
        if (st.size < this.pos) this.pos = 0
        this.events.onWarning(`${this.path} was rotated while samsa was stopped: finishing ${basename(old)} first`)
        await this.readToEnd()
        await this.events.onRotate()
        await this.fh.close()
      } else {
        this.events.onWarning(
          `${this.path} was replaced while samsa was stopped and the old file is gone: starting the new file from the beginning`,
        )
      }
      this.fh = await open(this.path, 'r')
      this.inodeOpen = (await this.fh.stat()).ino
      this.pos = 0
      return
    }
    this.fh = await open(this.path, 'r')
    this.inodeOpen = (await this.fh.stat()).ino
    this.pos = start ? start.position : 0
    if (this.inodeOpen !== ino) this.pos = 0 // replaced between stat and open
    if (start && size < start.position) {
      this.events.onWarning(`${this.path} is shorter than the checkpoint (${size} < ${start.position} bytes): reading from the start`)
      this.pos = 0
    }
  }

  private async readToEnd(): Promise<void> {
    const fh = this.fh!
    for (;;) {
      if (this.stopped) return
      // A fresh buffer per read: lines handed out are views into it, and the caller may keep them.
      const buf = Buffer.allocUnsafe(READ_BYTES)
      const {bytesRead} = await fh.read(buf, 0, READ_BYTES, this.pos)
      if (bytesRead === 0) return
      this.pos += bytesRead
      await this.events.onData(buf.subarray(0, bytesRead))
    }
  }
}

async function statOrNull(path: string): Promise<{ino: number; size: number} | null> {
  try {
    const st = await stat(path)
    return {ino: st.ino, size: st.size}
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

async function findByInode(dir: string, ino: number): Promise<string | null> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return null
  }
  for (const name of names) {
    const p = join(dir, name)
    const st = await stat(p).catch(() => null)
    if (st && st.isFile() && st.ino === ino) return p
  }
  return null
}
