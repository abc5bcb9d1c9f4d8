// How the Kafka backend reaches a cluster: the broker list, TLS and SASL, from flags (--brokers, --tls,
// --tls-ca/--tls-cert/--tls-key, --sasl-mechanism/--sasl-username/--sasl-password, also $SAMSA_BROKERS …) over a config
// file (--kafka-config FILE, $SAMSA_KAFKA_CONFIG) in librdkafka's properties format, so the file kcat
// reads with -F works here too:
//
//   # lines of name=value; a comment is a line of its own that starts with '#'
//   bootstrap.servers=kafka-1:9093,kafka-2:9093
//   # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
//   security.protocol=SASL_SSL
//   ssl.ca.location=/etc/kafka/ca.pem
//   ssl.certificate.location=/etc/kafka/client.pem
//   ssl.key.location=/etc/kafka/client.key
//   # PLAIN (the default), SCRAM-SHA-256, SCRAM-SHA-512
//   sasl.mechanism=SCRAM-SHA-512
//   sasl.username=alice
//   sasl.password=secret
//
// Other names are ignored (a kcat file carries client tuning samsa has no use for). A flag wins over the
// file. Files named here are read at once: a missing one is exit 4, a bad value exit 2, one line each.
import {readFileSync} from 'node:fs'
import type {ConnectionOptions} from 'node:tls'
import {SamsaError} from '../../errors.js'
import type {BrokerAddress, Security} from './connection.js'
import {SASL_MECHANISMS, type SaslMechanism} from './sasl.js'

export interface KafkaSettings {
  brokers?: string // host:port,host:port
  config?: string // a librdkafka-style properties file
  tls?: boolean
  tlsCa?: string
  tlsCert?: string
  tlsKey?: string
  saslMechanism?: string
  saslUsername?: string
  saslPassword?: string
}

export interface KafkaEndpoint {
  brokers: BrokerAddress[]
  security: Security
}

const DEFAULT_PORT = 9092

/** True when these settings point at a Kafka cluster (a broker list, or a config file naming one). */
export function wantsKafka(s: KafkaSettings): boolean {
  return (s.brokers !== undefined && s.brokers !== '') || (s.config !== undefined && s.config !== '')
}

export function resolveEndpoint(s: KafkaSettings): KafkaEndpoint {
  const file = s.config ? readProperties(s.config) : new Map<string, string>()
  const brokers = s.brokers || file.get('bootstrap.servers') || file.get('metadata.broker.list')
  if (!brokers) throw new SamsaError('USAGE', `no brokers: give --brokers HOST:PORT,… or bootstrap.servers in ${s.config ?? 'a --kafka-config file'}`)
  const protocol = (file.get('security.protocol') ?? 'PLAINTEXT').toUpperCase()
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new SamsaError('USAGE', `security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not ${protocol}`)
  }
  const ca = s.tlsCa ?? file.get('ssl.ca.location')
  const cert = s.tlsCert ?? file.get('ssl.certificate.location')
  const key = s.tlsKey ?? file.get('ssl.key.location')
  const useTls = s.tls === true || protocol.endsWith('SSL') || ca !== undefined || cert !== undefined
  const security: Security = {}
  if (useTls) {
    if ((cert === undefined) !== (key === undefined)) throw new SamsaError('USAGE', 'a client certificate needs both --tls-cert and --tls-key')
    const tls: ConnectionOptions = {}
    if (ca !== undefined) tls.ca = readPem(ca, 'CA')
    if (cert !== undefined) tls.cert = readPem(cert, 'certificate')
    if (key !== undefined) tls.key = readPem(key, 'key')
    security.tls = tls
  }
  const username = s.saslUsername ?? file.get('sasl.username')
  const password = s.saslPassword ?? file.get('sasl.password')
  const mechanism = (s.saslMechanism ?? file.get('sasl.mechanism') ?? 'PLAIN').toUpperCase()
  if (username !== undefined || protocol.startsWith('SASL')) {
    if (!isSaslMechanism(mechanism)) throw new SamsaError('USAGE', `SASL mechanism ${mechanism} is not supported (${SASL_MECHANISMS.join(', ')})`)
    if (username === undefined || password === undefined) throw new SamsaError('USAGE', 'SASL needs a user name and a password (--sasl-username, --sasl-password or $SAMSA_SASL_PASSWORD)')
    security.sasl = {mechanism, username, password}
  }
  return {brokers: parseBrokers(brokers), security}
}

const isSaslMechanism = (name: string): name is SaslMechanism => (SASL_MECHANISMS as readonly string[]).includes(name)

/** "host:port,host,[::1]:9093" → addresses (default port 9092). */
export function parseBrokers(list: string): BrokerAddress[] {
  return list
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => {
      const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(x)
      const port = m?.[3] === undefined ? DEFAULT_PORT : Number(m[3])
      if (!m || !(port >= 1 && port <= 65535)) throw new SamsaError('USAGE', `--brokers: ${JSON.stringify(x)} is not HOST[:PORT]`)
      return {host: (m[1] ?? m[2])!, port}
    })
}

export function readProperties(path: string): Map<string, string> {
  const text = readText(path, 'Kafka config file')
  const out = new Map<string, string>()
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim()
    if (t === '' || t.startsWith('#')) return
    const eq = t.indexOf('=')
    if (eq <= 0) throw new SamsaError('USAGE', `${path}:${i + 1}: expected name=value, got ${JSON.stringify(t)}`)
    out.set(t.slice(0, eq).trim(), t.slice(eq + 1).trim())
  })
  return out
}

function readPem(path: string, what: string): string {
  return readText(path, `TLS ${what} file`)
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as {code?: string}).code
    throw new SamsaError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT', `${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
}
