// The data directory's layout: which directory it is (resolveDataDir, canonicalDataDir), and where its
// daemon listens, logs and locks (daemonPaths, lockNames). Shared by the daemon (which creates these) and
// the local client (which connects and auto-starts), so both derive the same names from the same data
// directory. The lock exchange itself is socket-lock.ts, beside this file for the same reason.
//
//   <data>/run/              mode 0700: only the owner may reach the socket
//   <data>/run/samsa.sock    the control socket, mode 0600
//   <data>/run/daemon.pid    the pid of the daemon holding the lock (informational: the lock is the truth)
//   <data>/daemon.log        a detached daemon's log
//   <data>/daemon.json       optional settings of the daemon (daemon-config.ts: the Kafka listener)
//   locks: Linux abstract Unix sockets named by the directory's device and inode (socket-lock.ts)
//
// One directory, one set of names, however it is reached: the data directory is resolved (symbolic links
// and `..`) before anything is derived from it, and the locks are named by device and inode, the kernel's
// own identity of the directory — the same through a symlink, a bind mount or the real path. A socket path
// longer than the OS allows (sun_path is 108 bytes on Linux, including the NUL) falls back to a short path
// under $XDG_RUNTIME_DIR (else the temp dir), named by a hash of the resolved directory.
import {createHash} from 'node:crypto'
import {realpathSync, statSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'

export const MAX_SOCKET_PATH_BYTES = 107

export interface DaemonPaths {
  dataDir: string // resolved: canonicalDataDir
  runDir: string
  socket: string
  socketDir: string | null // the directory to keep private (0700) for the socket; null for --socket
  pidFile: string
  logFile: string
  configFile: string // daemon.json (daemon-config.ts); need not exist
}

// The data directory: --data-dir, else $SAMSA_DATA_DIR, else $XDG_DATA_HOME/samsa (~/.local/share/samsa
// when XDG_DATA_HOME is unset), always absolute. The CLI and the daemon's own entry both resolve it here.
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag)
  if (env.SAMSA_DATA_DIR) return resolve(env.SAMSA_DATA_DIR)
  return resolve(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'samsa')
}

// The directory's real path (realpath(3): no symbolic links, no `.` or `..`). Trailing components that do
// not exist yet are kept as given under their nearest existing ancestor, resolved — which is what realpath
// returns once they are created, so a client naming a directory that auto-start is about to create derives
// the same names as the daemon that then runs in it.
export function canonicalDataDir(dataDir: string): string {
  const missing: string[] = []
  for (let dir = resolve(dataDir); ; dir = dirname(dir)) {
    try {
      return join(realpathSync.native(dir), ...missing)
    } catch {
      if (dirname(dir) === dir) return resolve(dataDir)
      missing.unshift(basename(dir))
    }
  }
}

export function dataDirHash(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16)
}

// dataDir must be absolute (resolveDataDir). socketOverride: --socket, else $SAMSA_SOCKET.
export function daemonPaths(dataDir: string, socketOverride?: string, env: NodeJS.ProcessEnv = process.env): DaemonPaths {
  const dir = canonicalDataDir(dataDir)
  const runDir = join(dir, 'run')
  const override = socketOverride || env.SAMSA_SOCKET
  // absolute: a detached daemon runs in /, not in the directory the command was typed in
  let socket = override ? resolve(override) : join(runDir, 'samsa.sock')
  let socketDir = override ? null : runDir
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0
    socketDir = join(env.XDG_RUNTIME_DIR || tmpdir(), `samsa-${uid}`)
    socket = join(socketDir, `${dataDirHash(dir)}.sock`)
  }
  return {dataDir: dir, runDir, socket, socketDir, pidFile: join(runDir, 'daemon.pid'), logFile: join(dir, 'daemon.log'), configFile: join(dir, 'daemon.json')}
}

// The abstract-socket names of an existing data directory's locks (socket-lock.ts): `daemon`, held by the
// one daemon of the directory for its whole life (README Guarantees, rule 8); `spawn`, held by a client while
// it spawns one, so simultaneous first commands start one daemon rather than many that then lose the lock.
export function lockNames(dataDir: string): {daemon: string; spawn: string} {
  const st = statSync(dataDir, {bigint: true})
  const id = `${st.dev.toString(16)}-${st.ino.toString(16)}`
  return {daemon: `\0samsa-lock-${id}`, spawn: `\0samsa-spawn-${id}`}
}
