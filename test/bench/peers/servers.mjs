// Finding, installing, starting and stopping the peers' servers for the peers benchmark. Each server runs
// on 127.0.0.1, on a free port, with its files in a directory the caller gives (a fresh one per round), and
// with durable settings comparable to samsa's acks=1 (acknowledged once written to the file, fsync later):
//   redis-server  appendonly yes, appendfsync everysec, no RDB snapshots (save "") so a background save
//                 does not fork in the middle of a measurement; everything else at Redis's defaults
//   nats-server   JetStream on (-js) with file storage in -sd DIR (the stream itself is created with file
//                 storage by nats-client.mjs setup); filestore fsyncs every 2 min by default
// Missing tools are installed with apt-get when running as root; otherwise the caller skips that peer.
import {spawn, spawnSync} from 'node:child_process'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const RELAY = fileURLToPath(new URL('./relay.mjs', import.meta.url))

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], {stdio: 'ignore'}).status === 0

// Ensures every command of `needs` ({command: debianPackage}) exists, installing the missing packages
// when root and `install`. Returns {ok, note}: note says what was installed or why not.
export function ensureTools(needs, install = true) {
  const missing = Object.entries(needs).filter(([cmd]) => !have(cmd))
  if (missing.length === 0) return {ok: true, note: ''}
  const packages = [...new Set(missing.map(([, pkg]) => pkg))]
  const names = missing.map(([cmd]) => cmd).join(', ')
  if (!install) return {ok: false, note: `${names} not found (--no-install: not installing ${packages.join(' ')})`}
  if (process.getuid?.() !== 0) return {ok: false, note: `${names} not found and not root: cannot apt-get install ${packages.join(' ')}`}
  console.log(`installing ${packages.join(' ')} (apt-get) for ${names} ...`)
  const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'}
  const aptInstall = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {env, encoding: 'utf8'})
  let r = aptInstall()
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], {env, stdio: 'ignore'})
    r = aptInstall()
  }
  const still = missing.filter(([cmd]) => !have(cmd)).map(([cmd]) => cmd)
  if (still.length) return {ok: false, note: `apt-get install ${packages.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`}
  return {ok: true, note: `installed ${packages.join(' ')} with apt-get`}
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

// Spawns a server and resolves once a line of its output matches `ready`; rejects (and kills it) after
// 20 s or if it exits first. Returns {process, port, stop()}.
function startServer(cmd, args, ready, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let log = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${cmd} did not become ready in 20 s:\n${log}`))
    }, 20_000)
    const onData = (d) => {
      log += d
      if (ready.test(log)) {
        clearTimeout(timer)
        child.stdout.removeAllListeners('data')
        child.stderr.removeAllListeners('data')
        child.stdout.resume()
        child.stderr.resume()
        resolve({process: child, port, stop: () => stopProcess(child)})
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${cmd} exited (${code ?? signal}) before it was ready:\n${log}`))
    })
  })
}

// SIGTERM (both servers shut down cleanly on it: Redis flushes the AOF, NATS closes its file store),
// SIGKILL if still running after 20 s.
export function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export async function startRedis(dir) {
  const port = await freePort()
  return startServer(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--logfile', ''],
    /Ready to accept connections/,
    port,
  )
}

export async function startNats(dir) {
  const port = await freePort()
  return startServer('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], /Server is ready/, port)
}

// The latency floor's server (relay.mjs): a Unix socket in dir; resolves once it listens.
export async function startRelay(dir) {
  const socket = join(dir, 'relay.sock')
  const server = await startServer(process.execPath, [RELAY, 'server', socket], /^ready$/m, 0)
  const client = (role) => ({cmd: process.execPath, args: [RELAY, role, socket]})
  return {...server, latency: {producer: client('produce'), follower: client('follow')}}
}

export function versionOf(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, {encoding: 'utf8'})
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : null
}
