import {mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {canonicalDataDir, daemonPaths, lockNames, MAX_SOCKET_PATH_BYTES, resolveDataDir} from '../../../src/protocol/control/data-dir-layout.js'

const root = mkdtempSync(join(tmpdir(), 'samsa-paths-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('resolveDataDir', () => {
  it('takes --data-dir, else SAMSA_DATA_DIR, else XDG_DATA_HOME/samsa, else ~/.local/share/samsa', () => {
    const env = {SAMSA_DATA_DIR: '/srv/env', XDG_DATA_HOME: '/xdg'}
    expect(resolveDataDir('/flag', env)).toBe('/flag')
    expect(resolveDataDir(undefined, env)).toBe('/srv/env')
    expect(resolveDataDir(undefined, {XDG_DATA_HOME: '/xdg'})).toBe('/xdg/samsa')
    expect(resolveDataDir(undefined, {})).toBe(join(homedir(), '.local', 'share', 'samsa'))
  })

  it('makes a relative directory absolute', () => {
    expect(resolveDataDir('data', {})).toBe(join(process.cwd(), 'data'))
  })
})

describe('daemonPaths', () => {
  it('puts the socket and pid file in <data>/run', () => {
    const p = daemonPaths('/d', undefined, {})
    expect(p).toMatchObject({runDir: '/d/run', socket: '/d/run/samsa.sock', socketDir: '/d/run', pidFile: '/d/run/daemon.pid', logFile: '/d/daemon.log'})
  })

  it('makes a relative --socket absolute, and leaves its directory to the user', () => {
    expect(daemonPaths('/d', 'here.sock', {})).toMatchObject({socket: resolve('here.sock'), socketDir: null})
    expect(daemonPaths('/d', undefined, {SAMSA_SOCKET: '/s/x.sock'})).toMatchObject({socket: '/s/x.sock', socketDir: null})
  })

  it('falls back to a short runtime path when the socket path is too long for the OS', () => {
    const deep = '/' + 'x'.repeat(120)
    const p = daemonPaths(deep, undefined, {XDG_RUNTIME_DIR: '/run/user/1000'})
    expect(Buffer.byteLength(p.socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES)
    expect(p.socket).toMatch(/^\/run\/user\/1000\/samsa-\d+\/[0-9a-f]{16}\.sock$/)
    expect(daemonPaths(deep, undefined, {XDG_RUNTIME_DIR: '/run/user/1000'}).socket).toBe(p.socket) // stable
  })

})

describe('one data directory, however it is named', () => {
  const real = join(root, 'real')
  const link = join(root, 'link')
  mkdirSync(join(real, 'sub'), {recursive: true})
  symlinkSync(real, link)

  it('resolves symbolic links, also under a directory that does not exist yet', () => {
    expect(canonicalDataDir(link)).toBe(real)
    expect(canonicalDataDir(join(link, 'sub', '..', 'sub'))).toBe(join(real, 'sub'))
    expect(canonicalDataDir(join(link, 'not', 'yet'))).toBe(join(real, 'not', 'yet'))
    expect(canonicalDataDir('/no-such-samsa-dir/x')).toBe('/no-such-samsa-dir/x')
  })

  it('a symlink and its target get the same paths, the long-path fallback socket included', () => {
    expect(daemonPaths(link, undefined, {})).toEqual(daemonPaths(real, undefined, {}))
    let deepReal = real
    while (Buffer.byteLength(join(deepReal, 'run', 'samsa.sock')) <= MAX_SOCKET_PATH_BYTES) deepReal = join(deepReal, 'a-long-name')
    mkdirSync(deepReal, {recursive: true})
    const deepLink = deepReal.replace(real, link)
    const env = {XDG_RUNTIME_DIR: '/run/user/1000'}
    expect(daemonPaths(deepLink, undefined, env).socket).toBe(daemonPaths(deepReal, undefined, env).socket)
    expect(daemonPaths(deepReal, undefined, env).socket.startsWith('/run/user/1000/')).toBe(true)
  })

  it('locks are named by the directory itself: the same through a symlink, different for another directory', () => {
    expect(lockNames(link)).toEqual(lockNames(real))
    expect(lockNames(real).daemon.startsWith('\0samsa-lock-')).toBe(true)
    expect(lockNames(real).spawn).not.toBe(lockNames(real).daemon)
    expect(lockNames(join(real, 'sub')).daemon).not.toBe(lockNames(real).daemon)
  })
})
