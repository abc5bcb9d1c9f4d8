// `samsa config` profiles (issue 13): saved Kafka connection settings, rpk-style. The built CLI with a
// config directory of each test's own ($XDG_CONFIG_HOME), and for the Kafka side samsa's own Kafka
// listener run by a daemon on ANOTHER data directory, with the local path made impossible
// (SAMSA_NO_AUTOSTART=1 and an empty data directory: a command that went local would fail with exit 3).
import {readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cleanup, lines, requireBuild, run, samsa, spawnDaemon, stopDaemon, tempDir, type CliResult, type DaemonProcess} from '../support/index.js'

afterAll(cleanup)

// A fresh config directory; `cli` runs samsa with it (and no data directory of its own unless given).
function configHome(): {home: string; profiles: string; cli: (args: string[], env?: NodeJS.ProcessEnv, dataDir?: string | null, input?: string) => Promise<CliResult>} {
  const home = tempDir('samsa-config-')
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}, dataDir: string | null = null, input?: string) =>
    samsa(dataDir, args, {env: {XDG_CONFIG_HOME: home, ...env}, ...(input === undefined ? {} : {input})})
  return {home, profiles: join(home, 'samsa', 'profiles'), cli}
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8)

describe('samsa config: create, list, show, use, delete', () => {
  it('keeps profiles as librdkafka properties files, 0600 in a 0700 directory, with the current one marked', async () => {
    const {home, profiles, cli} = configHome()
    const none = await cli(['config', 'list'])
    expect([none.code, none.stdout, none.stderr]).toEqual([0, '', 'samsa: no profiles (create one with: samsa config create NAME --brokers HOST:PORT)\n'])

    const ca = join(tempDir(), 'ca.pem')
    writeFileSync(ca, 'not checked until used\n')
    const created = await cli(['config', 'create', 'prod', '--brokers', 'kafka-1:9093,kafka-2:9093', '--tls', '--tls-ca', ca, '--sasl-mechanism', 'SCRAM-SHA-256', '--sasl-username', 'alice', '--sasl-password', 's3cret'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe('created profile prod (kafka-1:9093,kafka-2:9093, SASL_SSL (SCRAM-SHA-256)): use it with --profile prod, or: samsa config use prod\n')
    expect((await cli(['config', 'create', 'dev', '--brokers', 'localhost:9092'])).code).toBe(0)

    const file = join(profiles, 'prod.properties')
    expect(mode(file)).toBe('600') // it holds a password
    expect(mode(profiles)).toBe('700')
    expect(mode(join(home, 'samsa'))).toBe('700')
    const properties = lines(readFileSync(file, 'utf8')).filter((l) => !l.startsWith('#'))
    expect(properties.sort()).toEqual([
      'bootstrap.servers=kafka-1:9093,kafka-2:9093',
      `ssl.ca.location=${ca}`,
      'sasl.mechanism=SCRAM-SHA-256',
      'sasl.password=s3cret',
      'sasl.username=alice',
      'security.protocol=SASL_SSL',
    ].sort())

    const again = await cli(['config', 'create', 'dev', '--brokers', 'elsewhere:9092'])
    expect([again.code, again.stderr]).toEqual([5, 'samsa: profile dev already exists (replace it with --force, or: samsa config show dev)\n'])
    expect((await cli(['config', 'create', 'dev', '--brokers', 'localhost:19092', '--force'])).code).toBe(0)

    const shown = await cli(['config', 'show', 'prod'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('sasl.password=********\n')
    expect(shown.stdout).not.toContain('s3cret')
    const secret = await cli(['config', 'show', 'prod', '--show-secrets', '--json'])
    expect(JSON.parse(secret.stdout)).toMatchObject({name: 'prod', path: file, current: false, brokers: 'kafka-1:9093,kafka-2:9093', properties: {'sasl.password': 's3cret'}})

    const used = await cli(['config', 'use', 'dev'])
    expect(used.stdout).toBe('commands now use profile dev (localhost:19092); back to the local daemon: samsa config use --none\n')
    const table = (await cli(['config', 'list'])).stdout
    expect(table).toMatch(/│ CURRENT │ PROFILE │ BROKERS +│ SECURITY +│/)
    expect(table).toMatch(/│ \* +│ dev +│ localhost:19092 +│ PLAINTEXT +│/)
    expect(table).toMatch(/│ {9}│ prod +│ kafka-1:9093,kafka-2:9093 │ SASL_SSL \(SCRAM-SHA-256\) │/)
    const listed = JSON.parse((await cli(['config', 'list', '--json'])).stdout)
    expect(listed.current).toBe('dev')
    expect(listed.profiles.map((p: Record<string, unknown>) => [p.name, p.current, p.brokers, p.security])).toEqual([
      ['dev', true, 'localhost:19092', 'PLAINTEXT'],
      ['prod', false, 'kafka-1:9093,kafka-2:9093', 'SASL_SSL (SCRAM-SHA-256)'],
    ])
    expect((await cli(['config', 'show'])).stdout).toMatch(/^# profile dev \(current\): .*dev\.properties\nbootstrap\.servers=localhost:19092\n$/)

    const deleted = await cli(['config', 'delete', 'dev'])
    expect(deleted.stdout).toBe('deleted profile dev; it was the current profile: commands use the local daemon again\n')
    expect(JSON.parse((await cli(['config', 'list', '--json'])).stdout).current).toBeNull()
    const gone = await cli(['config', 'delete', 'dev'])
    expect([gone.code, gone.stderr]).toEqual([4, 'samsa: no profile "dev" (see: samsa config list)\n'])
    expect((await cli(['config', 'delete', 'dev', '--if-exists'])).code).toBe(0)
    expect(readdirSync(profiles)).toEqual(['prod.properties'])
  })

  it('refuses bad names, a missing profile and a profile without brokers, each in one line', async () => {
    const {profiles, cli} = configHome()
    for (const [args, code, message] of [
      [['config', 'create', '../etc', '--brokers', 'k:9092'], 2, 'samsa: bad profile name "../etc": 1–64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit'],
      [['config', 'create', 'none', '--brokers', 'k:9092'], 2, 'samsa: profile name "none" is reserved (--profile none means no profile)'],
      [['config', 'create', 'p'], 2, 'samsa: a profile names its brokers: --brokers HOST:PORT,… (or bootstrap.servers in --from / --set)'],
      [['config', 'create', 'p', '--brokers', 'a:b:c'], 2, 'samsa: --brokers: "a:b:c" is not HOST[:PORT]'],
      [['config', 'create', 'p', '--brokers', 'k', '--tls-ca', '/nonexistent/ca.pem'], 4, 'samsa: --tls-ca /nonexistent/ca.pem: no such file'],
      [['config', 'create', 'p', '--brokers', 'k', '--set', 'bootstrap.servers=j'], 2, 'samsa: --set bootstrap.servers and --brokers both set bootstrap.servers: give one'],
      [['config', 'show', 'nope'], 4, 'samsa: no profile "nope" (see: samsa config list)'],
      [['config', 'show'], 2, 'samsa: no current profile: name one (samsa config show NAME), see: samsa config list'],
      [['config', 'use', 'nope'], 4, 'samsa: no profile "nope" (see: samsa config list)'],
      [['config', 'use', 'Bad Name'], 2, 'samsa: bad profile name "Bad Name": 1–64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit'],
      [['config', 'use'], 2, 'samsa: give a profile name or --none (see: samsa config use --help)'],
      [['topic', 'list', '--profile', 'nope'], 4, 'samsa: no profile "nope" (see: samsa config list)'],
      [['topic', 'list', '--profile', 'a/b'], 2, 'samsa: bad profile name "a/b": 1–64 characters from a-z A-Z 0-9 . _ -, starting with a letter or digit'],
    ] as [string[], number, string][]) {
      const r = await cli(args, {SAMSA_NO_AUTOSTART: '1'}, args[0] === 'config' ? null : tempDir())
      expect([r.code, r.stderr], args.join(' ')).toEqual([code, `${message}\n`])
    }
    expect(() => readdirSync(profiles)).toThrow() // nothing was written

    // a profile edited by hand to name no brokers
    expect((await cli(['config', 'create', 'p', '--brokers', 'k:9092'])).code).toBe(0)
    writeFileSync(join(profiles, 'p.properties'), 'security.protocol=SSL\n')
    const nobrokers = await cli(['topic', 'list', '--profile', 'p'], {SAMSA_NO_AUTOSTART: '1'}, tempDir())
    expect([nobrokers.code, nobrokers.stderr]).toEqual([2, `samsa: profile "p" names no brokers: add bootstrap.servers=HOST:PORT,… to ${join(profiles, 'p.properties')}\n`])
    // the current profile, deleted by hand
    expect((await cli(['config', 'use', 'p'])).code).toBe(0)
    rmSync(join(profiles, 'p.properties'))
    const stale = await cli(['topic', 'list'], {SAMSA_NO_AUTOSTART: '1'}, tempDir())
    expect([stale.code, stale.stderr]).toEqual([4, 'samsa: the current profile "p" no longer exists (choose another: samsa config use NAME; or the local daemon: samsa config use --none)\n'])
    expect((await cli(['config', 'list'])).stderr).toContain('samsa: the current profile "p" no longer exists (samsa config use NAME, or samsa config use --none)\n')
    // a user name without its password: the password comes at run time
    const nopass = await cli(['config', 'create', 'u', '--brokers', 'k:9092', '--sasl-username', 'bob'])
    expect([nopass.code, nopass.stderr]).toEqual([0, 'samsa: profile u stores no SASL password: give it when using the profile ($SAMSA_SASL_PASSWORD or --sasl-password)\n'])
    // a kcat file and a profile at once: which one was meant is not guessed
    const kcat = join(tempDir(), 'kcat.conf')
    writeFileSync(kcat, 'bootstrap.servers=k:9092\n')
    expect((await cli(['config', 'create', 'q', '--from', kcat])).code).toBe(0)
    const both = await cli(['topic', 'list', '--profile', 'q'], {SAMSA_KAFKA_CONFIG: kcat}, tempDir())
    expect([both.code, lines(both.stderr)]).toEqual([2, ['samsa: --kafka-config and --profile q both name the connection settings: give one (check $SAMSA_KAFKA_CONFIG and $SAMSA_PROFILE)']])
  })
})

describe('commands through a profile, against a Kafka cluster', () => {
  let daemon: DaemonProcess
  let broker: string

  beforeAll(async () => {
    requireBuild()
    daemon = await spawnDaemon(tempDir(), {kafka: true})
    broker = `127.0.0.1:${daemon.kafkaPort()}`
  })
  afterAll(async () => {
    if (daemon) await stopDaemon(daemon)
  })

  it('--profile, $SAMSA_PROFILE and the current profile reach the cluster; flags override it; --profile none and --none go local', async () => {
    const {profiles, cli} = configHome()
    const dir = tempDir() // empty: no daemon, and none may be started
    const local = (args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => cli(args, {SAMSA_NO_AUTOSTART: '1', ...env}, dir, input)
    expect((await cli(['config', 'create', 'p', '--brokers', broker])).code).toBe(0)

    expect((await local(['topic', 'create', 'orders', '--partitions', '2', '--profile', 'p'])).stdout).toBe('created topic orders (2 partitions)\n')
    const produced = await local(['produce', 'orders', '--key-delimiter', ':'], {SAMSA_PROFILE: 'p'}, 'a:1\nb:2\nc:3\n')
    expect(produced.code, produced.stderr).toBe(0)
    const consumed = await local(['--profile', 'p', 'consume', 'orders']) // as `samsa --profile p consume orders`
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(lines(consumed.stdout).sort()).toEqual(['1', '2', '3'])

    // the current profile: plain commands go to the cluster
    const before = await local(['topic', 'list'])
    expect(before.code).toBe(3) // the local daemon, which is not running and may not start
    expect((await cli(['config', 'use', 'p'])).code).toBe(0)
    const listed = await local(['topic', 'list', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).topics.map((t: {name: string}) => t.name)).toContain('orders')
    expect(lines((await local(['consume', 'orders'])).stdout).sort()).toEqual(['1', '2', '3'])

    // flags and environment beat the profile: a profile whose broker answers nobody, overridden
    expect((await cli(['config', 'create', 'dead', '--brokers', '127.0.0.1:1'])).code).toBe(0)
    expect((await local(['topic', 'list', '--profile', 'dead'])).code).toBe(3)
    const flag = await local(['topic', 'list', '--profile', 'dead', '--brokers', broker])
    expect(flag.code, flag.stderr).toBe(0)
    expect(flag.stdout).toContain('orders')
    expect((await local(['topic', 'list'], {SAMSA_PROFILE: 'dead', SAMSA_BROKERS: broker})).code).toBe(0)
    expect((await local(['topic', 'list', '--profile', 'dead'], {SAMSA_PROFILE: 'p'})).code).toBe(3) // the flag over $SAMSA_PROFILE
    expect((await cli(['config', 'use', 'dead'])).code).toBe(0)
    expect((await local(['topic', 'list', '--kafka-config', join(profiles, 'p.properties')])).code).toBe(0) // over the current profile

    // --profile none sets the current profile aside; config use --none forgets it
    expect((await local(['topic', 'list', '--profile', 'none'])).code).toBe(3)
    expect((await cli(['config', 'use', '--none'])).stdout).toBe('stopped using profile dead; commands use the local daemon\n')
    expect((await local(['topic', 'list'])).code).toBe(3)
    expect(readdirSync(dir)).toEqual([]) // nothing went local: no daemon was started here
  })

  it('a profile is a file kcat reads with -F', async () => {
    const {profiles, cli} = configHome()
    expect((await cli(['config', 'create', 'k', '--brokers', broker])).code).toBe(0)
    expect((await cli(['topic', 'create', 'viakcat', '--profile', 'k'])).code).toBe(0)
    const meta = await run('kcat', ['-F', join(profiles, 'k.properties'), '-L', '-t', 'viakcat', '-J'])
    expect(meta.code, meta.stderr).toBe(0)
    expect(JSON.parse(meta.stdout).topics.map((t: {topic: string}) => t.topic)).toEqual(['viakcat'])
  })
})
