// SCRAM's math and messages against the RFCs' worked examples: RFC 7677 §3 (SCRAM-SHA-256) and RFC 5802
// §5 (SCRAM-SHA-1, which the functions take as a hash parameter; Kafka offers only SHA-256 and SHA-512).
// Both use user "user", password "pencil", 4096 iterations.
import {describe, expect, it} from 'vitest'
import {
  authMessage,
  clientFinal,
  clientFinalWithoutProof,
  clientFirst,
  clientProof,
  credentialOf,
  formatCredential,
  newCredential,
  parseClientFinal,
  parseClientFirst,
  parseCredential,
  parseServerFinal,
  parseServerFirst,
  saltedPassword,
  ScramError,
  serverSignature,
  verifyClientProof,
  type ScramHash,
} from '../../../src/protocol/sasl/scram.js'

const VECTORS: {rfc: string; hash: ScramHash; clientNonce: string; serverFirst: string; clientFinal: string; serverFinal: string}[] = [
  {
    rfc: 'RFC 7677 (SCRAM-SHA-256)',
    hash: 'sha256',
    clientNonce: 'rOprNGfwEbeRWgbNEkqO',
    serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
  {
    rfc: 'RFC 5802 (SCRAM-SHA-1)',
    hash: 'sha1',
    clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
    serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
]

describe.each(VECTORS)('$rfc', (v) => {
  it('the client computes the RFC\'s client-final (proof) and accepts its server signature', async () => {
    const first = clientFirst('user', v.clientNonce)
    expect(first).toBe(`n,,n=user,r=${v.clientNonce}`)
    const server = parseServerFirst(v.serverFirst, v.clientNonce)
    expect(server.iterations).toBe(4096)
    const salted = await saltedPassword(v.hash, 'pencil', server.salt, server.iterations)
    const withoutProof = clientFinalWithoutProof(server.nonce)
    const message = authMessage(first.slice(3), v.serverFirst, withoutProof)
    expect(clientFinal(withoutProof, clientProof(v.hash, salted, message))).toBe(v.clientFinal)
    const serverKey = credentialOf(v.hash, salted, server.salt, server.iterations).serverKey
    expect(serverSignature(v.hash, serverKey, message)).toEqual(parseServerFinal(v.serverFinal))
  })

  it('a server holding only the stored credential verifies the RFC\'s proof and computes its signature; another password fails', async () => {
    const c = parseClientFirst(`n,,n=user,r=${v.clientNonce}`)
    expect(c).toEqual({gs2Header: 'n,,', username: 'user', nonce: v.clientNonce, bare: `n=user,r=${v.clientNonce}`})
    const {salt, iterations} = parseServerFirst(v.serverFirst, v.clientNonce)
    const stored = credentialOf(v.hash, await saltedPassword(v.hash, 'pencil', salt, iterations), salt, iterations)
    const final = parseClientFinal(v.clientFinal)
    expect(final.channelBinding).toBe(Buffer.from('n,,').toString('base64'))
    const message = authMessage(c.bare, v.serverFirst, final.withoutProof)
    expect(verifyClientProof(v.hash, stored, message, final.proof)).toBe(true)
    expect(`v=${serverSignature(v.hash, stored.serverKey, message).toString('base64')}`).toBe(v.serverFinal)
    const other = credentialOf(v.hash, await saltedPassword(v.hash, 'pencil!', salt, iterations), salt, iterations)
    expect(verifyClientProof(v.hash, other, message, final.proof)).toBe(false)
    expect(verifyClientProof(v.hash, stored, message, final.proof.subarray(1))).toBe(false)
  })
})

describe('messages', () => {
  it('user names escape "," and "=" both ways (RFC 5802 §5.1)', () => {
    expect(clientFirst('a,b=c', 'N')).toBe('n,,n=a=2Cb=3Dc,r=N')
    expect(parseClientFirst('n,,n=a=2Cb=3Dc,r=N').username).toBe('a,b=c')
    expect(() => parseClientFirst('n,,n=a=2Xb,r=N')).toThrow(ScramError)
  })

  it('refuses what samsa does not do: channel binding, an authzid, mandatory extensions, a bad nonce', () => {
    expect(() => parseClientFirst('p=tls-unique,,n=user,r=N')).toThrow('channel binding is not supported')
    expect(() => parseClientFirst('n,a=admin,n=user,r=N')).toThrow('an authorization identity (a=) is not supported')
    expect(() => parseClientFirst('n,,m=ext,n=user,r=N')).toThrow('mandatory extensions (m=) are not supported')
    expect(() => parseClientFirst('n,,n=user')).toThrow('expected r= as attribute 2')
    expect(parseClientFirst('y,,n=user,r=N').gs2Header).toBe('y,,')
  })

  it('the client refuses a server nonce that does not extend its own, and fewer than 4096 iterations', () => {
    expect(() => parseServerFirst('r=other,s=QSXCR+Q6sek8bf92,i=4096', 'mine')).toThrow('the server nonce does not extend the client nonce')
    expect(() => parseServerFirst('r=mine,s=QSXCR+Q6sek8bf92,i=4096', 'mine')).toThrow('the server nonce does not extend the client nonce')
    expect(() => parseServerFirst('r=mineX,s=QSXCR+Q6sek8bf92,i=1024', 'mine')).toThrow('the server asks for 1024 iterations, fewer than the minimum 4096')
    expect(() => parseServerFinal('e=invalid-proof')).toThrow('the server refused: invalid-proof')
  })

  it('errors quote a client-final without its proof', () => {
    expect(() => parseClientFinal('x=1,r=N,p=c2VjcmV0')).toThrow(/expected c= as attribute 1 in "x=1,r=N"$/)
  })
})

describe("Kafka's stored credential", () => {
  it('round-trips its text form; a new credential verifies its own password only', async () => {
    const c = await newCredential('sha512', 'secret')
    const text = formatCredential(c)
    expect(text).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=4096$/)
    expect(parseCredential('sha512', text)).toEqual(c)
    const check = async (password: string): Promise<boolean> => {
      const again = credentialOf('sha512', await saltedPassword('sha512', password, c.salt, c.iterations), c.salt, c.iterations)
      return again.storedKey.equals(c.storedKey)
    }
    expect(await check('secret')).toBe(true)
    expect(await check('Secret')).toBe(false)
  })

  it('refuses fewer than 4096 iterations and keys of the wrong length', () => {
    const k = Buffer.alloc(64).toString('base64')
    expect(() => parseCredential('sha512', `salt=c2FsdA==,stored_key=${k},server_key=${k},iterations=4095`)).toThrow('iterations must be an integer of at least 4096, got 4095')
    expect(() => parseCredential('sha256', `salt=c2FsdA==,stored_key=${k},server_key=${k},iterations=4096`)).toThrow('stored_key and server_key must be 32-byte keys for sha256')
    expect(() => parseCredential('sha512', 'salt=c2FsdA==,iterations=4096')).toThrow('expected stored_key= as attribute 2')
  })
})
