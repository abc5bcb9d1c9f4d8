// The durable topic catalog: one file, `<data>/catalog.json`, rewritten whole with writeFileDurably
// (tmp → fdatasync → rename → fsync dir) on every change. Runs on the main thread; every mutation goes
// through the daemon's admin queue, one at a time.
//
//   {"version":1, "topics":[{"name":"orders", "partitions":3, "configs":{"retention.ms":"3600000"},
//                            "seq":7, "createdAt":…}, …]}
//
// `configs` holds only the overrides, as the raw strings a user gave (validated before they are written);
// `seq` is the topic's creation number, which fixes its partitions' workers (worker-pool.ts).
// Why one file and not one per topic: a 249-character topic name plus ".json.tmp" would pass NAME_MAX
// (255), and a single file makes every change one atomic rename. Thousands of topics are a few hundred KB.
//
// Crash safety — the catalog write is the commit point:
//   create:  partition directories first, catalog entry last. A crash in between leaves directories with
//            no entry, which cleanupLeftovers() deletes at the next start: the topic is absent.
//   grow:    new partition directories first, then the entry with the new count (leftovers ≥ count go).
//   delete:  the entry is removed durably first, then the directories (leftovers go at the next start).
// A catalog that exists but cannot be read stops the daemon from starting (STORAGE_ERROR) rather than
// treating every partition directory as a leftover: recovery never destroys data because of metadata it
// could not read (README Guarantees, rule 3).
import {lstatSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {SamsaError} from '../../errors.js'
import {isLegalTopicName} from '../../topic-name.js'
import {writeFileDurably} from '../../storage/checkpoint.js'
import {type FileIo, nodeFileIo} from '../../storage/file-io.js'

export const CATALOG_FILE = 'catalog.json'
const PARTITION_DIR = /^(.+)-(0|[1-9]\d{0,8})$/

export interface TopicMeta {
  name: string
  partitions: number
  configs: Record<string, string> // overrides only; a null-prototype copy in memory
  seq: number
  createdAt: number
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
  readonly path: string
  private readonly entries = new Map<string, TopicMeta>()

  // io: the failpoints' file I/O in fault tests (storage/failpoints.ts), else the plain one
  constructor(
    readonly dataDir: string,
    private readonly io: FileIo = nodeFileIo,
  ) {
    this.path = join(dataDir, CATALOG_FILE)
  }

  // Reads the catalog (absent = no topics); deletes a stray `.tmp` (an interrupted write: the old file stands).
  load(log: (line: string) => void): TopicMeta[] {
    refuseSymlink(this.path)
    rmSync(this.path + '.tmp', {force: true})
    let text: string | null = null
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(this.path, err)
    }
    this.entries.clear()
    if (text === null) return []
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (err) {
      throw unreadable(this.path, err)
    }
    const topics = (raw as {topics?: unknown} | null)?.topics
    if (!Array.isArray(topics)) throw unreadable(this.path, new Error('no "topics" array'))
    for (const t of topics) {
      try {
        const meta = parseEntry(t)
        this.entries.set(meta.name, meta)
      } catch (err) {
        throw unreadable(this.path, err)
      }
    }
    log(`catalog: ${this.entries.size} topic(s) in ${this.path}`)
    return [...this.entries.values()]
  }

  // Deletes partition directories that no catalog entry accounts for: the remains of a create or grow
  // interrupted before its entry was written, or of a delete interrupted after its entry was removed.
  cleanupLeftovers(log: (line: string) => void): void {
    for (const entry of readdirSync(this.dataDir, {withFileTypes: true})) {
      const m = PARTITION_DIR.exec(entry.name)
      if (!m || !isLegalTopicName(m[1])) continue
      const topic = m[1]!
      const partition = Number(m[2])
      const count = this.entries.get(topic)?.partitions
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
    const before = this.entries.get(meta.name)
    this.entries.set(meta.name, meta)
    this.commit(() => (before ? this.entries.set(meta.name, before) : this.entries.delete(meta.name)))
  }

  // Durably removes a topic's entry: the commit point of delete.
  remove(name: string): void {
    const before = this.entries.get(name)
    if (!before) return
    this.entries.delete(name)
    this.commit(() => this.entries.set(name, before))
  }

  private commit(undo: () => void): void {
    const topics = [...this.entries.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((m) => ({name: m.name, partitions: m.partitions, configs: m.configs, seq: m.seq, createdAt: m.createdAt}))
    try {
      refuseSymlink(this.path)
      writeFileDurably(this.path, `${JSON.stringify({version: 1, topics}, null, 1)}\n`, this.io)
    } catch (err) {
      undo()
      throw err
    }
  }
}

function unreadable(path: string, err: unknown): SamsaError {
  return new SamsaError(
    'STORAGE_ERROR',
    `cannot read the topic catalog ${path}: ${(err as Error).message}; refusing to start rather than treat every partition as a leftover (restore the file, or move it away to start with no topics)`,
    {cause: err},
  )
}

function parseEntry(t: unknown): TopicMeta {
  const raw = t as Record<string, unknown> | null
  if (!raw || typeof raw !== 'object') throw new Error('an entry is not a JSON object')
  const name = raw.name
  if (!isLegalTopicName(name)) throw new Error(`entry with illegal topic name ${JSON.stringify(name)}`)
  const partitions = raw.partitions
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) throw new Error(`topic ${name}: bad partition count`)
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
