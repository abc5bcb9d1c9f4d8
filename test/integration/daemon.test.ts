// `samsa daemon start|stop|status`, auto-start and the one-daemon-per-directory rule, through the built CLI.
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {ENGINE_MAIN, cleanup, daemonPids, lines, run, samsa, start, stopDaemonIn, tempDir, waitFor} from '../support/index.js'
import {isAlive} from '../../src/client/local/daemon-control.js'

afterAll(cleanup)

describe('samsa daemon', () => {
  it('status with no daemon: exit 3, one line, nothing on stdout', async () => {
    const dir = tempDir()
    const r = await samsa(dir, ['daemon', 'status'])
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    expect(lines(r.stderr)).toEqual([`samsa: no samsa daemon is running for ${dir} (start one with: samsa daemon start)`])
    expect(daemonPids(dir)).toEqual([])
  })

  it('start, start again, status (table and --json), stop, stop again', async () => {
    const dir = tempDir()
    try {
      const socket = join(dir, 'run', 'samsa.sock')
      const start = await samsa(dir, ['daemon', 'start', '--workers', '2'])
      expect(start.code, start.stderr).toBe(0)
      const m = /^daemon started \(pid (\d+)\) on (.+)$/.exec(lines(start.stdout)[0]!)
      expect(m, start.stdout).not.toBeNull()
      const pid = Number(m![1])
      expect(m![2]).toBe(socket)
      expect(lines(start.stdout)[1]).toBe('Kafka listener off') // the sandbox turns it off (SAMSA_KAFKA_LISTENER=off)
      expect(start.stderr).toBe('')
      expect(daemonPids(dir)).toEqual([pid])

      const again = await samsa(dir, ['daemon', 'start'])
      expect(again.code).toBe(0)
      expect(lines(again.stdout)).toEqual([`daemon already running (pid ${pid}) on ${socket}`, 'Kafka listener off'])
      expect(daemonPids(dir)).toEqual([pid])

      const status = await samsa(dir, ['daemon', 'status'])
      expect(status.code).toBe(0)
      expect(status.stdout).toContain(String(pid))
      expect(status.stdout).toContain(dir)
      expect(status.stdout).not.toMatch(/\x1b\[/) // no ANSI colours in a pipe

      const json = await samsa(dir, ['daemon', 'status', '--json'])
      expect(json.code).toBe(0)
      const s = JSON.parse(json.stdout)
      expect(s).toMatchObject({pid, dataDir: dir, socket, topics: 0, partitions: 0, kafka: {listener: null, advertised: null, problem: null, saslUsers: null}})
      expect(typeof s.version).toBe('string')
      expect(s.uptimeMs).toBeGreaterThanOrEqual(0)
      expect(typeof s.sizeInBytes).toBe('number')
      expect(s.workers).toHaveLength(2)
      expect(s.workers[0]).toMatchObject({index: 0, partitions: 0})

      const startJson = JSON.parse((await samsa(dir, ['daemon', 'start', '--json'])).stdout)
      expect(startJson).toMatchObject({started: false, pid, dataDir: dir, socket})

      const stop = await samsa(dir, ['daemon', 'stop'])
      expect(stop.code, stop.stderr).toBe(0)
      expect(stop.stdout.trim()).toBe(`daemon stopped (pid ${pid})`)
      expect(isAlive(pid)).toBe(false)
      expect(daemonPids(dir)).toEqual([])

      const stopAgain = await samsa(dir, ['daemon', 'stop'])
      expect(stopAgain.code).toBe(0)
      expect(stopAgain.stdout).toBe('')
      expect(lines(stopAgain.stderr)).toEqual([`samsa: no samsa daemon is running for ${dir}`])
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('keeps the socket private: run dir 0700, socket 0600', async () => {
    const dir = tempDir()
    try {
      expect((await samsa(dir, ['daemon', 'start'])).code).toBe(0)
      expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700)
      const sock = statSync(join(dir, 'run', 'samsa.sock'))
      expect(sock.isSocket()).toBe(true)
      expect(sock.mode & 0o777).toBe(0o600)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('auto-starts on the first command with exactly one line on stderr, and not on the second', async () => {
    const dir = tempDir()
    try {
      const first = await samsa(dir, ['topic', 'list'])
      expect(first.code, first.stderr).toBe(0)
      const errLines = lines(first.stderr)
      expect(errLines[0]).toMatch(new RegExp(`^samsa: started daemon for ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(pid \\d+\\)$`))
      const pid = Number(/pid (\d+)/.exec(errLines[0]!)![1])
      expect(errLines.filter((l) => l.startsWith('samsa: started'))).toHaveLength(1)
      expect(daemonPids(dir)).toEqual([pid])
      const second = await samsa(dir, ['topic', 'list'])
      expect(second.code).toBe(0)
      expect(second.stderr).not.toContain('started daemon')
      expect(daemonPids(dir)).toEqual([pid])
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('--no-autostart or SAMSA_NO_AUTOSTART=1 with no daemon: exit 3, one line, no daemon started', async () => {
    const dir = tempDir()
    const expected = [`samsa: no samsa daemon is running for ${dir} (start one with: samsa daemon start)`]
    const flag = await samsa(dir, ['topic', 'list', '--no-autostart'])
    expect(flag.code).toBe(3)
    expect(lines(flag.stderr)).toEqual(expected)
    const env = await samsa(dir, ['topic', 'create', 'x'], {env: {SAMSA_NO_AUTOSTART: '1'}})
    expect(env.code).toBe(3)
    expect(lines(env.stderr)).toEqual(expected)
    expect(daemonPids(dir)).toEqual([])
  })

  it('an explicit --autostart overrides SAMSA_NO_AUTOSTART=1', async () => {
    const dir = tempDir()
    try {
      const r = await samsa(dir, ['topic', 'list', '--autostart'], {env: {SAMSA_NO_AUTOSTART: '1'}})
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain('started daemon')
      expect(daemonPids(dir)).toHaveLength(1)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('ten concurrent first commands leave exactly one daemon, announced once', async () => {
    const dir = tempDir()
    try {
      const runs = await Promise.all(Array.from({length: 10}, (_, i) => samsa(dir, ['topic', 'create', `t${i}`, '--if-not-exists'])))
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      const announced = runs.flatMap((r) => lines(r.stderr)).filter((l) => l.includes('started daemon'))
      expect(announced).toHaveLength(1)
      await new Promise((r) => setTimeout(r, 300)) // let any losing daemon finish exiting
      expect(daemonPids(dir)).toHaveLength(1)
      const list = JSON.parse((await samsa(dir, ['topic', 'list', '--json'])).stdout)
      expect(list.topics.map((t: {name: string}) => t.name).sort()).toEqual(Array.from({length: 10}, (_, i) => `t${i}`).sort())
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('a second daemon on the same directory is refused, naming the holder', async () => {
    const dir = tempDir()
    const fg = start(null, ['daemon', 'start', '--foreground', '--data-dir', dir])
    try {
      await waitFor(async () => (await samsa(dir, ['daemon', 'status'])).code === 0, 15_000, 'the foreground daemon')
      const [pid] = daemonPids(dir)
      expect(pid).toBeGreaterThan(0)

      // through the CLI (it asks the running daemon first)
      const cli = await samsa(dir, ['daemon', 'start', '--foreground'])
      expect(cli.code).toBe(3)
      expect(lines(cli.stderr)).toEqual([`samsa: data directory ${dir} is in use by daemon pid ${pid}`])

      // and the engine's own lock, when the CLI's check is bypassed
      const direct = await run(process.execPath, [ENGINE_MAIN, '--data-dir', dir])
      expect(direct.code).toBe(3)
      expect(direct.stderr).toContain(`samsa: data directory ${dir} is in use by daemon pid ${pid}`)
      expect(daemonPids(dir)).toEqual([pid])

      // SIGTERM to `daemon start --foreground` stops the daemon gracefully, exit 0
      fg.child.kill('SIGTERM')
      expect(await fg.exited).toBe(0)
      await waitFor(() => daemonPids(dir).length === 0, 10_000, 'the daemon to exit')
    } finally {
      if (fg.child.exitCode === null) fg.child.kill('SIGKILL')
      await stopDaemonIn(dir)
    }
  })

  it('daemon start --foreground is the daemon: status shows its pid, and kill -9 of it leaves nothing running', async () => {
    const dir = tempDir()
    const fg = start(null, ['daemon', 'start', '--foreground', '--data-dir', dir, '--workers', '1'])
    try {
      await waitFor(async () => (await samsa(dir, ['daemon', 'status'])).code === 0, 15_000, 'the foreground daemon')
      const status = JSON.parse((await samsa(dir, ['daemon', 'status', '--json'])).stdout)
      expect(status.pid).toBe(fg.child.pid)
      expect(fg.output()).toContain(`samsa daemon pid ${fg.child.pid} ready`)

      fg.child.kill('SIGKILL')
      await fg.exited
      const start = await samsa(dir, ['daemon', 'start'])
      expect(start.code, start.stderr).toBe(0)
      const m = /^daemon started \(pid (\d+)\)/.exec(start.stdout)
      expect(m, start.stdout).not.toBeNull()
      expect(Number(m![1])).not.toBe(fg.child.pid)
      expect(daemonPids(dir)).toEqual([Number(m![1])])
    } finally {
      if (fg.child.exitCode === null) fg.child.kill('SIGKILL')
      await stopDaemonIn(dir)
    }
  })

  it('daemon start --foreground: a second SIGINT during a graceful stop exits at once with 130 or the stop finishes with 0', async () => {
    const dir = tempDir()
    const fg = start(null, ['daemon', 'start', '--foreground', '--data-dir', dir, '--workers', '1'])
    try {
      await waitFor(() => / ready: /.test(fg.output()), 15_000, 'the foreground daemon')
      fg.child.kill('SIGINT')
      fg.child.kill('SIGINT')
      expect([0, 130]).toContain(await fg.exited)
      expect(fg.output()).toContain('received SIGINT')
      await waitFor(() => daemonPids(dir).length === 0, 10_000, 'no daemon left')
    } finally {
      if (fg.child.exitCode === null) fg.child.kill('SIGKILL')
      await stopDaemonIn(dir)
    }
  })

  it('two `daemon start` at once, through a symlink and through the real path, leave one daemon', async () => {
    const root = tempDir()
    const real = join(root, 'real')
    const link = join(root, 'link')
    mkdirSync(real)
    symlinkSync(real, link)
    try {
      const [a, b] = await Promise.all([
        samsa(null, ['daemon', 'start', '--json'], {env: {SAMSA_DATA_DIR: real}}),
        samsa(null, ['daemon', 'start', '--json'], {env: {SAMSA_DATA_DIR: link}}),
      ])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)]
      expect(ra.pid).toBe(rb.pid)
      expect([ra.started, rb.started].sort()).toEqual([false, true])
      expect(rb).toMatchObject({dataDir: real, socket: join(real, 'run', 'samsa.sock')})
      await new Promise((r) => setTimeout(r, 300)) // let a losing daemon finish exiting
      expect(daemonPids(real)).toEqual([ra.pid])
      const status = JSON.parse((await samsa(link, ['daemon', 'status', '--json'])).stdout)
      expect(status).toMatchObject({pid: ra.pid, dataDir: real})
    } finally {
      await stopDaemonIn(real)
    }
  })

  it('a spawn.lock holding a live process that is not starting a daemon does not hold up auto-start', async () => {
    const dir = tempDir()
    const sleeper = spawn('sleep', ['120'], {stdio: 'ignore'})
    try {
      mkdirSync(join(dir, 'run'), {mode: 0o700})
      writeFileSync(join(dir, 'run', 'spawn.lock'), `${sleeper.pid}\n`)
      const r = await samsa(dir, ['topic', 'list'])
      expect(r.code, r.stderr).toBe(0)
      expect(lines(r.stderr)[0]).toMatch(/^samsa: started daemon for .* \(pid \d+\)$/)
      expect(daemonPids(dir)).toHaveLength(1)
    } finally {
      sleeper.kill('SIGKILL')
      await stopDaemonIn(dir)
    }
  })

  it('after kill -9 of the daemon, the next command works with no manual step and topics survive', async () => {
    const dir = tempDir()
    try {
      expect((await samsa(dir, ['topic', 'create', 'keep', '--partitions', '2'])).code).toBe(0)
      const [pid] = daemonPids(dir)
      process.kill(pid!, 'SIGKILL')
      await waitFor(() => !isAlive(pid!), 5000, 'the daemon to die')
      const r = await samsa(dir, ['topic', 'list', '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect(lines(r.stderr)).toHaveLength(1) // the auto-start line
      expect(JSON.parse(r.stdout).topics.map((t: {name: string}) => t.name)).toEqual(['keep'])
      const after = daemonPids(dir)
      expect(after).toHaveLength(1)
      expect(after[0]).not.toBe(pid)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('topics survive a clean restart', async () => {
    const dir = tempDir()
    try {
      expect((await samsa(dir, ['topic', 'create', 'durable', '--partitions', '3', '--config', 'retention.ms=1000'])).code).toBe(0)
      expect((await samsa(dir, ['daemon', 'stop'])).code).toBe(0)
      expect((await samsa(dir, ['daemon', 'start'])).code).toBe(0)
      const d = JSON.parse((await samsa(dir, ['topic', 'describe', 'durable', '--json'])).stdout)
      expect(d.partitions).toHaveLength(3)
      expect(d.configs.find((c: {name: string}) => c.name === 'retention.ms')).toMatchObject({value: '1000', isDefault: false})
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('--socket / SAMSA_SOCKET choose the socket; a mismatch with the running daemon is named at once', async () => {
    const dir = tempDir()
    const socket = join(tmpdir(), `samsa-it-${process.pid}-${Date.now()}.sock`)
    try {
      const start = await samsa(dir, ['daemon', 'start', '--socket', socket])
      expect(start.code, start.stderr).toBe(0)
      expect(start.stdout).toContain(`on ${socket}`)
      const viaEnv = await samsa(dir, ['daemon', 'status', '--json'], {env: {SAMSA_SOCKET: socket}})
      expect(viaEnv.code).toBe(0)
      expect(JSON.parse(viaEnv.stdout).socket).toBe(socket)
      // without it, the default socket has no daemon, and status never auto-starts
      const plain = await samsa(dir, ['daemon', 'status'])
      expect(plain.code).toBe(3)
      // a command that may auto-start finds the directory taken and names where its daemon listens
      expect((await samsa(dir, ['daemon', 'stop', '--socket', socket])).code).toBe(0)
      expect(existsSync(socket)).toBe(false)

      expect((await samsa(dir, ['daemon', 'start'])).code).toBe(0)
      const started = Date.now()
      const mismatch = await samsa(dir, ['topic', 'list', '--socket', socket])
      expect(mismatch.code).toBe(3)
      expect(lines(mismatch.stderr)).toHaveLength(1)
      expect(mismatch.stderr).toContain(`listens on ${join(dir, 'run', 'samsa.sock')}, not on ${socket}`)
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      await stopDaemonIn(dir)
    }
  })

  it('daemon stop and status never start a daemon; --json errors are {error: {code, message, retriable}}', async () => {
    const dir = tempDir()
    const r = await samsa(dir, ['daemon', 'status', '--json'])
    expect(r.code).toBe(3)
    expect(JSON.parse(r.stdout)).toEqual({
      error: {code: 'DAEMON_UNAVAILABLE', message: `no samsa daemon is running for ${dir} (start one with: samsa daemon start)`, retriable: true},
    })
    const stop = await samsa(dir, ['daemon', 'stop', '--json'])
    expect(stop.code).toBe(0)
    expect(JSON.parse(stop.stdout)).toEqual({stopped: false, pid: null, dataDir: dir})
    expect(daemonPids(dir)).toEqual([])
  })

  it('--help teaches with examples', async () => {
    for (const cmd of [['daemon', 'start'], ['daemon', 'stop'], ['daemon', 'status'], ['topic', 'create'], ['topic', 'list'],
      ['topic', 'describe'], ['topic', 'alter'], ['topic', 'delete']]) {
      const r = await samsa(null, [...cmd, '--help'])
      expect(r.code, cmd.join(' ')).toBe(0)
      expect(r.stdout).toContain('EXAMPLES')
      expect(r.stdout).toContain(`samsa ${cmd.join(' ')}`)
    }
  })
})
