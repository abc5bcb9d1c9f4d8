// The one error-to-wire mapping (src/wire-error.ts): what a client sees in an {error} body, whoever threw.
import {describe, expect, it} from 'vitest'
import {SamsaError} from '../src/errors.js'
import {asSamsaError, fromWireError, toWireError} from '../src/wire-error.js'

describe('wire errors', () => {
  it('sends a SamsaError as its code, message and retriable flag', () => {
    expect(toWireError(new SamsaError('UNKNOWN_TOPIC', 'topic t does not exist'))).toEqual({code: 'UNKNOWN_TOPIC', message: 'topic t does not exist', retriable: false})
    expect(toWireError(new SamsaError('TIMEOUT', 'late'))).toEqual({code: 'TIMEOUT', message: 'late', retriable: true})
  })

  it('names anything else an internal error on the main thread', () => {
    expect(toWireError(new TypeError('x is undefined'))).toEqual({code: 'INTERNAL', message: 'internal error: x is undefined', retriable: false})
    expect(toWireError('a string')).toEqual({code: 'INTERNAL', message: 'internal error: a string', retriable: false})
    const errno = Object.assign(new Error('ENOSPC: no space left on device'), {code: 'ENOSPC'})
    expect(toWireError(errno).code).toBe('INTERNAL')
  })

  it('names what storage threw a storage error, with its errno', () => {
    const errno = Object.assign(new Error('EIO: i/o error, write'), {code: 'EIO'})
    expect(toWireError(errno, 'STORAGE_ERROR')).toEqual({code: 'STORAGE_ERROR', message: 'storage error (EIO): EIO: i/o error, write', retriable: false})
    expect(toWireError(new RangeError('offset out of bounds'), 'STORAGE_ERROR').message).toBe('internal error: offset out of bounds')
    const mine = new SamsaError('CORRUPT_MESSAGE', 'bad crc')
    expect(asSamsaError(mine, 'STORAGE_ERROR')).toBe(mine)
  })

  it('reads an error back, an unknown or missing code as INTERNAL', () => {
    const back = fromWireError({code: 'OFFSET_OUT_OF_RANGE', message: 'past the end'})
    expect(back).toBeInstanceOf(SamsaError)
    expect([back.code, back.message, back.exitCode, back.retriable]).toEqual(['OFFSET_OUT_OF_RANGE', 'past the end', 6, false])
    expect(fromWireError({code: 'FROM_THE_FUTURE', message: 'new'}).code).toBe('INTERNAL')
    expect(fromWireError({code: '__proto__', message: 'x'}).code).toBe('INTERNAL')
    expect(fromWireError({code: 7}).message).toBe('7')
  })
})
