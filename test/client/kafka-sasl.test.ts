// The Kafka backend's SCRAM client against brokers that should not be believed: one whose server
// signature is wrong (it accepted the proof without knowing the password) and one asking for too few
// iterations. The peer is a small in-process stand-in speaking the SASL messages; the real exchanges with
// samsa's listener are test/integration/kafka-sasl.test.ts.
import {describe, expect, it} from 'vitest'
import {authenticate} from '../../src/client/kafka/sasl.js'
import {parseClientFirst, serverFirst} from '../../src/protocol/sasl/scram.js'

function impostor(iterations: number, signature: Buffer) {
  let nonce = ''
  return {
    address: {host: 'impostor', port: 9092},
    speaks: () => true,
    async request(api: {name: string}, body: {authBytes?: Buffer}): Promise<never> {
      if (api.name === 'SaslHandshake') return {errorCode: 0, mechanisms: ['SCRAM-SHA-256']} as never
      const text = body.authBytes!.toString()
      if (text.startsWith('n,,')) {
        nonce = `${parseClientFirst(text).nonce}server`
        return {errorCode: 0, errorMessage: null, authBytes: Buffer.from(serverFirst(nonce, Buffer.from('salt'), iterations))} as never
      }
      return {errorCode: 0, errorMessage: null, authBytes: Buffer.from(`v=${signature.toString('base64')}`)} as never
    },
  }
}

describe('the SCRAM client', () => {
  it('refuses a broker whose server signature does not prove it knows the password', async () => {
    await expect(authenticate(impostor(4096, Buffer.alloc(32)) as never, {mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p'})).rejects.toThrow(
      'SASL SCRAM-SHA-256 authentication as u failed at Kafka broker impostor:9092: the broker proved no knowledge of the password (its SCRAM server signature is wrong)',
    )
  })

  it('refuses a broker asking for fewer than 4096 iterations (a cheap offline guess of the password)', async () => {
    await expect(authenticate(impostor(1, Buffer.alloc(32)) as never, {mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p'})).rejects.toThrow(
      'the server asks for 1 iterations, fewer than the minimum 4096',
    )
  })
})
