// Workload 4 of the peers benchmark: end-to-end latency at a steady rate, the same way for every system.
// This process paces lines "userNNNN:<send time µs> <padding>" (~100 bytes, the data set's keys) into the
// producer process's stdin and reads the follower process's stdout, so both ends are this process's clock
// and the path in between is the system's own: producer process → server → follower process.
// Pacing: every ~1 ms tick writes the lines due by then in one write (10 k/s ≈ 10 lines a tick), each
// stamped with the time it was written. After a warm-up, the lines sent during `seconds` are the samples;
// the follower's output is matched by send time, so a lost or late line shows as missing, not as fast.
import {spawn} from 'node:child_process'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const nowUs = () => Math.round(performance.now() * 1000)
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

export async function measureLatency({producer, follower}, {rate, seconds, warmupSeconds = 1}) {
  const opts = (c) => ({env: c.env ?? process.env, cwd: c.cwd})
  const fol = spawn(follower.cmd, follower.args, {...opts(follower), stdio: ['ignore', 'pipe', 'pipe']})
  const pro = spawn(producer.cmd, producer.args, {...opts(producer), stdio: ['pipe', 'ignore', 'pipe']})
  let errors = ''
  fol.stderr.on('data', (d) => (errors += d))
  pro.stderr.on('data', (d) => (errors += d))
  const exited = (child, name) =>
    new Promise((_, reject) => child.on('exit', (code) => reject(new Error(`${name} exited (${code}) during the latency run: ${errors.trim().slice(-300)}`))))
  const failed = Promise.race([exited(fol, 'follower'), exited(pro, 'producer')])
  failed.catch(() => {})

  let received = 0
  let measureFrom = Infinity
  let measureTo = Infinity
  const latencies = []
  let rest = ''
  fol.stdout.setEncoding('latin1')
  fol.stdout.on('data', (text) => {
    const now = nowUs()
    const lines = (rest + text).split('\n')
    rest = lines.pop()
    for (const line of lines) {
      const sent = parseInt(line, 10)
      received++
      if (sent >= measureFrom && sent < measureTo) latencies.push((now - sent) / 1000)
    }
  })

  const padding = 'x'.repeat(80)
  let key = 0
  const lineAt = (t) => `user${String(key++ % 5000).padStart(4, '0')}:${t} ${padding}\n`
  const write = (text) => pro.stdin.write(text)

  try {
    // ready: one line at a time until one comes through (both processes up, the follower at the end)
    for (let i = 0; received === 0; i++) {
      if (i >= 600) throw new Error(`no line reached the follower in 30 s: ${errors.trim().slice(-300)}`)
      write(lineAt(nowUs()))
      await Promise.race([sleep(50), failed])
    }
    // paced run: warm-up, then the measured window
    const start = performance.now()
    const total = (warmupSeconds + seconds) * 1000
    measureFrom = Math.round((start + warmupSeconds * 1000) * 1000)
    measureTo = Math.round((start + total) * 1000)
    let sent = 0
    let measuredSent = 0
    for (;;) {
      const elapsed = performance.now() - start
      if (elapsed >= total) break
      const due = Math.floor((elapsed / 1000) * rate)
      if (due > sent) {
        const t = nowUs()
        let text = ''
        if (t >= measureFrom) measuredSent += due - sent
        for (; sent < due; sent++) text += lineAt(t)
        write(text)
      }
      await Promise.race([sleep(1), failed])
    }
    // stragglers: wait up to 5 s for the measured lines still on their way
    for (let i = 0; i < 100 && latencies.length < measuredSent; i++) await sleep(50)
    const sorted = latencies.sort((a, b) => a - b)
    return {
      p50: pct(sorted, 0.5),
      p99: pct(sorted, 0.99),
      max: sorted[sorted.length - 1],
      samples: sorted.length,
      expected: measuredSent,
    }
  } finally {
    pro.stdin.end()
    fol.kill('SIGTERM')
    const gone = (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return null
      const kill = setTimeout(() => c.kill('SIGKILL'), 20_000)
      return new Promise((r) => c.on('exit', () => r(clearTimeout(kill))))
    }
    await Promise.all([gone(pro), gone(fol)])
  }
}
