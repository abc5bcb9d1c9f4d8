// Results of the peers benchmark: summaries (median and spread of the rounds, ratios taken round by round
// and then their median, so each ratio compares measurements of the same round), the printed table, the
// JSON, and the chart: an SVG drawn here and rasterized to PNG by rsvg-convert (Debian's librsvg2-bin),
// so the bench needs no charting or image library.
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

export const WORKLOADS = [
  {id: 'produce', title: '1 produce from a file, acknowledged', kind: 'rate'},
  {id: 'consume', title: '2 consume everything from the start', kind: 'rate'},
  {id: 'group', title: '3 two consumers sharing the data', kind: 'rate'},
  {id: 'latency', title: '4 end-to-end latency', kind: 'latency'},
  {id: 'disk', title: '5 bytes on disk after ingest', kind: 'bytes'},
]
const COLORS = {cat: '#9e9e9e', lz4: '#c7c7c7', file: '#9e9e9e', relay: '#9e9e9e', samsa: '#1f6fb4', redis: '#c8372d', jetstream: '#2e9d5b'}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const stats = (xs) => (xs.length ? {median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length} : null)
// median over rounds of a(r) / b(r), for the rounds where both were measured
const ratio = (a, b) => stats(a.map((x, i) => (x != null && b[i] != null ? x / b[i] : null)).filter((x) => x != null))

export const RELAY_LABEL = 'the same path with no work: stdin → Node → Unix socket → main thread → worker thread → main → socket → Node → stdout'

// raw: {records, fileBytes, lz4Bytes, rounds: [{cat, lz4, relay: {p50, p99}, <system>: {produce, consume, group: seconds,
// latency: {p50, p99}, disk: {allocated}}}]} → one summary row per (workload, system)
export function summarize(raw, systems) {
  const perRound = (name, pick) => raw.rounds.map((r) => (r[name] == null ? null : pick(r[name])))
  const rate = (s) => (s == null ? null : raw.records / s)
  const cat = raw.rounds.map((r) => rate(r.cat))
  const lz4 = raw.rounds.map((r) => rate(r.lz4))
  const rows = []
  const keep = (xs) => xs.filter((x) => x != null)
  for (const w of WORKLOADS) {
    if (w.kind === 'rate') {
      const samsa = perRound('samsa', (s) => rate(s[w.id]))
      if (w.id !== 'group') {
        rows.push({workload: w.id, system: 'cat', label: 'cat FILE > out', rate: stats(keep(cat))})
        if (keep(lz4).length) rows.push({workload: w.id, system: 'lz4', label: 'lz4 -1 FILE out', rate: stats(keep(lz4))})
      }
      for (const sys of systems) {
        const xs = perRound(sys.name, (s) => rate(s[w.id]))
        if (!keep(xs).length) continue
        rows.push({
          workload: w.id, system: sys.name, label: sys.does[w.id], rate: stats(keep(xs)),
          ofCat: w.id === 'group' ? null : ratio(xs, cat), ofLz4: w.id === 'group' ? null : ratio(xs, lz4),
          samsaOver: sys.name === 'samsa' ? null : ratio(samsa, xs),
        })
      }
    } else if (w.kind === 'latency') {
      const samsa = (p) => perRound('samsa', (s) => s.latency?.[p])
      const floor = (q) => raw.rounds.map((r) => r.relay?.[q] ?? null)
      if (keep(floor('p50')).length) {
        rows.push({
          workload: w.id, system: 'relay', label: RELAY_LABEL, p50: stats(keep(floor('p50'))), p99: stats(keep(floor('p99'))),
          samsaOver: {p50: ratio(samsa('p50'), floor('p50')), p99: ratio(samsa('p99'), floor('p99'))},
        })
      }
      for (const sys of systems) {
        const p = (q) => perRound(sys.name, (s) => s.latency?.[q])
        if (!keep(p('p50')).length) continue
        rows.push({
          workload: w.id, system: sys.name, label: sys.does.latency, p50: stats(keep(p('p50'))), p99: stats(keep(p('p99'))),
          samsaOver: sys.name === 'samsa' ? null : {p50: ratio(samsa('p50'), p('p50')), p99: ratio(samsa('p99'), p('p99'))},
        })
      }
    } else {
      const samsa = perRound('samsa', (s) => s.disk?.allocated)
      rows.push({workload: w.id, system: 'file', label: 'the input file', bytes: stats([raw.fileBytes])})
      if (raw.lz4Bytes) rows.push({workload: w.id, system: 'lz4', label: 'lz4 -1 of the file', bytes: stats([raw.lz4Bytes])})
      for (const sys of systems) {
        const xs = perRound(sys.name, (s) => s.disk?.allocated)
        if (!keep(xs).length) continue
        rows.push({
          workload: w.id, system: sys.name, label: sys.does.disk, bytes: stats(keep(xs)),
          ofFile: stats(keep(xs).map((x) => x / raw.fileBytes)),
          samsaOver: sys.name === 'samsa' ? null : ratio(samsa, xs),
        })
      }
    }
  }
  return rows
}

const M = (x) => `${(x / 1e6).toFixed(2)} M`
const pc = (r) => (r ? `${(r.median * 100).toFixed(0)}%` : '')
const times = (r) => (r ? `${r.median.toFixed(2)}×` : '')
const range = (s, f) => `${f(s.min)}–${f(s.max)}`

export function table(rows, raw) {
  const lines = []
  const head = ['workload', 'system', 'records/s', 'min–max', 'MB/s', '÷ cat', '÷ lz4 -1', 'samsa ÷ it']
  const body = []
  for (const w of WORKLOADS) {
    for (const r of rows.filter((x) => x.workload === w.id)) {
      const name = rows.find((x) => x.workload === w.id) === r ? w.title : ''
      if (r.rate) {
        body.push([name, r.system, M(r.rate.median), range(r.rate, (x) => (x / 1e6).toFixed(2)), (raw.fileBytes * r.rate.median / raw.records / 1e6).toFixed(0),
          pc(r.ofCat), pc(r.ofLz4), times(r.samsaOver)])
      } else if (r.p50) {
        body.push([name, r.system, `p50 ${r.p50.median.toFixed(2)} ms`, range(r.p50, (x) => x.toFixed(2)), '', '', '', r.samsaOver ? `p50 ${times(r.samsaOver.p50)}` : ''])
        body.push(['', '', `p99 ${r.p99.median.toFixed(2)} ms`, range(r.p99, (x) => x.toFixed(2)), '', '', '', r.samsaOver ? `p99 ${times(r.samsaOver.p99)}` : ''])
      } else {
        body.push([name, r.system, `${(r.bytes.median / 1e6).toFixed(1)} MB`, r.bytes.n > 1 ? range(r.bytes, (x) => (x / 1e6).toFixed(1)) : '',
          '', r.ofFile ? `${pc(r.ofFile)} of file` : '', '', times(r.samsaOver)])
      }
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)))
  const fmt = (cols) => cols.map((c, i) => (i >= 2 && i <= 7 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd()
  lines.push(fmt(head), widths.map((w) => '─'.repeat(w)).join('  '))
  for (const b of body) lines.push(fmt(b))
  lines.push('', 'What runs:')
  for (const w of WORKLOADS) {
    for (const r of rows.filter((x) => x.workload === w.id && !['cat', 'lz4', 'file'].includes(x.system))) {
      lines.push(`  ${w.title.slice(0, 1)} ${r.system.padEnd(9)} ${r.label}`)
    }
  }
  return lines.join('\n')
}

export function writeJson(dir, raw, rows, meta) {
  writeFileSync(join(dir, 'results.json'), JSON.stringify({meta, summary: rows, raw}, null, 2) + '\n')
}

// ── chart ──────────────────────────────────────────────────────────────────────────────────────────────
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')

// bars: [{name, value, min, max, color, light, text}]. The scale fits the systems' bars; a limit bar (cat,
// lz4) more than 3× taller is drawn clipped, with a break mark and its value, so the systems stay readable.
function panel(x0, y0, w, h, title, bars, unit) {
  const tall = (b) => Math.max(b.value, b.max ?? 0)
  const systems = bars.filter((b) => !b.limit)
  const fit = Math.max(...systems.map(tall), 0) || Math.max(...bars.map(tall))
  const top = Math.min(Math.max(...bars.map(tall)), 3 * fit) * 1.18 || 1
  const plotTop = y0 + 50
  const plotH = h - 50 - 40
  const bw = Math.min(56, (w - 20) / bars.length - 10)
  const gap = (w - bars.length * bw) / (bars.length + 1)
  const yOf = (v) => plotTop + plotH - (Math.min(v, top) / top) * plotH
  let s = `<text x="${x0 + w / 2}" y="${y0 + 18}" font-size="14" font-weight="bold" text-anchor="middle">${esc(title)}</text>`
  s += `<line x1="${x0}" y1="${plotTop + plotH}" x2="${x0 + w}" y2="${plotTop + plotH}" stroke="#444"/>`
  bars.forEach((b, i) => {
    const x = x0 + gap + i * (bw + gap)
    const y = yOf(b.value)
    s += `<rect x="${x}" y="${y}" width="${bw}" height="${plotTop + plotH - y}" fill="${b.color}" fill-opacity="${b.light ? 0.5 : 1}"/>`
    const clipped = b.value > top
    if (clipped) {
      const m = plotTop + 14
      s += `<path d="M${x - 2} ${m + 4}l${bw / 2 + 2} -8l${bw / 2 + 2} 8v6l${-(bw / 2 + 2)} -8l${-(bw / 2 + 2)} 8z" fill="white"/>`
    } else if (b.min != null && b.max != null && b.max > b.min) {
      const y1 = yOf(b.min)
      const y2 = yOf(b.max)
      s += `<path d="M${x + bw / 2} ${y1}V${y2}M${x + bw / 2 - 6} ${y1}h12M${x + bw / 2 - 6} ${y2}h12" stroke="#222" stroke-width="1.2"/>`
    }
    const labelY = clipped ? plotTop - 4 : Math.min(y, yOf(b.max ?? 0)) - 5
    s += `<text x="${x + bw / 2}" y="${labelY}" font-size="11" text-anchor="middle">${esc(b.text)}</text>`
    s += `<text x="${x + bw / 2}" y="${plotTop + plotH + 15}" font-size="11" text-anchor="middle">${esc(b.name)}</text>`
  })
  s += `<text x="${x0 + w / 2}" y="${plotTop + plotH + 32}" font-size="11" fill="#555" text-anchor="middle">${esc(unit)}</text>`
  return s
}

// notes: lines of text for the sixth panel
export function writeChart(dir, rows, raw, subtitle, notes) {
  const W = 1320
  const H = 820
  const pw = 400
  const ph = 360
  const spots = [[30, 70], [460, 70], [890, 70], [30, 450], [460, 450], [890, 450]]
  let body = ''
  WORKLOADS.forEach((w, i) => {
    const [x, y] = spots[i]
    const rs = rows.filter((r) => r.workload === w.id)
    let bars
    let unit
    if (w.kind === 'rate') {
      bars = rs.map((r) => ({name: r.system, value: r.rate.median / 1e6, min: r.rate.min / 1e6, max: r.rate.max / 1e6,
        color: COLORS[r.system], text: (r.rate.median / 1e6).toFixed(2), limit: r.system === 'cat' || r.system === 'lz4'}))
      unit = 'million records/s (median, whisker = min–max)'
    } else if (w.kind === 'latency') {
      bars = rs.flatMap((r) => [
        {name: `${r.system} p50`, value: r.p50.median, min: r.p50.min, max: r.p50.max, color: COLORS[r.system], text: r.p50.median.toFixed(2)},
        {name: 'p99', value: r.p99.median, min: r.p99.min, max: r.p99.max, color: COLORS[r.system], light: true, text: r.p99.median.toFixed(1)},
      ])
      unit = `ms at ${raw.latencyRate / 1000} k records/s (lower is better)`
    } else {
      bars = rs.map((r) => ({name: r.system, value: r.bytes.median / 1e6, min: r.bytes.min / 1e6, max: r.bytes.max / 1e6,
        color: COLORS[r.system], text: (r.bytes.median / 1e6).toFixed(r.bytes.median < 1e7 ? 1 : 0)}))
      unit = 'MB (lower is better)'
    }
    if (bars.length) body += panel(x, y, pw, ph, w.title, bars, unit)
  })
  const [nx, ny] = spots[5]
  body += notes.map((t, i) => `<text x="${nx + 10}" y="${ny + 40 + i * 22}" font-size="13" fill="#333">${esc(t)}</text>`).join('')
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="30" font-size="20" font-weight="bold" text-anchor="middle">samsa beside cat, Redis Streams and NATS JetStream</text>
<text x="${W / 2}" y="52" font-size="13" fill="#444" text-anchor="middle">${esc(subtitle)}</text>
${body}
</svg>
`
  const svgPath = join(dir, 'chart.svg')
  writeFileSync(svgPath, svg)
  const r = spawnSync('rsvg-convert', ['-o', join(dir, 'chart.png'), svgPath], {encoding: 'utf8'})
  return r.status === 0 ? join(dir, 'chart.png') : null
}
