// The entry points a Kafka listener (and a Kafka client) calls: a frame payload in, a typed message out,
// and back. Framing is frame.ts; the schemas are in apis/.
//
//   broker: decodeRequest(payload) → KafkaRequest | UnsupportedRequest;  encodeResponse(request, body) → chunks
//   client: encodeRequest(api, header, body) → chunks;                   decodeResponse(api, version, payload)
//
// Kafka's rules for what is not supported (kafka-protocol.md §1.5, §2.3, pitfall 3):
//   - ApiVersions at a version above ours: answer UNSUPPORTED_VERSION (35) in the v0 format (header v0,
//     classic array with every key we support, no throttle): the client retries with a version it finds
//     there. Never close the connection in answer to ApiVersions.
//   - any other unknown key or unsupported version: Kafka treats it as an invalid request and closes the
//     connection. Clients only send what was advertised, so this is a should-not-happen path: log it.
// A malformed request (truncated, a bad length or count) throws KafkaCodecError (INVALID_REQUEST) naming
// the API, version and field; the listener logs it and closes the connection, as Kafka does.
// Bytes left after a request body are ignored, as Kafka's parser does.

import {isFlexible, type KafkaApi, type RequestOf, type ResponseOf} from './api.js'
import {advertisedApiVersions, apiByKey, KAFKA_APIS, type ApiVersionRange, type KafkaApiName, type KafkaApis} from './api-table.js'
import {ApiVersions} from './apis/api-versions.js'
import {KAFKA_ERRORS} from './error-codes.js'
import {beginFrame, endFrame} from './frame.js'
import {requestHeaderCodec, requestHeaderVersion, responseHeaderCodec, responseHeaderVersion, type RequestHeader} from './header.js'
import {asEncodeError, decodeError, KafkaCodecError, Reader, Writer} from './primitives.js'

/** A decoded request of an API and version samsa supports; `api` tells which body it carries. */
export type KafkaRequest = {
  [N in KafkaApiName]: {kind: 'request'; api: N; header: RequestHeader; body: RequestOf<KafkaApis[N]>}
}[KafkaApiName]

/** A request samsa does not support. Send `reply` if there is one (ApiVersions); otherwise close. */
export interface UnsupportedRequest {
  kind: 'unsupported'
  header: RequestHeader
  reason: string
  reply: Buffer[] | null
}

export type RequestBody<N extends KafkaApiName> = RequestOf<KafkaApis[N]>
export type ResponseBody<N extends KafkaApiName> = ResponseOf<KafkaApis[N]>

function fail(err: unknown, context: string): never {
  if (err instanceof KafkaCodecError) throw err.describe(context)
  throw err
}

/**
 * The most array elements one request may hold in all (its topics, partitions, configs…): far above what
 * a client sends (one per partition it produces to, fetches or commits), far below what a 100 MiB frame of
 * tiny entries would decode to (primitives.ts).
 */
export const DEFAULT_MAX_REQUEST_ITEMS = 100_000

/** Decodes one request frame payload (without its size prefix). */
export function decodeRequest(payload: Buffer, options: {maxItems?: number} = {}): KafkaRequest | UnsupportedRequest {
  if (payload.length < 4) throw decodeError(`request of ${payload.length} bytes is shorter than its api key and version`)
  const apiKey = payload.readInt16BE(0)
  const apiVersion = payload.readInt16BE(2)
  const api = apiByKey(apiKey)
  const known = api !== undefined && apiVersion >= 0 && apiVersion <= api.maxVersion
  // an unsupported version's flexibility is unknown to us: its header is read as v1, which is v2's prefix
  const headerVersion = requestHeaderVersion(known && isFlexible(api, apiVersion))
  const r = new Reader(payload, 0, payload.length, options.maxItems ?? DEFAULT_MAX_REQUEST_ITEMS)
  let header: RequestHeader
  try {
    header = requestHeaderCodec(headerVersion).read(r)
  } catch (err) {
    fail(err, `request header v${headerVersion} (api key ${apiKey}, version ${apiVersion})`)
  }
  if (!api) return {kind: 'unsupported', header, reason: `unknown API key ${apiKey} (version ${apiVersion})`, reply: null}
  if (!known) {
    const reason = `${api.name} v${apiVersion} is not supported (samsa speaks v0–v${api.maxVersion})`
    const reply = api.key === ApiVersions.key ? encodeUnsupportedApiVersions(header.correlationId) : null
    return {kind: 'unsupported', header, reason, reply}
  }
  let body: unknown
  try {
    body = api.request.codec(apiVersion, isFlexible(api, apiVersion)).read(r)
  } catch (err) {
    fail(err, `${api.name} v${apiVersion} request`)
  }
  return {kind: 'request', api: api.name, header, body} as KafkaRequest
}

/** False for Produce with acks=0: Kafka sends no response at all (pitfall 9). */
export function expectsResponse(request: KafkaRequest): boolean {
  return !(request.api === 'Produce' && request.body.acks === 0)
}

function encode(api: KafkaApi, version: number, context: string, writeHeader: (w: Writer) => void, body: unknown, schema: 'request' | 'response'): Buffer[] {
  const w = new Writer()
  beginFrame(w)
  try {
    writeHeader(w)
    api[schema].codec(version, isFlexible(api, version)).write(w, body)
  } catch (err) {
    fail(asEncodeError(err), context)
  }
  return endFrame(w)
}

/**
 * Encodes the response to `request` (its api, version and correlation id) as a frame: chunks to write in
 * order (large record payloads are referenced, not copied).
 */
export function encodeResponse<N extends KafkaApiName>(request: {api: N; header: RequestHeader}, body: ResponseBody<N>): Buffer[] {
  const api: KafkaApi = KAFKA_APIS[request.api]
  const version = request.header.apiVersion
  const headerVersion = responseHeaderVersion(api.key, isFlexible(api, version))
  const header = {correlationId: request.header.correlationId}
  return encode(api, version, `${api.name} v${version} response`, (w) => responseHeaderCodec(headerVersion).write(w, header), body, 'response')
}

/** The v0-format ApiVersions response with UNSUPPORTED_VERSION and every key samsa supports. */
export function encodeUnsupportedApiVersions(correlationId: number, apiKeys: ApiVersionRange[] = advertisedApiVersions()): Buffer[] {
  const request = {api: 'ApiVersions' as const, header: {apiKey: ApiVersions.key, apiVersion: 0, correlationId, clientId: null}}
  return encodeResponse(request, {errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION.code, apiKeys, throttleTimeMs: 0})
}

/** Encodes a request frame (for tests and a Kafka client backend). */
export function encodeRequest<N extends KafkaApiName>(
  name: N,
  header: {apiVersion: number; correlationId: number; clientId: string | null},
  body: RequestBody<N>,
): Buffer[] {
  const api: KafkaApi = KAFKA_APIS[name]
  const version = header.apiVersion
  const full: RequestHeader = {apiKey: api.key, ...header}
  const headerVersion = requestHeaderVersion(isFlexible(api, version))
  return encode(api, version, `${api.name} v${version} request`, (w) => requestHeaderCodec(headerVersion).write(w, full), body, 'request')
}

/** Decodes a response frame payload to a request of `name` at `version` (for tests and a Kafka client backend). */
export function decodeResponse<N extends KafkaApiName>(name: N, version: number, payload: Buffer): {correlationId: number; body: ResponseBody<N>} {
  const api: KafkaApi = KAFKA_APIS[name]
  const r = new Reader(payload)
  try {
    const {correlationId} = responseHeaderCodec(responseHeaderVersion(api.key, isFlexible(api, version))).read(r)
    const body = api.response.codec(version, isFlexible(api, version)).read(r) as ResponseBody<N>
    return {correlationId, body}
  } catch (err) {
    fail(err, `${api.name} v${version} response`)
  }
}
