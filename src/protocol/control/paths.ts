// Where a data directory's daemon listens and locks. Shared by the daemon (which creates these) and the
// client (which connects and auto-starts), so both derive the same names from the same data directory.
//
//   <data>/run/              mode 0700: only the owner may reach the socket
//   <data>/run/samsa.sock    the control socket, mode 0600
//   <data>/run/daemon.pid    the pid of the daemon holding the lock (informational: the lock is the truth)
//   <data>/daemon.log        a detached daemon's log
//   lock: the Linux abstract Unix socket "\0samsa-lock-<hash of the data dir>"; the kernel frees it on kill -9
//
// A socket path longer than the OS allows (sun_path is 108 bytes on Linux, including the NUL) falls back
// to a short path under $XDG_RUNTIME_DIR (else the temp dir), named by the same hash.
import {createHash} from 'node:crypto'
import {homedir, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const MAX_SOCKET_PATH_BYTES = 107

export interface DaemonPaths {
  dataDir: string
  runDir: string
  socket: string
  pidFile: string
  logFile: string
  lockName: string // abstract socket name, with its leading NUL
}

// The data directory: --data-dir, else $SAMSA_DATA_DIR, else $XDG_DATA_HOME/samsa (~/.local/share/samsa
// when XDG_DATA_HOME is unset), always absolute. The CLI and the daemon's own entry both resolve it here.
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag)
  if (env.SAMSA_DATA_DIR) return resolve(env.SAMSA_DATA_DIR)
  return resolve(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'samsa')
}

export function dataDirHash(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16)
}

// dataDir must already be absolute (see cli/data-dir.ts). socketOverride: --socket or $SAMSA_SOCKET.
export function daemonPaths(dataDir: string, socketOverride?: string, env: NodeJS.ProcessEnv = process.env): DaemonPaths {
  const hash = dataDirHash(dataDir)
  const runDir = join(dataDir, 'run')
  let socket = socketOverride || env.SAMSA_SOCKET || join(runDir, 'samsa.sock')
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0
    socket = join(env.XDG_RUNTIME_DIR || tmpdir(), `samsa-${uid}`, `${hash}.sock`)
  }
  return {
    dataDir,
    runDir,
    socket,
    pidFile: join(runDir, 'daemon.pid'),
    logFile: join(dataDir, 'daemon.log'),
    lockName: `\0samsa-lock-${hash}`,
  }
}
