// Kafka's framing: every request and response is `int32 size` (big-endian, not counting itself) followed
// by `size` bytes. TCP is a stream, so a chunk may hold several frames or part of one (both kcat and
// kafkajs pipeline requests).
//
// Bounds: the size is checked BEFORE anything is allocated: a negative size or one above `maxFrameBytes`
// (Kafka's socket.request.max.bytes, 100 MiB by default) is a FrameSizeError, after which the stream
// cannot be resynchronised and the listener closes the connection. What is buffered is the chunks pushed
// and not yet taken, plus at most one frame being assembled at its exact, checked size — and, above
// UNCOUNTED_FRAME_BYTES, only once a FrameMemory (the daemon's pending-frame budget) granted that size, so
// many connections each stalled inside a 100 MiB frame cannot together pin more than the daemon allows.
// The splitting is protocol/frame-splitter.ts's, shared with the control protocol; this module gives it
// Kafka's reading of the prefix and its error.
// Pure: no sockets; one KafkaFrameReader per connection, on the thread that owns the socket.

import {SamsaError} from '../../errors.js'
import {FRAME_PREFIX_BYTES, FrameSplitter, type FrameMemory, type LengthPrefix} from '../frame-splitter.js'
import type {Writer} from './primitives.js'

export const FRAME_SIZE_BYTES = FRAME_PREFIX_BYTES
/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024
/** Frames up to this size are assembled without a claim on FrameMemory (requests are small but Produce). */
export {UNCOUNTED_FRAME_BYTES, type FrameMemory} from '../frame-splitter.js'

/** The size prefix is out of bounds: close the connection (Kafka does). */
export class FrameSizeError extends SamsaError {
  constructor(
    readonly size: number,
    readonly maxFrameBytes: number,
    setting = 'socket.request.max.bytes',
  ) {
    super(
      'INVALID_REQUEST',
      size < 0 ? `frame size ${size} is negative` : `frame of ${size} bytes exceeds the ${maxFrameBytes}-byte limit (${setting})`,
    )
    this.name = 'FrameSizeError'
  }
}

/** Throws FrameSizeError unless 0 ≤ size ≤ maxFrameBytes. */
export function checkFrameSize(size: number, maxFrameBytes: number, setting?: string): void {
  if (size < 0 || size > maxFrameBytes) throw new FrameSizeError(size, maxFrameBytes, setting)
}

/** A tighter limit while it applies: the frame size allowed now and the setting that says so, or null. */
export type FrameLimitNow = () => {bytes: number; setting: string} | null

const KAFKA_PREFIX: LengthPrefix = {
  name: 'size',
  lengthOf(u32, maxFrameBytes) {
    const size = u32 | 0 // Kafka's size is an int32
    checkFrameSize(size, maxFrameBytes)
    return size
  },
}

/**
 * Splits a connection's byte stream into frame payloads (without the size prefix), pulled one at a time so
 * the listener can stop at its in-flight limit with the rest still buffered, and answer in order: the
 * length-prefixed splitter (protocol/frame-splitter.ts) with Kafka's int32 size. next() throws
 * FrameSizeError on a bad prefix.
 */
export class KafkaFrameReader extends FrameSplitter {
  // tighter: checked at each frame's prefix (a SASL listener's limit before authentication, as Kafka's
  // sasl.server.max.receive.size)
  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, memory: FrameMemory | null = null, tighter?: FrameLimitNow) {
    super(tighter ? tightened(tighter) : KAFKA_PREFIX, maxFrameBytes, memory)
  }
}

function tightened(tighter: FrameLimitNow): LengthPrefix {
  return {
    name: 'size',
    lengthOf(u32, maxFrameBytes) {
      const size = KAFKA_PREFIX.lengthOf(u32, maxFrameBytes)
      const now = tighter()
      if (now) checkFrameSize(size, now.bytes, now.setting)
      return size
    },
  }
}

/** Starts a frame in `w`: a size placeholder that endFrame() fills in. */
export function beginFrame(w: Writer): void {
  w.int32(0)
}

/** Fills in the size of a frame begun at the start of `w` and returns its chunks. */
export function endFrame(w: Writer): Buffer[] {
  w.patchInt32(0, w.length - FRAME_SIZE_BYTES)
  return w.finish()
}
