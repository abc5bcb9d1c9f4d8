// Shared printing for benchmarks: records/s, MB/s, and a ratio against a baseline measured in the same run.
// Figures on shared 2-core machines swing ±30–50%; the ratio is the number to compare across runs.

export function measure(fn) {
  const start = process.hrtime.bigint()
  const out = fn()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return {seconds, out}
}

export async function measureAsync(fn) {
  const start = process.hrtime.bigint()
  const out = await fn()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return {seconds, out}
}

const rows = []

// name: what was measured; records, bytes: work done; seconds: wall time;
// baseline: {name, seconds, bytes} measured in this run; target: a short text like '≥ 1.5 M rec/s'
export function report({name, records, bytes, seconds, baseline, target}) {
  const recPerSec = records ? records / seconds : undefined
  const mbPerSec = bytes ? bytes / seconds / 1e6 : undefined
  let ratio = ''
  if (baseline) {
    const baseMbPerSec = baseline.bytes / baseline.seconds / 1e6
    ratio = `${((mbPerSec ?? 0) / baseMbPerSec * 100).toFixed(0)}% of ${baseline.name}`
  }
  const row = {
    name,
    'records/s': recPerSec === undefined ? '' : `${(recPerSec / 1e6).toFixed(2)} M`,
    'MB/s': mbPerSec === undefined ? '' : mbPerSec.toFixed(0),
    seconds: seconds.toFixed(3),
    'vs baseline': ratio,
    target: target ?? '',
  }
  rows.push(row)
  console.log(
    `${name.padEnd(44)} ${row['records/s'].padStart(9)} rec/s ${row['MB/s'].padStart(6)} MB/s ` +
      `${row.seconds.padStart(8)} s  ${ratio}${target ? `  [target ${target}]` : ''}`,
  )
  return row
}

export function allRows() {
  return rows
}
