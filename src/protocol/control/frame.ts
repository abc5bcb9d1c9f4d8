// Control-channel framing: how requests and responses travel over the daemon's Unix socket.
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
// Invariants: jsonLength ≤ frameLength − 12; a decoder never buffers more than one frame beyond what it
// was given plus maxFrameBytes. Pure: no sockets here, so both the daemon and the client use it.
import {SamsaError} from '../../errors.js'

export const FRAME_PREFIX_BYTES = 4
export const FRAME_HEADER_BYTES = 12 // apiKey + apiVersion + correlationId + jsonLength
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024

export interface Frame {
  apiKey: number
  apiVersion: number
  correlationId: number
  body: unknown
  raw: Buffer
}

export function encodeFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: unknown,
  raw?: Uint8Array,
): Buffer {
  const json = Buffer.from(JSON.stringify(body ?? null), 'utf8')
  const rawLength = raw ? raw.length : 0
  const out = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + json.length + rawLength)
  out.writeUInt32BE(FRAME_HEADER_BYTES + json.length + rawLength, 0)
  out.writeUInt16BE(apiKey, 4)
  out.writeUInt16BE(apiVersion, 6)
  out.writeUInt32BE(correlationId >>> 0, 8)
  out.writeUInt32BE(json.length, 12)
  json.copy(out, 16)
  if (raw) out.set(raw, 16 + json.length)
  return out
}

// Parses one complete frame (without its 4-byte length prefix).
export function decodeFramePayload(payload: Buffer): Frame {
  if (payload.length < FRAME_HEADER_BYTES) {
    throw new SamsaError('INVALID_REQUEST', `frame of ${payload.length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`)
  }
  const jsonLength = payload.readUInt32BE(8)
  if (jsonLength > payload.length - FRAME_HEADER_BYTES) {
    throw new SamsaError('INVALID_REQUEST', `frame JSON length ${jsonLength} runs past the end of the frame`)
  }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8', FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + jsonLength))
  } catch {
    throw new SamsaError('INVALID_REQUEST', 'frame body is not valid JSON')
  }
  return {
    apiKey: payload.readUInt16BE(0),
    apiVersion: payload.readUInt16BE(2),
    correlationId: payload.readUInt32BE(4),
    body,
    raw: payload.subarray(FRAME_HEADER_BYTES + jsonLength),
  }
}

// Incremental decoder for a byte stream. push() returns every frame completed by the chunk. A frame that
// arrives whole in one chunk is a view into that chunk; one that spans chunks is assembled in a buffer of
// exactly its size, allocated only after its length prefix passed the size check.
export class FrameDecoder {
  private readonly maxFrameBytes: number
  private pending: Buffer | null = null // the partial frame being assembled (payload only)
  private pendingFilled = 0
  private prefix = Buffer.alloc(FRAME_PREFIX_BYTES)
  private prefixFilled = 0

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes
  }

  // True while a frame is partly received: the daemon uses it for its partial-frame timeout.
  get partial(): boolean {
    return this.pending !== null || this.prefixFilled > 0
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = []
    let pos = 0
    while (pos < chunk.length) {
      if (this.pending) {
        const take = Math.min(this.pending.length - this.pendingFilled, chunk.length - pos)
        chunk.copy(this.pending, this.pendingFilled, pos, pos + take)
        this.pendingFilled += take
        pos += take
        if (this.pendingFilled === this.pending.length) {
          const payload = this.pending
          this.pending = null
          frames.push(decodeFramePayload(payload))
        }
        continue
      }
      if (this.prefixFilled > 0 || chunk.length - pos < FRAME_PREFIX_BYTES) {
        const take = Math.min(FRAME_PREFIX_BYTES - this.prefixFilled, chunk.length - pos)
        chunk.copy(this.prefix, this.prefixFilled, pos, pos + take)
        this.prefixFilled += take
        pos += take
        if (this.prefixFilled < FRAME_PREFIX_BYTES) break
        this.prefixFilled = 0
        this.startFrame(this.prefix.readUInt32BE(0))
        continue
      }
      const length = chunk.readUInt32BE(pos)
      this.checkLength(length)
      pos += FRAME_PREFIX_BYTES
      if (chunk.length - pos >= length) {
        frames.push(decodeFramePayload(chunk.subarray(pos, pos + length)))
        pos += length
      } else {
        this.startFrame(length)
      }
    }
    return frames
  }

  private startFrame(length: number): void {
    this.checkLength(length)
    this.pending = Buffer.allocUnsafe(length)
    this.pendingFilled = 0
  }

  private checkLength(length: number): void {
    if (length > this.maxFrameBytes) {
      throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte limit`)
    }
    if (length < FRAME_HEADER_BYTES) {
      throw new SamsaError('INVALID_REQUEST', `frame of ${length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`)
    }
  }
}
