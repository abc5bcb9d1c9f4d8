// The one mapping between a thrown error and its form on a wire — the control protocol's {error} bodies and
// the messages between the daemon's threads. An error crosses as {code, message, retriable}; any thrown
// value that is not a SamsaError is named for what it is on the way out, and an unknown code coming in is
// INTERNAL (the peer may be another version). Beside errors.ts, so every layer may import it.
import {ERROR_KINDS, SamsaError, isSamsaError, type ErrorCode} from './errors.js'

export interface WireError {
  code: ErrorCode
  message: string
  retriable: boolean
}

// What the thrower of an unknown error was: on the main thread it is a bug (INTERNAL); on a worker thread
// everything that is not a SamsaError came out of storage (STORAGE_ERROR, naming the errno when there is one).
export type UnknownErrorCode = 'INTERNAL' | 'STORAGE_ERROR'

// Any thrown value as a SamsaError: itself, or one with `unknown`'s code and the thrown text.
export function asSamsaError(err: unknown, unknown: UnknownErrorCode = 'INTERNAL'): SamsaError {
  if (isSamsaError(err)) return err
  const e = err as {code?: unknown; message?: unknown} | null | undefined
  const text = e && typeof e.message === 'string' ? e.message : String(err)
  if (unknown === 'STORAGE_ERROR' && typeof e?.code === 'string') {
    return new SamsaError('STORAGE_ERROR', `storage error (${e.code}): ${text}`, {cause: err})
  }
  return new SamsaError(unknown, `internal error: ${text}`, {cause: err})
}

export function toWireError(err: unknown, unknown: UnknownErrorCode = 'INTERNAL'): WireError {
  return asSamsaError(err, unknown).toJSON()
}

// The inverse, for an error read from a wire: untrusted shape, so the code is checked against the table.
export function fromWireError(error: {code?: unknown; message?: unknown}): SamsaError {
  const code = typeof error.code === 'string' && Object.hasOwn(ERROR_KINDS, error.code) ? (error.code as ErrorCode) : 'INTERNAL'
  return new SamsaError(code, String(error.message ?? error.code))
}
