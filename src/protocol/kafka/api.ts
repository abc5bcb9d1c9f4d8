// What one Kafka API is to samsa: its key, the versions samsa decodes and advertises, the first flexible
// version (from apache/kafka's message schemas), and one request and one response schema covering every
// version. The modules in apis/ each define one; api-table.ts lists them.

import type {StructType} from './schema.js'

export interface KafkaApi<Name extends string = string, Req = unknown, Res = unknown> {
  readonly key: number
  readonly name: Name
  /** Always 0: librdkafka 2.0.2 enables features only if old versions lie inside the advertised range. */
  readonly minVersion: 0
  /** The highest version samsa decodes, and what it advertises (both clients then send exactly this). */
  readonly maxVersion: number
  /** The first flexible version in Kafka's schema (compact types, tagged fields, header v2). */
  readonly flexibleFrom: number
  readonly request: StructType<Req>
  readonly response: StructType<Res>
}

export function defineApi<const Name extends string, Req, Res>(api: {
  key: number
  name: Name
  maxVersion: number
  flexibleFrom: number
  request: StructType<Req>
  response: StructType<Res>
}): KafkaApi<Name, Req, Res> {
  return {...api, minVersion: 0}
}

export function isFlexible(api: KafkaApi, version: number): boolean {
  return version >= api.flexibleFrom
}

export type RequestOf<A> = A extends KafkaApi<string, infer Req, unknown> ? Req : never
export type ResponseOf<A> = A extends KafkaApi<string, unknown, infer Res> ? Res : never
