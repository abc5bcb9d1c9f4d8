// mkdir -p, for every layer that creates its directories (the data directory, run/, checkpoints' dirs).
// Not Node's `mkdirSync(dir, {recursive: true})`: on a path it can never create it may never return —
// Node 20 spins at 100% CPU on `/proc/1/nope`, where mkdir answers ENOENT although the parent exists.
// Here each missing directory, from the top down, is made once, and the first failure is thrown as is.
import {mkdirSync, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

export function makeDirs(dir: string, mode = 0o777): void {
  const missing: string[] = []
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), {code: 'ENOTDIR'})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw err
      missing.push(d)
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, {mode})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err // made meanwhile by another process
    }
  }
}
