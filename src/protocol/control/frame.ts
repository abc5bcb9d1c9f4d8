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
// never buffers more than the chunks it was given plus one frame, allocated at its checked size (the
// splitting is protocol/frame-splitter.ts's, shared with Kafka's framing; this module gives it the prefix's
// bounds and their error).
// Pure: no sockets here.
import {SamsaError} from '../../errors.js'
import {FRAME_PREFIX_BYTES, FrameSplitter, type FrameMemory, type LengthPrefix} from '../frame-splitter.js'

export {FRAME_PREFIX_BYTES}
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
export {UNCOUNTED_FRAME_BYTES, type FrameMemory} from '../frame-splitter.js'

const CONTROL_PREFIX: LengthPrefix = {
  name: 'length',
  lengthOf(length, maxFrameBytes) {
    checkFrameLength(length, maxFrameBytes)
    return length
  },
}

// The length-prefixed splitter (protocol/frame-splitter.ts) with the control protocol's prefix: next()
// hands out one payload at a time, a view when it lies inside one chunk, and throws INVALID_REQUEST for a
// length prefix out of bounds (checkFrameLength). Beyond UNCOUNTED_FRAME_BYTES, a frame that spans chunks
// is assembled only once the FrameMemory granted it (until then next() says null).
export class FrameReader extends FrameSplitter {
  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, memory: FrameMemory | null = null) {
    super(CONTROL_PREFIX, maxFrameBytes, memory)
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
