// Splits the CPU time of the processes and threads cpu-split.mjs measured into components, from their
// `node --cpu-prof` profiles. Each sample is given to the component of the nearest frame on its stack
// that names one (so Buffer#subarray called by the line parser counts as line parsing, a native write
// called by the socket code as socket); samples of no component are "other". A thread's measured CPU
// time is then shared out in proportion to its non-idle samples within the step's time window.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {unbundleFrames} from './bundle-frames.mjs'

// [component, test(url, functionName)] — the first that matches a frame names it. Order matters: the more
// specific first. URLs are those of the compiled files (dist/...) and Node's own (node:...).
const RULES = [
  // start-up: Node bootstrap, module loading and compiling, oclif's config and command lookup
  // (the bundled CLI: bin/load-cli.js, node:vm reading its code cache, the bundle's own module wrappers)
  ['start-up (modules, oclif)', (u, f) => /node:internal\/modules|node:internal\/bootstrap|node:vm|@oclif\/core|bin\/(run|load-cli)\.js|dist\/bundle\//.test(u) || f === 'compileFunction' || f === 'dlopen'],
  ['start-up (modules, oclif)', (u) => /dist\/(cli\/base-command|cli\/command-line|client\/create-client|client\/local\/(autostart|local-client))\.js/.test(u)],
  // produce CLI
  ['line splitting', (u) => u.endsWith('cli/lines/line-splitter.js')],
  ['line parsing (key)', (u) => /cli\/lines\/(line-parser|produce-session)\.js$/.test(u)],
  ['partitioning (murmur2)', (u) => /client\/partitioner\.js$|format\/murmur2\.js$/.test(u)],
  ['LZ4 compress', (u, f) => u.endsWith('format/lz4-frame.js') && /^compress/.test(f)],
  ['LZ4 decompress', (u, f) => u.endsWith('format/lz4-frame.js') || (u.includes('node_modules/lz4') && /decode|uncompress/i.test(f))],
  ['CRC-32C', (u) => u.endsWith('format/crc32c.js') || u.includes('@node-rs/crc32')],
  ['batch building', (u) => /format\/(record-batch-builder|varint|batch-header)\.js$|client\/(producer|produce-request)\.js$/.test(u)],
  // consume CLI
  ['record walk (decode; on a worker: validation)', (u) => /format\/(record-reader|record-batch|record)\.js$/.test(u)],
  ['formatting to stdout', (u) => /cli\/lines\/(record-format|output-buffer|envelope)\.js$|cli\/stdout-reader\.js$/.test(u)],
  ['consumer (fetch loop)', (u) => /client\/(consumer|group-consumer|offset-spec|offset-reset)\.js$/.test(u)],
  // daemon main thread
  ['daemon: routing (broker, dispatch)', (u) => /engine\/(broker|control\/(dispatch|requests|request-body|request-context)|groups|kafka)\//.test(u) || /engine\/broker\//.test(u)],
  ['worker messaging (postMessage)', (u, f) => f === 'postMessage' || /engine\/worker\/(messages|context)\.js$|internal\/worker/.test(u)],
  // workers
  ['worker: validation (batch walk)', (u) => /format\/validate-batch\.js$|engine\/worker\/appender\.js$/.test(u)],
  ['worker: fetch reads', (u) => /engine\/worker\/reads\.js$/.test(u)],
  ['storage (append, index, flush)', (u) => /dist\/storage\//.test(u)],
  ['command loop (commands/*.js)', (u) => /dist\/commands\//.test(u)],
  // sockets and files, whoever calls them
  ['socket + framing', (u) => /protocol\/(control\/frame|frame-splitter)\.js$|client\/local\/(connection|raw-api|requester)\.js$|engine\/(transport|control\/(listener|connection))\/|engine\/control\/(listener|connection)\.js$|node:net|stream_base_commons|node:internal\/streams/.test(u)],
  ['file read / write', (u) => /node:fs|node:internal\/fs/.test(u)],
]
const SPECIAL = {'(garbage collector)': 'GC', '(program)': 'other', '(root)': null, '(idle)': 'idle'}

// Node's own frames (node:…, natives) name a component only when no frame of ours above them does: a
// native write called by storage is storage, one called by the stream machinery is the socket.
const isOurs = (url) => url.includes('/dist/') || url.includes('/node_modules/') || url.includes('/bin/')

function componentOf(cf) {
  if (cf.functionName in SPECIAL && cf.url === '') return SPECIAL[cf.functionName]
  for (const [name, test] of RULES) if (test(cf.url, cf.functionName)) return name
  return null
}

// {component: µs of samples} for the samples of one profile within [from, to] (µs, monotonic clock)
function sampleTimes(profile, from, to) {
  const parent = new Map()
  const byId = new Map()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parent.set(c, n.id)
  }
  // the component of the nearest frame of ours that names one, else of the nearest frame that does
  const memo = new Map()
  const resolve = (id) => {
    if (memo.has(id)) return memo.get(id)
    let ours = null
    let theirs = null
    for (let at = id; at !== undefined && ours === null; at = parent.get(at)) {
      const cf = byId.get(at).callFrame
      const c = componentOf(cf)
      if (c === null) continue
      if (isOurs(cf.url) || cf.url === '') ours = c // a native named by a rule (postMessage) counts as ours
      else theirs ??= c
    }
    const c = ours ?? theirs ?? 'other'
    memo.set(id, c)
    return c
  }
  const out = {}
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]
    if (t < from || t > to) continue
    const next = profile.timeDeltas[i + 1] ?? 0 // a sample stands for the time until the next one
    const c = resolve(profile.samples[i])
    out[c] = (out[c] ?? 0) + next
  }
  return out
}

const load = (file) => unbundleFrames(JSON.parse(readFileSync(file, 'utf8')))
const filesIn = (dir) => readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))

// Shares cpuUs out over the components of the summed sample times; returns {component: µs}.
function share(times, cpuUs) {
  delete times.idle
  const total = Object.values(times).reduce((a, b) => a + b, 0)
  const out = {}
  for (const [c, us] of Object.entries(times)) out[c] = total > 0 ? (cpuUs * us) / total : 0
  return out
}

function addInto(into, from) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}

/**
 * The split of one step (window {name, from, to, row, count}): for its CLI processes (whole profiles),
 * the daemon's main thread and its workers (samples within the window). Returns {table, lines}:
 * table = {thread: {component: µs per record}}, lines = the same as text.
 */
export function componentSplit({dir, window: w, records}) {
  const table = {}
  const cli = {}
  for (let i = 0; i < w.count; i++) {
    const times = {}
    for (const f of filesIn(join(dir, `${w.name}-${i}`))) addInto(times, sampleTimes(load(f), -Infinity, Infinity))
    addInto(cli, share(times, w.row.cliUs[i]))
  }
  table[w.count > 1 ? `CLI (${w.count} processes)` : 'CLI'] = cli
  const daemonFiles = filesIn(join(dir, 'daemon'))
  const mainFile = daemonFiles.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
  table['daemon main thread'] = share(sampleTimes(load(mainFile), w.from, w.to), w.row.daemonMainUs)
  const workers = {}
  for (const f of daemonFiles.filter((x) => x !== mainFile)) addInto(workers, sampleTimes(load(f), w.from, w.to))
  table['daemon workers + helper threads'] = share(workers, w.row.daemonOtherUs)
  const lines = []
  let grand = 0
  for (const [thread, comps] of Object.entries(table)) {
    const sum = Object.values(comps).reduce((a, b) => a + b, 0)
    grand += sum
    lines.push(`${thread}: ${(sum / records).toFixed(3)} µs/record`)
    for (const [c, us] of Object.entries(comps).sort((a, b) => b[1] - a[1])) {
      if (us / records >= 0.0005) lines.push(`    ${(us / records).toFixed(3).padStart(7)}  ${c}`)
      comps[c] = us / records
    }
  }
  lines.push(`all threads: ${(grand / records).toFixed(3)} µs/record`)
  return {table, lines}
}
