// The Kafka listener's settings: HOST:PORT forms, what wins (flags, environment, daemon.json, default),
// and the one-line errors for what cannot be used.
import {resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {
  DEFAULT_KAFKA_LISTENER,
  formatHostPort,
  kafkaListenerArgs,
  parseDaemonConfig,
  resolveKafkaSaslUsers,
  parseHostPort,
  parseKafkaListener,
  resolveKafkaListener,
} from '../../../src/protocol/control/daemon-config.js'

const FILE = '/d/daemon.json'

describe('HOST:PORT', () => {
  it('takes a name, an IPv4 or bracketed IPv6 address, or nothing (every interface), and ports 0–65535', () => {
    expect(parseHostPort('127.0.0.1:9092', 'x')).toEqual({host: '127.0.0.1', port: 9092})
    expect(parseHostPort('localhost:19092', 'x')).toEqual({host: 'localhost', port: 19092})
    expect(parseHostPort('[::1]:9092', 'x')).toEqual({host: '::1', port: 9092})
    expect(parseHostPort(':9092', 'x')).toEqual({host: '', port: 9092})
    expect(parseHostPort('127.0.0.1:0', 'x')).toEqual({host: '127.0.0.1', port: 0})
    expect(formatHostPort({host: '::1', port: 9092})).toBe('[::1]:9092')
    expect(formatHostPort(DEFAULT_KAFKA_LISTENER)).toBe('127.0.0.1:9092')
  })

  it('refuses anything else with one line naming the setting', () => {
    for (const bad of ['9092', '127.0.0.1', 'host:99999', 'host:port', '::1:9092', 'a b:1', '']) {
      expect(() => parseHostPort(bad, '--kafka-listener'), bad).toThrow(
        expect.objectContaining({code: 'USAGE', message: `--kafka-listener must be HOST:PORT (e.g. 127.0.0.1:9092, [::1]:9092, :9092), got ${JSON.stringify(bad)}`}),
      )
    }
  })

  it('"off" (or none, false, no, 0) turns the listener off', () => {
    for (const off of ['off', 'OFF', 'none', 'false', 'no', '0']) expect(parseKafkaListener(off, 'x')).toBeNull()
    expect(kafkaListenerArgs({listener: 'off'})).toEqual(['--no-kafka-listener'])
    expect(kafkaListenerArgs({listener: ':9093', advertised: 'h:9093'})).toEqual(['--kafka-listener', ':9093', '--kafka-advertised-listener', 'h:9093'])
    expect(kafkaListenerArgs(undefined)).toEqual([])
  })
})

describe('which setting wins', () => {
  const file = JSON.stringify({kafkaListener: '127.0.0.1:7000', kafkaAdvertisedListener: 'from-file:7000'})

  it('the command line, then SAMSA_KAFKA_LISTENER, then daemon.json, then 127.0.0.1:9092', () => {
    const env = {SAMSA_KAFKA_LISTENER: '127.0.0.1:8000'}
    expect(resolveKafkaListener({listener: '127.0.0.1:9000'}, env, file, FILE)).toMatchObject({listener: {host: '127.0.0.1', port: 9000}, source: 'command line'})
    expect(resolveKafkaListener({}, env, file, FILE)).toMatchObject({listener: {port: 8000}, source: 'environment'})
    expect(resolveKafkaListener({}, {}, file, FILE)).toMatchObject({listener: {port: 7000}, advertised: {host: 'from-file', port: 7000}, source: 'config file'})
    expect(resolveKafkaListener(undefined, {}, null, FILE)).toEqual({listener: DEFAULT_KAFKA_LISTENER, advertised: null, source: 'default'})
    expect(resolveKafkaListener({listener: 'off'}, env, file, FILE).listener).toBeNull()
    expect(resolveKafkaListener({}, {SAMSA_KAFKA_LISTENER: 'off'}, file, FILE).listener).toBeNull()
    expect(resolveKafkaListener({}, {}, JSON.stringify({kafkaListener: 'off'}), FILE).listener).toBeNull()
    // the advertised address follows the same order, apart from the listener's
    expect(resolveKafkaListener({advertised: 'flag:1'}, {SAMSA_KAFKA_ADVERTISED_LISTENER: 'env:2'}, file, FILE).advertised).toEqual({host: 'flag', port: 1})
    expect(resolveKafkaListener({}, {SAMSA_KAFKA_ADVERTISED_LISTENER: 'env:2'}, file, FILE).advertised).toEqual({host: 'env', port: 2})
  })

  it('an empty SAMSA_KAFKA_LISTENER counts as unset', () => {
    expect(resolveKafkaListener({}, {SAMSA_KAFKA_LISTENER: ''}, null, FILE).source).toBe('default')
  })

  it('a bad setting is a one-line USAGE error naming where it came from, even when another one would win', () => {
    expect(() => resolveKafkaListener({}, {SAMSA_KAFKA_LISTENER: 'nine'}, null, FILE)).toThrow(/^SAMSA_KAFKA_LISTENER must be HOST:PORT/)
    expect(() => resolveKafkaListener({listener: '1:2'}, {}, '{"kafkaListener": 9092}', FILE)).toThrow(
      '/d/daemon.json: kafkaListener must be a string such as "127.0.0.1:9092" or "off"',
    )
  })
})

describe('daemon.json', () => {
  it('holds an object of known settings; anything else is refused with the file named', () => {
    expect(parseDaemonConfig(null, FILE)).toEqual({})
    expect(parseDaemonConfig('{}', FILE)).toEqual({})
    expect(() => parseDaemonConfig('{nope', FILE)).toThrow(/^\/d\/daemon\.json is not valid JSON: /)
    expect(() => parseDaemonConfig('[]', FILE)).toThrow('/d/daemon.json must hold a JSON object')
    expect(() => parseDaemonConfig('{"kafkaListner": "x:1"}', FILE)).toThrow('/d/daemon.json: unknown setting "kafkaListner" (known: kafkaListener, kafkaAdvertisedListener, kafkaSaslUsers)')
    expect(() => parseDaemonConfig('{"kafkaAdvertisedListener": "off"}', FILE)).toThrow(/^\/d\/daemon\.json: kafkaAdvertisedListener must be HOST:PORT/)
  })
})

describe('the Kafka listener\'s SASL users file', () => {
  it('--kafka-sasl-users, else $SAMSA_KAFKA_SASL_USERS, else daemon.json\'s kafkaSaslUsers (relative to the data directory); "off" in the environment wins', () => {
    expect(resolveKafkaSaslUsers({}, {}, null, FILE)).toBeNull()
    expect(resolveKafkaSaslUsers({}, {}, '{"kafkaSaslUsers": "users.json"}', FILE)).toEqual({file: '/d/users.json', source: 'config file'})
    expect(resolveKafkaSaslUsers({}, {}, '{"kafkaSaslUsers": "/etc/samsa/users.json"}', FILE)).toEqual({file: '/etc/samsa/users.json', source: 'config file'})
    expect(resolveKafkaSaslUsers({}, {SAMSA_KAFKA_SASL_USERS: '/e/u.json'}, '{"kafkaSaslUsers": "users.json"}', FILE)).toEqual({file: '/e/u.json', source: 'environment'})
    expect(resolveKafkaSaslUsers({}, {SAMSA_KAFKA_SASL_USERS: 'off'}, '{"kafkaSaslUsers": "users.json"}', FILE)).toBeNull()
    expect(resolveKafkaSaslUsers({}, {SAMSA_KAFKA_SASL_USERS: ''}, '{"kafkaSaslUsers": "users.json"}', FILE)?.source).toBe('config file')
    expect(resolveKafkaSaslUsers({saslUsers: 'u.json'}, {SAMSA_KAFKA_SASL_USERS: '/e/u.json'}, null, FILE)).toEqual({file: 'u.json', source: 'command line'})
    expect(resolveKafkaSaslUsers({saslUsers: 'off'}, {SAMSA_KAFKA_SASL_USERS: '/e/u.json'}, null, FILE)).toBeNull()
    expect(kafkaListenerArgs({saslUsers: 'u.json'})).toEqual(['--kafka-sasl-users', resolve('u.json')])
    expect(kafkaListenerArgs({saslUsers: 'OFF'})).toEqual(['--kafka-sasl-users', 'off'])
    expect(() => resolveKafkaSaslUsers({}, {}, '{"kafkaSaslUsers": ""}', FILE)).toThrow('/d/daemon.json: kafkaSaslUsers must be the path of a users file')
  })
})
