// The durable topic catalog: one file per topic, `<data>/topics/<name>.json`, each written with
// writeFileDurably (tmp → fdatasync → rename → fsync dir). Runs on the main thread; every mutation goes
// through the daemon's admin queue, one at a time.
//
//   {"version":1, "name":"orders", "partitions":3, "configs":{"retention.ms":"3600000"}, "seq":7, "createdAt":…}
//
// `configs` holds only the overrides, as the raw strings a user gave (validated before they are written);
// `seq` is the topic's creation number, which fixes its partitions' workers (worker-pool.ts).
//
// Crash safety — the catalog entry is the commit point:
//   create:  partition directories first, catalog entry last. A crash in between leaves directories with
//            no entry, which cleanupLeftovers() deletes at the next start: the topic is absent.
//   grow:    new partition directories first, then the entry with the new count (leftovers ≥ count go).
//   delete:  the entry is removed durably first, then the directories (leftovers go at the next start).
// An entry that cannot be read is reported and its directories are left alone: recovery never destroys
// data because of metadata it could not read (RELIABILITY.md rule 3).
import {lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync} from 'node:fs'
import {join} from 'node:path'
import {SamsaError} from '../errors.js'
import {isLegalTopicName} from '../protocol/control/topic-name.js'
import {writeFileDurably} from '../storage/checkpoint.js'
import {nodeFileIo} from '../storage/file-io.js'

export const CATALOG_DIR = 'topics'
const SUFFIX = '.json'
const PARTITION_DIR = /^(.+)-(0|[1-9]\d{0,8})$/

export interface TopicMeta {
  name: string
  partitions: number
  configs: Record<string, string> // overrides only; a null-prototype copy in memory
  seq: number
  createdAt: number
}

export interface CatalogLoad {
  topics: TopicMeta[]
  unreadable: string[] // topic names whose entry exists but could not be read: their dirs are kept
}

// The directory of one partition. `name` must already be a legal topic name: callers validate first.
export function partitionDir(dataDir: string, name: string, partition: number): string {
  if (!isLegalTopicName(name)) throw new SamsaError('INVALID_TOPIC', `refusing to build a path from topic name ${JSON.stringify(name)}`)
  return join(dataDir, `${name}-${partition}`)
}

// Throws STORAGE_ERROR when path exists and is a symbolic link: the daemon never follows links inside
// its data directory, so a link planted there cannot redirect its writes or deletes.
export function refuseSymlink(path: string): void {
  let isLink = false
  try {
    isLink = lstatSync(path).isSymbolicLink()
  } catch {
    return // absent: nothing to refuse
  }
  if (isLink) throw new SamsaError('STORAGE_ERROR', `${path} is a symbolic link; samsa does not follow links inside its data directory`)
}

export class TopicCatalog {
  readonly dir: string

  constructor(readonly dataDir: string) {
    this.dir = join(dataDir, CATALOG_DIR)
  }

  // Reads every entry; deletes stray `.tmp` files (an interrupted write: the old or the new file stands).
  load(log: (line: string) => void): CatalogLoad {
    refuseSymlink(this.dir)
    mkdirSync(this.dir, {recursive: true, mode: 0o700})
    const topics: TopicMeta[] = []
    const unreadable: string[] = []
    for (const file of readdirSync(this.dir).sort()) {
      const path = join(this.dir, file)
      if (file.endsWith('.tmp')) {
        rmSync(path, {force: true})
        continue
      }
      if (!file.endsWith(SUFFIX)) continue
      const name = file.slice(0, -SUFFIX.length)
      if (!isLegalTopicName(name)) {
        log(`catalog: ignoring ${path}: not a legal topic name`)
        continue
      }
      try {
        refuseSymlink(path)
        topics.push(parseEntry(name, readFileSync(path, 'utf8')))
      } catch (err) {
        unreadable.push(name)
        log(`catalog: topic ${name} is unavailable: cannot read ${path}: ${(err as Error).message}; its partition directories are kept`)
      }
    }
    return {topics, unreadable}
  }

  // Deletes partition directories that no catalog entry accounts for: the remains of a create or grow
  // interrupted before its entry was written, or of a delete interrupted after its entry was removed.
  cleanupLeftovers(load: CatalogLoad, log: (line: string) => void): void {
    const counts = new Map<string, number>()
    for (const t of load.topics) counts.set(t.name, t.partitions)
    const keep = new Set(load.unreadable)
    for (const entry of readdirSync(this.dataDir, {withFileTypes: true})) {
      const m = PARTITION_DIR.exec(entry.name)
      if (!m || !isLegalTopicName(m[1])) continue
      const topic = m[1]!
      const partition = Number(m[2])
      if (keep.has(topic)) continue
      const count = counts.get(topic)
      if (count !== undefined && partition < count) continue
      const path = join(this.dataDir, entry.name)
      if (entry.isSymbolicLink()) {
        log(`startup: leaving symbolic link ${path} alone (not followed, not deleted)`)
        continue
      }
      if (!entry.isDirectory()) continue
      rmSync(path, {recursive: true, force: true})
      const why = count === undefined ? 'no catalog entry' : `topic ${topic} has ${count} partition(s)`
      log(`startup: removed leftover partition directory ${path} (${why}: a create or delete was interrupted)`)
    }
  }

  // Durably writes (creates or replaces) a topic's entry: the commit point of create and alter.
  write(meta: TopicMeta): void {
    const body = {
      version: 1,
      name: meta.name,
      partitions: meta.partitions,
      configs: meta.configs,
      seq: meta.seq,
      createdAt: meta.createdAt,
    }
    const path = this.entryPath(meta.name)
    refuseSymlink(path)
    writeFileDurably(path, `${JSON.stringify(body, null, 2)}\n`)
  }

  // Durably removes a topic's entry: the commit point of delete.
  remove(name: string): void {
    const path = this.entryPath(name)
    try {
      unlinkSync(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SamsaError('STORAGE_ERROR', `cannot remove catalog entry ${path}: ${(err as Error).message}`, {cause: err})
      }
    }
    try {
      nodeFileIo.fsyncDir(this.dir)
    } catch (err) {
      throw new SamsaError('STORAGE_ERROR', `cannot fsync ${this.dir}: ${(err as Error).message}`, {cause: err})
    }
  }

  private entryPath(name: string): string {
    if (!isLegalTopicName(name)) throw new SamsaError('INVALID_TOPIC', `refusing to build a path from topic name ${JSON.stringify(name)}`)
    return join(this.dir, name + SUFFIX)
  }
}

function parseEntry(name: string, text: string): TopicMeta {
  const raw = JSON.parse(text) as Record<string, unknown>
  if (!raw || typeof raw !== 'object') throw new Error('not a JSON object')
  if (raw.name !== name) throw new Error(`names topic ${JSON.stringify(raw.name)}, not ${name}`)
  const partitions = raw.partitions
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) throw new Error('bad partition count')
  const seq = typeof raw.seq === 'number' && Number.isInteger(raw.seq) && raw.seq >= 0 ? raw.seq : 0
  const configs = Object.create(null) as Record<string, string>
  if (raw.configs && typeof raw.configs === 'object') {
    for (const [k, v] of Object.entries(raw.configs as Record<string, unknown>)) {
      if (typeof v === 'string') configs[k] = v
    }
  }
  const createdAt = typeof raw.createdAt === 'number' ? raw.createdAt : 0
  return {name, partitions, configs, seq, createdAt}
}
