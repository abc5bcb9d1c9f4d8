// The Kafka backend over TLS: a self-signed certificate (openssl), and a small TLS-terminating proxy in
// front of samsa's Kafka listener (which speaks plaintext only); the daemon advertises the proxy's
// address, so every connection the client opens after bootstrap goes through TLS as well.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {connect, type AddressInfo} from 'node:net'
import {join} from 'node:path'
import {createServer, type Server} from 'node:tls'
import {afterAll, describe, expect, it} from 'vitest'
import {cleanup, lines, samsa, spawnDaemon, stopDaemon, tempDir} from '../support/index.js'

afterAll(cleanup)

function selfSigned(dir: string): {cert: string; key: string} {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
  return {cert, key}
}

describe('--tls', () => {
  it('produces and consumes through TLS with --tls-ca; without the CA the connection is refused in one line', async () => {
    const certs = tempDir()
    const {cert, key} = selfSigned(certs)
    let target = 0
    const proxy: Server = createServer({cert: readFileSync(cert), key: readFileSync(key)}, (client) => {
      const upstream = connect({host: '127.0.0.1', port: target})
      client.pipe(upstream).pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxyPort = (proxy.address() as AddressInfo).port
    const d = await spawnDaemon(tempDir(), {kafka: true, env: {SAMSA_KAFKA_ADVERTISED_LISTENER: `127.0.0.1:${proxyPort}`}})
    target = d.kafkaPort()
    try {
      const dir = tempDir()
      const env = {SAMSA_BROKERS: `127.0.0.1:${proxyPort}`, SAMSA_NO_AUTOSTART: '1'}
      const tls = ['--tls', '--tls-ca', cert]
      expect((await samsa(dir, ['topic', 'create', 'secure', '--partitions', '2', ...tls], {env})).code).toBe(0)
      const produced = await samsa(dir, ['produce', 'secure', '--key-delimiter', ':', ...tls], {env, input: 'a:1\nb:2\nc:3\n'})
      expect(produced.code, produced.stderr).toBe(0)
      const out = await samsa(dir, ['consume', 'secure', '--group', 'sec', ...tls], {env})
      expect(out.code, out.stderr).toBe(0)
      expect(lines(out.stdout).sort()).toEqual(['1', '2', '3'])
      // a config file instead of flags (librdkafka's names, as kcat -F reads them)
      const config = join(certs, 'kafka.properties')
      execFileSync('bash', ['-c', `printf 'bootstrap.servers=127.0.0.1:${proxyPort}\\nsecurity.protocol=SSL\\nssl.ca.location=${cert}\\n' > ${config}`])
      const viaFile = await samsa(dir, ['consume', 'secure', '--kafka-config', config], {env: {SAMSA_NO_AUTOSTART: '1'}})
      expect(lines(viaFile.stdout).sort()).toEqual(['1', '2', '3'])
      const untrusted = await samsa(dir, ['topic', 'list', '--tls'], {env})
      expect(untrusted.code).toBe(3)
      expect(lines(untrusted.stderr)).toEqual([expect.stringMatching(/^samsa: cannot connect to Kafka broker 127\.0\.0\.1:\d+: .*self-signed certificate/)])
    } finally {
      await stopDaemon(d)
      proxy.close()
    }
  })
})
