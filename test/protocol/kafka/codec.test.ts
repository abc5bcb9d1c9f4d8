// What the listener gets for supported, unsupported and malformed requests, and the header rules.
import {describe, expect, it} from 'vitest'
import {advertisedApiVersions} from '../../../src/protocol/kafka/api-table.js'
import {decodeRequest, decodeResponse, encodeRequest, encodeResponse, expectsResponse, type KafkaRequest} from '../../../src/protocol/kafka/codec.js'
import {requestHeaderCodec} from '../../../src/protocol/kafka/header.js'
import {Reader} from '../../../src/protocol/kafka/primitives.js'
import {expectCodecError, fixture, hex} from './helpers.js'

const ALL_KEYS = advertisedApiVersions()

describe('ApiVersions', () => {
  it('a v3 response has response header v0 (no tag byte after the correlation id) and a flexible body', () => {
    const request = decodeRequest(fixture('rdkafka-api-versions-v3')) as KafkaRequest
    const apiKeys = [
      {apiKey: 0, minVersion: 0, maxVersion: 3},
      {apiKey: 18, minVersion: 0, maxVersion: 3},
    ]
    const frame = Buffer.concat(encodeResponse(request, {errorCode: 0, apiKeys, throttleTimeMs: 0}))
    // kafka-protocol.md §2.3's worked example, byte for byte
    expect(frame).toEqual(hex('0000001a 00000001 0000 03 00000000000300 00120000000300 00000000 00'))
  })

  it('a version above v3 is answered with UNSUPPORTED_VERSION in the v0 format listing every key, not by closing', () => {
    // what a newer librdkafka sends first: ApiVersions v4, header v2
    const v4 = hex('0012 0004 0000002a 0007 72646b61666b61 00 0b 6c696272646b61666b61 06 322e302e32 00')
    const decoded = decodeRequest(v4)
    expect(decoded).toMatchObject({kind: 'unsupported', header: {apiKey: 18, apiVersion: 4, correlationId: 42, clientId: 'rdkafka'}})
    if (decoded.kind !== 'unsupported' || !decoded.reply) throw new Error('expected a reply')
    expect(decoded.reason).toBe('ApiVersions v4 is not supported (samsa speaks v0–v3)')
    const reply = Buffer.concat(decoded.reply)
    expect(reply.readInt32BE(0)).toBe(reply.length - 4)
    expect(decodeResponse('ApiVersions', 0, reply.subarray(4))).toEqual({
      correlationId: 42,
      body: {errorCode: 35, apiKeys: ALL_KEYS, throttleTimeMs: 0},
    })
  })

  it('advertises MinVersion 0 and the recommended MaxVersion for every API, sorted by key', () => {
    expect(ALL_KEYS.map((k) => `${k.apiKey}:${k.minVersion}-${k.maxVersion}`)).toEqual([
      '0:0-3', '1:0-4', '2:0-2', '3:0-4', '8:0-3', '9:0-3', '10:0-1', '11:0-2', '12:0-1', '13:0-1', '14:0-1',
      '15:0-1', '16:0-1', '17:0-1', '18:0-3', '19:0-2', '20:0-1', '21:0-1', '22:0-1', '32:0-1', '33:0-1', '36:0-2',
      '37:0-1', '42:0-1', '44:0-0',
    ])
    expect(advertisedApiVersions(['InitProducerId', 'DescribeConfigs']).map((k) => k.apiKey)).not.toContain(22)
  })
})

describe('unsupported requests other than ApiVersions', () => {
  it('an unknown API key gets no reply: the listener closes the connection, as Kafka does', () => {
    // DescribeUserScramCredentials (50) v0, which samsa does not speak
    const decoded = decodeRequest(hex('0032 0000 00000005 0003 616263 ffffffff'))
    expect(decoded).toEqual({
      kind: 'unsupported',
      header: {apiKey: 50, apiVersion: 0, correlationId: 5, clientId: 'abc'},
      reason: 'unknown API key 50 (version 0)',
      reply: null,
    })
  })

  it('a version above what samsa advertises gets no reply either', () => {
    const decoded = decodeRequest(hex('0000 0007 00000001 ffff'))
    expect(decoded).toMatchObject({kind: 'unsupported', reason: 'Produce v7 is not supported (samsa speaks v0–v3)', reply: null})
  })
})

describe('malformed requests', () => {
  it('name the API, version and field in one line', () => {
    const payload = fixture('kafkajs-produce-v3')
    const err = expectCodecError(() => decodeRequest(payload.subarray(0, payload.length - 10)))
    expect(err.message).toBe('Produce v3 request: topicData[0].partitionData[0].records: bytes needs 112 bytes but only 102 remain (truncated at byte 153)')
  })

  it('a frame too short for its api key and version, or a header cut short, is an error too', () => {
    expectCodecError(() => decodeRequest(hex('0000')), /request of 2 bytes is shorter than its api key and version/)
    expectCodecError(() => decodeRequest(hex('0003 0004 0000')), /^request header v1 \(api key 3, version 4\): correlationId: int32 needs 4 bytes but only 2 remain/)
  })
})

describe('responses', () => {
  it('Produce with acks=0 expects no response; with acks 1 or -1 it does', () => {
    const produce = (acks: number) =>
      decodeRequest(Buffer.concat(encodeRequest('Produce', {apiVersion: 3, correlationId: 1, clientId: null}, {transactionalId: null, acks, timeoutMs: 1000, topicData: []})).subarray(4)) as KafkaRequest
    expect(expectsResponse(produce(0))).toBe(false)
    expect(expectsResponse(produce(1))).toBe(true)
    expect(expectsResponse(produce(-1))).toBe(true)
    expect(expectsResponse(decodeRequest(fixture('kafkajs-fetch-v4')) as KafkaRequest)).toBe(true)
  })

  it('Produce v3 puts throttle_time_ms last; Fetch v4 puts it first; OffsetFetch v3 ends with the error code', () => {
    const header = (apiKey: number, apiVersion: number) => ({apiKey, apiVersion, correlationId: 7, clientId: null})
    const produce = encodeResponse({api: 'Produce', header: header(0, 3)}, {
      responses: [{name: 't', partitionResponses: [{index: 0, errorCode: 0, baseOffset: 5, logAppendTimeMs: -1}]}],
      throttleTimeMs: 0x11223344,
    })
    expect(Buffer.concat(produce).subarray(-4)).toEqual(hex('11223344'))
    const fetch = encodeResponse({api: 'Fetch', header: header(1, 4)}, {throttleTimeMs: 0x11223344, responses: []})
    expect(Buffer.concat(fetch)).toEqual(hex('0000000c 00000007 11223344 00000000'))
    const offsetFetch = encodeResponse({api: 'OffsetFetch', header: header(9, 3)}, {throttleTimeMs: 0, topics: [], errorCode: 16})
    expect(Buffer.concat(offsetFetch)).toEqual(hex('0000000e 00000007 00000000 00000000 0010'))
  })

  it('an encode failure names the API, version and field', () => {
    const request = {api: 'Metadata' as const, header: {apiKey: 3, apiVersion: 4, correlationId: 1, clientId: null}}
    const body = {throttleTimeMs: 0, brokers: [{nodeId: 1, host: null as unknown as string, port: 9092, rack: null}], clusterId: null, controllerId: 1, topics: []}
    expectCodecError(() => encodeResponse(request, body), /^Metadata v4 response: brokers\[0\]\.host: string is null, which this field does not allow$/, 'INVALID_INPUT')
  })
})

describe('request headers', () => {
  it('v1 reads a null client_id; v2 (flexible) keeps client_id int16-length and skips header tags', () => {
    const read = (v: number, bytes: string) => {
      const r = new Reader(hex(bytes))
      const h = requestHeaderCodec(v).read(r)
      return {h, left: r.remaining}
    }
    expect(read(0, '0007 0000 00000003')).toEqual({h: {apiKey: 7, apiVersion: 0, correlationId: 3, clientId: null}, left: 0})
    expect(read(1, '0003 0004 ffffffff ffff')).toEqual({h: {apiKey: 3, apiVersion: 4, correlationId: -1, clientId: null}, left: 0})
    expect(read(2, '0012 0003 00000000 0002 6869 01 00 01 ff')).toEqual({h: {apiKey: 18, apiVersion: 3, correlationId: 0, clientId: 'hi'}, left: 0})
  })
})
