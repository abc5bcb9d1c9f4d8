// For every API and every version samsa speaks, any request and any response survive encode → decode
// unchanged (fields a version lacks hold their defaults), and the frame's size prefix is exact.
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {KAFKA_APIS} from '../../../src/protocol/kafka/api-table.js'
import {decodeRequest, decodeResponse, encodeRequest, encodeResponse} from '../../../src/protocol/kafka/codec.js'
import {arbitraryFor} from './helpers.js'

const correlationId = fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1})
const clientId = fc.option(fc.string({maxLength: 20}), {nil: null})

function payloadOf(chunks: Buffer[]): Buffer {
  const frame = Buffer.concat(chunks)
  expect(frame.readInt32BE(0)).toBe(frame.length - 4)
  return frame.subarray(4)
}

for (const api of Object.values(KAFKA_APIS)) {
  describe(api.name, () => {
    for (let version = 0; version <= api.maxVersion; version++) {
      it(`v${version} requests round-trip`, () => {
        fc.assert(
          fc.property(arbitraryFor(api.request, version), correlationId, clientId, (body, id, client) => {
            const header = {apiVersion: version, correlationId: id, clientId: client}
            const decoded = decodeRequest(payloadOf(encodeRequest(api.name, header, body as never)))
            expect(decoded).toEqual({kind: 'request', api: api.name, header: {apiKey: api.key, ...header}, body})
          }),
          {numRuns: 60},
        )
      })

      it(`v${version} responses round-trip`, () => {
        fc.assert(
          fc.property(arbitraryFor(api.response, version), correlationId, (body, id) => {
            const request = {api: api.name, header: {apiKey: api.key, apiVersion: version, correlationId: id, clientId: null}}
            const decoded = decodeResponse(api.name, version, payloadOf(encodeResponse(request, body as never)))
            expect(decoded).toEqual({correlationId: id, body})
          }),
          {numRuns: 60},
        )
      })
    }
  })
}
