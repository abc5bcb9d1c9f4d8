// One connection to one Kafka broker: TCP or TLS (node:tls), pipelined — every request is written at
// once, tagged with the next correlation id, and its response is matched by that id (Kafka answers in
// order per connection, but matching by id costs nothing and catches a confused peer).
//
// Opening: dial, ApiVersions v0 (every broker since 0.10 answers it, before authentication too), then
// SASL if asked (PLAIN or SCRAM; SaslHandshake v1, SaslAuthenticate v0: sasl.ts). From ApiVersions each API is used
// at the highest version both sides speak (our codecs: protocol/kafka); an API the broker lacks, or whose
// range does not meet ours, fails the call that needs it with a one-line "the broker does not support".
//
// Failure: a lost connection fails every request in flight with DAEMON_UNAVAILABLE (retriable: the
// caller — KafkaCluster — dials again on the next request; nothing is resent here); a request past its
// timeout closes the connection, as Kafka's clients do (the stream can no longer be trusted to line up).
// A broker that closes the connection right after ApiVersions, when we did not authenticate, is what a
// listener that requires SASL does (Kafka's and samsa's): the error says so.
// Runs on the CLI's main thread; one socket, one frame reader.
import {connect as tcpConnect, type Socket} from 'node:net'
import {connect as tlsConnect, type ConnectionOptions} from 'node:tls'
import {SamsaError} from '../../errors.js'
import {isFlexible, type KafkaApi, type RequestOf, type ResponseOf} from '../../protocol/kafka/api.js'
import {ApiVersions} from '../../protocol/kafka/apis/api-versions.js'
import {beginFrame, endFrame, KafkaFrameReader} from '../../protocol/kafka/frame.js'
import {requestHeaderCodec, requestHeaderVersion, responseHeaderCodec, responseHeaderVersion} from '../../protocol/kafka/header.js'
import {Reader, Writer} from '../../protocol/kafka/primitives.js'
import {kafkaFailure} from './errors.js'
import {authenticate, type SaslOptions} from './sasl.js'

export interface BrokerAddress {
  host: string
  port: number
}

export interface Security {
  tls?: ConnectionOptions // absent: plaintext
  sasl?: SaslOptions
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
const CONNECT_TIMEOUT_MS = 10_000

interface Pending {
  api: KafkaApi
  version: number
  resolve: (body: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export function addressName(a: BrokerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

export class KafkaConnection {
  private readonly reader = new KafkaFrameReader()
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private versions = new Map<number, {min: number; max: number}>()
  private closedError: SamsaError | null = null
  private readonly closeListeners: (() => void)[] = []
  private answered = 0 // responses received
  private authenticated = false // SASL was asked for (and, once open, succeeded)

  private constructor(
    private readonly socket: Socket,
    readonly address: BrokerAddress,
    private readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (err) => this.fail(unreachable(address, err)))
    socket.on('close', () => this.fail(this.lost()))
  }

  static async open(address: BrokerAddress, security: Security, clientId: string): Promise<KafkaConnection> {
    const socket = await dial(address, security.tls)
    const c = new KafkaConnection(socket, address, clientId)
    try {
      const answer = await c.request(ApiVersions, {clientSoftwareName: '', clientSoftwareVersion: ''}, {version: 0})
      if (answer.errorCode !== 0) throw kafkaFailure(answer.errorCode, `ApiVersions from ${addressName(address)}`)
      c.versions = new Map(answer.apiKeys.map((k) => [k.apiKey, {min: k.minVersion, max: k.maxVersion}]))
      c.authenticated = security.sasl !== undefined
      if (security.sasl) await authenticate(c, security.sasl)
    } catch (err) {
      c.close()
      throw err
    }
    return c
  }

  get isOpen(): boolean {
    return this.closedError === null
  }

  onClose(listener: () => void): void {
    if (this.closedError) listener()
    else this.closeListeners.push(listener)
  }

  /** Does the broker speak `api` at a version our codec knows? */
  speaks(api: KafkaApi): boolean {
    const range = this.versions.get(api.key)
    return range !== undefined && range.min <= api.maxVersion
  }

  /** The version to send `api` at: the highest both sides speak. */
  versionOf(api: KafkaApi): number {
    const range = this.versions.get(api.key)
    if (!range || range.min > api.maxVersion) {
      throw new SamsaError('INVALID_REQUEST', `Kafka broker ${addressName(this.address)} does not support ${api.name} at a version samsa speaks (v0–v${api.maxVersion})`)
    }
    return Math.min(range.max, api.maxVersion)
  }

  /**
   * Sends one request and resolves with its decoded response body. noResponse: resolve once written (only
   * Produce with acks=0, which Kafka never answers).
   */
  request<A extends KafkaApi>(
    api: A,
    body: RequestOf<A>,
    options: {version?: number; timeoutMs?: number; noResponse?: boolean} = {},
  ): Promise<ResponseOf<A>> {
    if (this.closedError) return Promise.reject(this.closedError)
    let version: number
    try {
      version = options.version ?? this.versionOf(api)
    } catch (err) {
      return Promise.reject(err)
    }
    const id = this.nextId
    this.nextId = (this.nextId + 1) | 0
    const chunks = encode(api, version, id, this.clientId, body)
    if (options.noResponse) {
      return new Promise((resolve, reject) => {
        for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!)
        this.socket.write(chunks[chunks.length - 1]!, (err) => (err ? reject(unreachable(this.address, err)) : resolve(null as ResponseOf<A>)))
      })
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
      const timer = setTimeout(() => {
        this.fail(new SamsaError('TIMEOUT', `Kafka broker ${addressName(this.address)} did not answer ${api.name} within ${timeoutMs} ms`))
        this.socket.destroy()
      }, timeoutMs)
      this.pending.set(id, {api, version, resolve: resolve as (b: unknown) => void, reject, timer})
      for (const chunk of chunks) this.socket.write(chunk)
    })
  }

  private lost(): SamsaError {
    const where = addressName(this.address)
    if (this.answered === 1 && !this.authenticated) {
      return new SamsaError('DAEMON_UNAVAILABLE', `Kafka broker ${where} closed the connection after ApiVersions: does it require SASL authentication? (--sasl-mechanism, --sasl-username, --sasl-password)`)
    }
    return new SamsaError('DAEMON_UNAVAILABLE', `the connection to Kafka broker ${where} was lost`)
  }

  close(): void {
    this.fail(new SamsaError('INTERNAL', 'the Kafka client is closed'))
    this.socket.destroy()
  }

  private receive(chunk: Buffer): void {
    try {
      this.reader.push(chunk)
      for (let payload = this.reader.next(); payload !== null; payload = this.reader.next()) this.answer(payload)
    } catch (err) {
      this.fail(new SamsaError('INTERNAL', `a bad response from Kafka broker ${addressName(this.address)}: ${(err as Error).message}`))
      this.socket.destroy()
    }
  }

  private answer(payload: Buffer): void {
    const id = payload.readInt32BE(0)
    const p = this.pending.get(id)
    if (!p) throw new Error(`a response with correlation id ${id}, which no request has`)
    this.pending.delete(id)
    this.answered++
    clearTimeout(p.timer)
    // a copy: the frame reader may reuse its buffer, and fetched records outlive this call
    const r = new Reader(Buffer.from(payload))
    try {
      responseHeaderCodec(responseHeaderVersion(p.api.key, isFlexible(p.api, p.version))).read(r)
      p.resolve(p.api.response.codec(p.version, isFlexible(p.api, p.version)).read(r))
    } catch (err) {
      p.reject(new SamsaError('INTERNAL', `a bad ${p.api.name} v${p.version} response from Kafka broker ${addressName(this.address)}: ${(err as Error).message}`))
    }
  }

  private fail(err: SamsaError): void {
    if (this.closedError) return
    this.closedError = err
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
    for (const l of this.closeListeners.splice(0)) l()
  }
}

function encode(api: KafkaApi, version: number, correlationId: number, clientId: string, body: unknown): Buffer[] {
  const w = new Writer()
  beginFrame(w)
  const flexible = isFlexible(api, version)
  requestHeaderCodec(requestHeaderVersion(flexible)).write(w, {apiKey: api.key, apiVersion: version, correlationId, clientId})
  api.request.codec(version, flexible).write(w, body)
  return endFrame(w)
}

function dial(address: BrokerAddress, tls: ConnectionOptions | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const ready = tls ? 'secureConnect' : 'connect'
    const socket: Socket = tls
      ? tlsConnect({host: address.host, port: address.port, servername: isIp(address.host) ? undefined : address.host, ...tls})
      : tcpConnect({host: address.host, port: address.port})
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new SamsaError('DAEMON_UNAVAILABLE', `cannot connect to Kafka broker ${addressName(address)}: no answer within ${CONNECT_TIMEOUT_MS} ms`))
    }, CONNECT_TIMEOUT_MS)
    socket.once(ready, () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      socket.setNoDelay(true)
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      socket.destroy()
      reject(unreachable(address, err))
    })
  })
}

function unreachable(address: BrokerAddress, err: Error & {code?: string}): SamsaError {
  const why = err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message
  return new SamsaError('DAEMON_UNAVAILABLE', `cannot connect to Kafka broker ${addressName(address)}: ${why}`)
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}
