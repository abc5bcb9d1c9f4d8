// Where `samsa produce --file PATH --follow` left off, so a restart neither loses nor repeats lines.
//
// File: <data>/tail-checkpoints/<sha256(absolute path NUL topic), 16 hex>.json
//   {"version":1,"path":"/var/log/app.log","topic":"logs","inode":1234,"position":56789,"updatedAt":"…"}
// position is the byte just after the last line whose record was acknowledged: the tailer only writes a
// checkpoint after the producer's flush() resolved, so everything before it is in the log.
// Written with README Guarantees, rule 5: tmp → fsync → rename → fsync the directory. A checkpoint that
// cannot be read counts as absent (start of the file): a repeat is better than a loss.
import {createHash} from 'node:crypto'
import {closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {makeDirs} from '../../make-dirs.js'

export interface TailCheckpoint {
  path: string
  topic: string
  inode: number
  position: number
}

export function checkpointPath(dataDir: string, filePath: string, topic: string): string {
  const hash = createHash('sha256').update(`${resolve(filePath)}\0${topic}`).digest('hex').slice(0, 16)
  return join(dataDir, 'tail-checkpoints', `${hash}.json`)
}

export function readTailCheckpoint(file: string): TailCheckpoint | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const o = JSON.parse(text) as Partial<TailCheckpoint>
    if (typeof o.path !== 'string' || typeof o.topic !== 'string') return undefined
    if (!Number.isSafeInteger(o.inode) || !Number.isSafeInteger(o.position) || o.position! < 0) return undefined
    return {path: o.path, topic: o.topic, inode: o.inode!, position: o.position!}
  } catch {
    return undefined
  }
}

export function writeTailCheckpoint(file: string, cp: TailCheckpoint): void {
  const dir = join(file, '..')
  makeDirs(dir, 0o700)
  const tmp = `${file}.tmp`
  const body = JSON.stringify({version: 1, ...cp, updatedAt: new Date().toISOString()}) + '\n'
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, body)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
  const dfd = openSync(dir, 'r')
  try {
    fsyncSync(dfd)
  } finally {
    closeSync(dfd)
  }
}
