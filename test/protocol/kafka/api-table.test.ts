// Each API module's header comment is its grammar, and stays true: the grammar rendered from the schema
// at the advertised version must appear in it verbatim. And the error table covers what samsa maps to.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ERROR_KINDS} from '../../../src/errors.js'
import {KAFKA_APIS} from '../../../src/protocol/kafka/api-table.js'
import {isFlexible} from '../../../src/protocol/kafka/api.js'
import {KAFKA_ERRORS, KafkaErrorCode, kafkaError} from '../../../src/protocol/kafka/error-codes.js'
import {grammar} from './helpers.js'

const APIS_DIR = join(import.meta.dirname, '../../../src/protocol/kafka/apis')
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase())

describe('API modules', () => {
  for (const api of Object.values(KAFKA_APIS)) {
    it(`apis/${kebab(api.name)}.ts opens with the v${api.maxVersion} request and response grammar`, () => {
      const source = readFileSync(join(APIS_DIR, `${kebab(api.name)}.ts`), 'utf8')
      const v = api.maxVersion
      const lines = [
        ...grammar(`${api.name} Request (Version: ${v})`, api.request, v, isFlexible(api, v)),
        ...grammar(`${api.name} Response (Version: ${v})`, api.response, v, isFlexible(api, v)),
      ]
      expect(source.startsWith(lines.map((l) => `// ${l}\n`).join(''))).toBe(true)
    })
  }

  it('keys are unique and each API is flexible only from its Kafka version (ApiVersions v3 and SaslAuthenticate v2 are the flexible versions)', () => {
    const apis = Object.values(KAFKA_APIS)
    expect(new Set(apis.map((a) => a.key)).size).toBe(apis.length)
    expect(apis.filter((a) => isFlexible(a, a.maxVersion)).map((a) => a.name)).toEqual(['ApiVersions', 'SaslAuthenticate'])
  })
})

describe('Kafka error codes', () => {
  it('every Kafka code samsa maps an error to (src/errors.ts kafkaCode) is in the table', () => {
    for (const [name, kind] of Object.entries(ERROR_KINDS)) expect(kafkaError(kind.kafkaCode), name).toBeDefined()
  })

  it('codes are unique and look up both ways', () => {
    const codes = Object.values(KAFKA_ERRORS).map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(KafkaErrorCode.REBALANCE_IN_PROGRESS).toBe(27)
    expect(kafkaError(3)).toEqual({name: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true})
    expect(kafkaError(9999)).toBeUndefined()
  })
})
