// Deterministic, varied ~100-byte log lines shared by the benchmarks: timestamps, levels, request ids,
// users, paths, statuses and latencies differ line to line, so LZ4's ratio is that of real logs and not
// that of a repeated string. Same seed, same lines, in every run.
const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR']
const paths = ['/api/users/', '/api/orders/', '/static/app.js', '/health', '/api/cart/', '/login', '/api/search?q=']
const verbs = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']
const statuses = [200, 200, 200, 201, 304, 404, 500]
export const T0 = Date.parse('2026-11-20T09:00:00Z')

// Returns logLine(i) → {ts, text}: line i of the sequence, its timestamp ~37 ms after line i-1's.
export function logLines(seed = 0x2545f491) {
  let s = seed
  const rand = (n) => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) % n
  }
  return (i) => {
    const ts = T0 + i * 37 + rand(37)
    const path = paths[rand(paths.length)] + (rand(2) ? rand(100000) : '')
    const text =
      `${new Date(ts).toISOString()} ${levels[rand(levels.length)]} [req-${rand(1 << 30).toString(16)}] ` +
      `user${String(rand(5000)).padStart(4, '0')} ${verbs[rand(verbs.length)]} ${path} -> ` +
      `${statuses[rand(statuses.length)]} in ${rand(2000)}ms host=web-${rand(40)}`
    return {ts, text}
  }
}
