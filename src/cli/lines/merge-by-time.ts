// `consume --merge-by-time`: a k-way merge of many partitions (of one or more topics) into one stream
// ordered by record timestamp. Each partition is a source holding a queue of fetched records, already in
// offset order. A binary min-heap holds at most one entry per source: that source's next record.
//
// When may the smallest record be emitted? Only when no source could still produce an earlier one:
// every source that is not done must have a record queued, or be idle (caught up with its partition's
// end while following; records that arrive later are, by the clock, later). Without --follow, a source
// that reached its end is done, so the order is exact. Timestamps within one partition need not be
// monotonic (producers set them); the merge keeps each partition's own order and orders by the head
// records, which is what "merge" means for sorted runs.
// Ties: timestamp, then source order (topics as given, partitions ascending), then offset, so output is
// deterministic. Pure: the consume command feeds it fetched records and asks which sources need a fetch.

export interface Timestamped {
  timestamp: number
  offset: number
}

/** A binary min-heap over a comparison function. */
export class MinHeap<T> {
  private readonly items: T[] = []
  private readonly less: (a: T, b: T) => boolean

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less
  }

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const a = this.items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(a[i], a[parent])) break
      ;[a[i], a[parent]] = [a[parent], a[i]]
      i = parent
    }
  }

  pop(): T | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && this.less(a[l], a[m])) m = l
        if (r < a.length && this.less(a[r], a[m])) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }
}

export type SourceState = 'active' | 'idle' | 'done'

interface Source<R extends Timestamped> {
  index: number
  queue: R[]
  head: number // next unread position in queue
  state: SourceState
  inHeap: boolean
}

export class TimeMerger<R extends Timestamped> {
  private readonly sources: Source<R>[] = []
  private readonly heap = new MinHeap<Source<R>>((a, b) => {
    const ra = a.queue[a.head]
    const rb = b.queue[b.head]
    if (ra.timestamp !== rb.timestamp) return ra.timestamp < rb.timestamp
    if (a.index !== b.index) return a.index < b.index
    return ra.offset < rb.offset
  })
  private blocking = 0 // sources that are active with an empty queue: they hold the merge back

  /** Sources are numbered 0..count-1 in tie-break order. */
  constructor(count: number) {
    for (let i = 0; i < count; i++) this.sources.push({index: i, queue: [], head: 0, state: 'active', inHeap: false})
    this.blocking = count
  }

  /** Adds fetched records (in offset order) to a source's queue. */
  add(source: number, records: R[]): void {
    if (records.length === 0) return
    const s = this.sources[source]
    if (this.isBlocking(s)) this.blocking-- // it was empty and active; it has a record now
    if (s.head >= s.queue.length) {
      s.queue = records
      s.head = 0
    } else {
      s.queue = s.queue.slice(s.head).concat(records)
      s.head = 0
    }
    if (!s.inHeap) {
      s.inHeap = true
      this.heap.push(s)
    }
  }

  /** active: more records may come and must be waited for; idle: caught up; done: no more, ever. */
  setState(source: number, state: SourceState): void {
    const s = this.sources[source]
    const wasBlocking = this.isBlocking(s)
    s.state = state
    const nowBlocking = this.isBlocking(s)
    if (wasBlocking !== nowBlocking) this.blocking += nowBlocking ? 1 : -1
  }

  /** Sources with nothing queued that are not done: the ones to fetch for. */
  hungry(): number[] {
    const out: number[] = []
    for (const s of this.sources) if (s.state !== 'done' && s.head >= s.queue.length) out.push(s.index)
    return out
  }

  /** True once every source is done and every queued record emitted. */
  get finished(): boolean {
    return this.heap.size === 0 && this.sources.every((s) => s.state === 'done')
  }

  /** Emits records in timestamp order for as long as that order is certain. Returns how many. */
  drain(emit: (source: number, record: R) => void, limit = Infinity): number {
    let n = 0
    while (n < limit && this.blocking === 0 && this.heap.size > 0) {
      const s = this.heap.pop()!
      s.inHeap = false
      const r = s.queue[s.head++]
      n++
      emit(s.index, r)
      if (s.head < s.queue.length) {
        s.inHeap = true
        this.heap.push(s)
      } else {
        s.queue = []
        s.head = 0
        if (this.isBlocking(s)) this.blocking++
      }
    }
    return n
  }

  private isBlocking(s: Source<R>): boolean {
    return s.state === 'active' && !s.inHeap && s.head >= s.queue.length
  }
}
