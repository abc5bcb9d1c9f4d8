// Test helpers for the daemon: start real daemon processes (dist/engine/main.js) in temp data directories,
// talk to them over their Unix socket with the frame codec directly (not the client library), and
// measure a process's memory. Every daemon started here is killed in afterAll via killAll().
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll} from 'vitest'
import {FrameDecoder, encodeFrame, type Frame} from '../../src/protocol/control/frame.js'
import {daemonPaths} from '../../src/protocol/control/paths.js'
import {encodeRecordBatch} from '../../src/format/record-batch.js'
import {Compression} from '../../src/format/batch-header.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const MAIN = join(ROOT, 'dist', 'engine', 'main.js')

const started = new Set<ChildProcess>()
const dirs: string[] = []

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'engine', 'worker', 'main.js'))) {
    throw new Error('dist/engine is missing: run `npx tsc -p .` before the engine tests')
  }
}

export function tempDir(prefix = 'samsa-engine-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
}

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = {...process.env}
  delete env.SAMSA_SOCKET
  delete env.SAMSA_DATA_DIR
  return {...env, ...extra}
}

export interface DaemonProcess {
  child: ChildProcess
  pid: number
  dataDir: string
  socket: string
  output: () => string
  exited: Promise<number | null>
}

// Spawns a daemon; resolves when its socket accepts a connection, or rejects with its output when it exits.
export async function spawnDaemon(
  dataDir: string,
  options: {workers?: number; socket?: string; env?: NodeJS.ProcessEnv; waitReady?: boolean; main?: string; fdLimit?: number} = {},
): Promise<DaemonProcess> {
  // main: another entry script taking the same flags (test fixtures); fdLimit: `ulimit -n` for the daemon
  const args = [options.main ?? MAIN, '--data-dir', dataDir, '--workers', String(options.workers ?? 2)]
  if (options.socket) args.push('--socket', options.socket)
  const [command, argv] =
    options.fdLimit === undefined ? [process.execPath, args] : ['bash', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...args]]
  const child = spawn(command, argv, {env: cleanEnv(options.env), stdio: ['ignore', 'ignore', 'pipe']})
  started.add(child)
  let out = ''
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      started.delete(child)
      resolve(code)
    }),
  )
  const socket = daemonPaths(dataDir, options.socket, cleanEnv(options.env)).socket
  const d: DaemonProcess = {child, pid: child.pid!, dataDir, socket, output: () => out, exited}
  if (options.waitReady === false) return d
  let gone = false
  void exited.then(() => (gone = true))
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (gone) throw new Error(`daemon exited during startup (code ${await exited}): ${out}`)
    if (/ ready: /.test(out)) return d
    await sleep(20)
  }
  throw new Error(`daemon did not become ready: ${out}`)
}

// One daemon (and one connection to it) for a whole test file: started in beforeAll, handed to `ready`,
// stopped and cleaned up in afterAll. Call at the top level of a test file.
export function sharedDaemon(
  ready: (daemon: DaemonProcess, client: TestClient) => void | Promise<void>,
  options: Parameters<typeof spawnDaemon>[1] = {},
): void {
  let daemon: DaemonProcess | undefined
  let client: TestClient | undefined
  beforeAll(async () => {
    requireBuild()
    daemon = await spawnDaemon(tempDir(), options)
    client = await TestClient.connect(daemon.socket)
    await ready(daemon, client)
  })
  afterAll(async () => {
    client?.close()
    if (daemon) await stopDaemon(daemon)
    killAll()
    cleanupDirs()
  })
}

export async function stopDaemon(d: DaemonProcess): Promise<number | null> {
  d.child.kill('SIGTERM')
  return d.exited
}

export function killAll(): void {
  for (const c of started) c.kill('SIGKILL')
  started.clear()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

export interface Response {
  apiKey: number
  correlationId: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: Buffer
}

// A bare control-protocol client: frames over a socket, pipelined, responses matched by correlation id.
export class TestClient {
  private readonly decoder = new FrameDecoder()
  private readonly waiting = new Map<number, (r: Response) => void>()
  private nextId = 1
  readonly frames: Frame[] = [] // responses nobody waited for
  closed = false
  readonly closedPromise: Promise<void>

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) {
        const r = {apiKey: f.apiKey, correlationId: f.correlationId, body: f.body, raw: Buffer.from(f.raw)}
        const w = this.waiting.get(f.correlationId)
        if (w) {
          this.waiting.delete(f.correlationId)
          w(r)
        } else this.frames.push(f)
      }
    })
    socket.on('error', () => {})
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true
        resolve()
      }),
    )
  }

  static connect(path: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({path})
      s.once('connect', () => resolve(new TestClient(s)))
      s.once('error', reject)
    })
  }

  // Sends a request and waits for its response (rejects if the connection closes first).
  request(apiKey: number, body: unknown, raw?: Uint8Array, timeoutMs = 15_000): Promise<Response> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to api ${apiKey} within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.set(id, (r) => {
        clearTimeout(timer)
        resolve(r)
      })
      void this.closedPromise.then(() => {
        clearTimeout(timer)
        if (this.waiting.delete(id)) reject(new Error('connection closed'))
      })
      this.socket.write(encodeFrame(apiKey, 0, id, body, raw))
    })
  }

  // Sends without waiting (acks=0, pipelining tests). Returns the correlation id.
  send(apiKey: number, body: unknown, raw?: Uint8Array): number {
    const id = this.nextId++
    this.socket.write(encodeFrame(apiKey, 0, id, body, raw))
    return id
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  close(): void {
    this.socket.destroy()
  }
}

export function records(n: number, prefix = 'v', size = 0): {key: Buffer; value: Buffer; timestamp: number; headers: []}[] {
  const now = Date.now()
  return Array.from({length: n}, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(size > 0 ? `${prefix}${i}-`.padEnd(size, 'x') : `${prefix}${i}`),
    timestamp: now + i,
    headers: [] as [],
  }))
}

export function lz4Batch(n: number, prefix = 'v', size = 0): Buffer {
  return encodeRecordBatch(records(n, prefix, size), {compression: Compression.Lz4})
}
