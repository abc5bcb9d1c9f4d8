import {homedir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {daemonPaths, MAX_SOCKET_PATH_BYTES, resolveDataDir} from '../../src/protocol/control/paths.js'

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
    expect(p).toMatchObject({runDir: '/d/run', socket: '/d/run/samsa.sock', pidFile: '/d/run/daemon.pid', logFile: '/d/daemon.log'})
    expect(p.lockName.startsWith('\0samsa-lock-')).toBe(true)
  })

  it('falls back to a short runtime path when the socket path is too long for the OS', () => {
    const deep = '/' + 'x'.repeat(120)
    const p = daemonPaths(deep, undefined, {XDG_RUNTIME_DIR: '/run/user/1000'})
    expect(Buffer.byteLength(p.socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES)
    expect(p.socket).toMatch(/^\/run\/user\/1000\/samsa-\d+\/[0-9a-f]{16}\.sock$/)
    expect(daemonPaths(deep, undefined, {XDG_RUNTIME_DIR: '/run/user/1000'}).socket).toBe(p.socket) // stable
  })

  it('different data directories never share a lock', () => {
    expect(daemonPaths('/a', undefined, {}).lockName).not.toBe(daemonPaths('/b', undefined, {}).lockName)
  })
})
