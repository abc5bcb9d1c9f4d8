// Control-channel framing: how requests and responses travel over the daemon's Unix socket. The one codec
// of this layout: the daemon (engine/control/) and the client both encode, split and decode with it.
//
// Byte layout (all integers big-endian):
//   u32  frameLength     bytes after this field; checked against maxFrameBytes BEFORE anything is allocated
//   u16  apiKey          see messages.ts; a response echoes its request's key
//   u16  apiVersion      0 for every API today; bumped when a body changes incompatibly
//   u32  correlationId   chosen by the client, echoed in the response; requests may be pipelined
//   u32  jsonLength      length of the JSON body that follows
//   json                 UTF-8 JSON (request or response body, or {"error": {...}})
//   raw                  the rest of the frame: record-batch bytes, passed through untouched
//
// Invariants: FRAME_HEADER_BYTES ≤ frameLength ≤ maxFrameBytes; jsonLength ≤ frameLength − 12. A reader
// never buffers more than the chunks it was given plus one frame, allocated at its checked size.
// Pure: no sockets here.
import {SamsaError} from '../../errors.js'

export const FRAME_PREFIX_BYTES = 4
export const FRAME_HEADER_BYTES = 12 // apiKey + apiVersion + correlationId + jsonLength
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024

export interface FrameHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  jsonLength: number
}

export interface Frame {
  apiKey: number
  apiVersion: number
  correlationId: number
  body: unknown
  raw: Buffer
}

// ── encoding ─────────────────────────────────────────────────────────────────────────────────────────
function writeHead(out: Buffer, apiKey: number, apiVersion: number, correlationId: number, json: Buffer, rawLength: number): void {
  out.writeUInt32BE(FRAME_HEADER_BYTES + json.length + rawLength, 0)
  out.writeUInt16BE(apiKey, 4)
  out.writeUInt16BE(apiVersion, 6)
  out.writeUInt32BE(correlationId >>> 0, 8)
  out.writeUInt32BE(json.length, 12)
  json.copy(out, FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES)
}

// A whole frame in one buffer (one copy of raw: a request is written with a single socket write).
export function encodeFrame(apiKey: number, apiVersion: number, correlationId: number, body: unknown, raw?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(body ?? null), 'utf8')
  const rawLength = raw ? raw.length : 0
  const out = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + json.length + rawLength)
  writeHead(out, apiKey, apiVersion, correlationId, json, rawLength)
  if (raw) out.set(raw, FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + json.length)
  return out
}

// Everything of a frame but its raw part, whose rawLength bytes the caller writes right after: the daemon
// hands fetched batch views to the socket as they are, never copied into a frame buffer.
export function encodeFrameHead(apiKey: number, apiVersion: number, correlationId: number, body: unknown, rawLength: number): Buffer {
  const json = Buffer.from(JSON.stringify(body ?? null), 'utf8')
  const head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + json.length)
  writeHead(head, apiKey, apiVersion, correlationId, json, rawLength)
  return head
}

// ── decoding ─────────────────────────────────────────────────────────────────────────────────────────
// A length prefix out of bounds: the stream cannot be resynchronised after it.
export function checkFrameLength(length: number, maxFrameBytes: number): void {
  if (length > maxFrameBytes) {
    throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes exceeds the ${maxFrameBytes}-byte limit`)
  }
  if (length < FRAME_HEADER_BYTES) {
    throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`)
  }
}

// The fixed header of one payload (a frame without its length prefix), or null when it is too short to hold
// one. Readable even when the body is not: the daemon answers an undecodable frame by its correlation id.
export function readFrameHeader(payload: Buffer): FrameHeader | null {
  if (payload.length < FRAME_HEADER_BYTES) return null
  return {
    apiKey: payload.readUInt16BE(0),
    apiVersion: payload.readUInt16BE(2),
    correlationId: payload.readUInt32BE(4),
    jsonLength: payload.readUInt32BE(8),
  }
}

// Parses one complete payload; raw is a view into it.
export function decodeFramePayload(payload: Buffer): Frame {
  const header = readFrameHeader(payload)
  if (!header) {
    throw new SamsaError('INVALID_REQUEST', `frame of ${payload.length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`)
  }
  const {jsonLength} = header
  if (jsonLength > payload.length - FRAME_HEADER_BYTES) {
    throw new SamsaError('INVALID_REQUEST', `frame JSON length ${jsonLength} runs past the end of the frame`)
  }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8', FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + jsonLength))
  } catch {
    throw new SamsaError('INVALID_REQUEST', 'frame body is not valid JSON')
  }
  return {apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId, body, raw: payload.subarray(FRAME_HEADER_BYTES + jsonLength)}
}

// ── splitting a byte stream into payloads ───────────────────────────────────────────────────────────
// Frames up to this size are assembled without a claim on FrameMemory: at most MAX_CONNECTIONS × 64 KiB
// = 64 MiB in the daemon, and small requests (Hello, fetch, commit, small produces) never wait behind big
// half-received ones.
export const UNCOUNTED_FRAME_BYTES = 64 * 1024

// Where a frame's assembly buffer is reserved (the daemon's pending-frame budget). claim() false: not now;
// the owner calls next() again later. release() follows every successful claim once the frame is complete.
export interface FrameMemory {
  claim(bytes: number): boolean
  release(bytes: number): void
}

// Pull-based: next() hands out one payload at a time, so the daemon's connection can stop at its in-flight
// limit with the remainder still buffered (then pause the socket), and answer a bad payload with an error
// while the stream stays in step. A payload inside one chunk is a view into it (no copy); one that spans
// chunks is assembled in a buffer of exactly its size, allocated only after its length passed the check
// and, beyond UNCOUNTED_FRAME_BYTES, after the FrameMemory granted it (until then its prefix stays unread
// and next() says null). framesRead counts the payloads handed out, so the daemon can tell one frame's
// clock from the next.
export class FrameReader {
  private readonly chunks: Buffer[] = []
  private head = 0 // read position in chunks[0]
  private buffered = 0 // unread bytes across chunks
  private pending: Buffer | null = null // a frame being assembled across chunks
  private pendingFilled = 0
  framesRead = 0 // payloads handed out by next()

  constructor(
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    private readonly memory: FrameMemory | null = null,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  // True while bytes of an incomplete frame are held (the daemon's frame deadline watches this).
  get partial(): boolean {
    return this.pending !== null || this.buffered > 0
  }

  // For log lines: how far the frame being assembled has come.
  get progress(): string {
    if (this.pending) return `${this.pendingFilled} of ${this.pending.length} bytes`
    return `${this.buffered} bytes, its length not yet read`
  }

  // Forgets the incomplete frame and whatever is buffered (its sender half-closed: it cannot complete).
  // The caller gives back the frame's memory claim.
  dropPartial(): void {
    this.chunks.length = 0
    this.head = 0
    this.buffered = 0
    this.pending = null
    this.pendingFilled = 0
  }

  // The next complete payload (without its prefix), or null until more bytes arrive. Throws
  // INVALID_REQUEST for a length prefix out of bounds (checkFrameLength).
  next(): Buffer | null {
    if (this.pending) return this.fill()
    if (this.buffered < FRAME_PREFIX_BYTES) return null
    const length = this.readPrefix()
    checkFrameLength(length, this.maxFrameBytes)
    const first = this.chunks[0]!
    // Common case: the whole frame is inside the current chunk: hand out a view, copy nothing.
    if (first.length - this.head >= FRAME_PREFIX_BYTES + length) {
      this.skip(FRAME_PREFIX_BYTES)
      const view = first.subarray(this.head, this.head + length)
      this.skip(length)
      this.framesRead++
      return view
    }
    if (length > UNCOUNTED_FRAME_BYTES && this.memory && !this.memory.claim(length)) return null
    this.skip(FRAME_PREFIX_BYTES)
    this.pending = Buffer.allocUnsafe(length)
    this.pendingFilled = 0
    return this.fill()
  }

  private fill(): Buffer | null {
    const pending = this.pending!
    while (this.pendingFilled < pending.length && this.chunks.length > 0) {
      const chunk = this.chunks[0]!
      const take = Math.min(pending.length - this.pendingFilled, chunk.length - this.head)
      chunk.copy(pending, this.pendingFilled, this.head, this.head + take)
      this.pendingFilled += take
      this.skip(take)
    }
    if (this.pendingFilled < pending.length) return null
    this.pending = null
    this.framesRead++
    if (pending.length > UNCOUNTED_FRAME_BYTES) this.memory?.release(pending.length)
    return pending
  }

  private readPrefix(): number {
    const first = this.chunks[0]!
    if (first.length - this.head >= FRAME_PREFIX_BYTES) return first.readUInt32BE(this.head)
    // the prefix straddles chunks: gather its 4 bytes without consuming them
    let value = 0
    let got = 0
    for (let i = 0; got < FRAME_PREFIX_BYTES; i++) {
      const chunk = this.chunks[i]!
      for (let j = i === 0 ? this.head : 0; j < chunk.length && got < FRAME_PREFIX_BYTES; j++, got++) {
        value = value * 256 + chunk[j]!
      }
    }
    return value
  }

  private skip(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const chunk = this.chunks[0]!
      const left = chunk.length - this.head
      if (n < left) {
        this.head += n
        return
      }
      n -= left
      this.chunks.shift()
      this.head = 0
    }
    if (this.chunks.length > 0 && this.head === this.chunks[0]!.length) {
      this.chunks.shift()
      this.head = 0
    }
  }
}

// Push-based, for the client: every frame a chunk completes, decoded. A bad length prefix or payload throws
// (the client then drops the connection: every later byte would be misread).
export class FrameDecoder {
  private readonly reader: FrameReader

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.reader = new FrameReader(maxFrameBytes)
  }

  get partial(): boolean {
    return this.reader.partial
  }

  push(chunk: Buffer): Frame[] {
    this.reader.push(chunk)
    const frames: Frame[] = []
    for (let payload = this.reader.next(); payload !== null; payload = this.reader.next()) frames.push(decodeFramePayload(payload))
    return frames
  }
}
