// Nothing a test does may touch the real data directory (~/.local/share/samsa) or leave files behind:
// every directory a test writes is a tempDir(), removed by cleanupDirs(), and every process a test spawns
// gets cleanEnv(): XDG_DATA_HOME (and XDG_CONFIG_HOME, where `samsa config` keeps profiles) in a temp
// home of its own, no SAMSA_DATA_DIR / SAMSA_SOCKET /
// SAMSA_NO_AUTOSTART / SAMSA_DEBUG from the caller's shell, and no colours. Nor a Kafka listener:
// SAMSA_KAFKA_LISTENER=off, because a daemon would otherwise take 127.0.0.1:9092, which tests running in
// parallel (and anything else on the machine) share; a test that wants one passes 127.0.0.1:0 (a free
// port, which the daemon reports: kafkaPort() in daemon.ts).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const dirs: string[] = []
let home: string | null = null // XDG_DATA_HOME for spawned processes, made on first use

export function tempDir(prefix = 'samsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

// The temp dirs made so far, for cleanup() to stop the daemons serving them first.
export function tempDirs(): readonly string[] {
  return dirs
}

export function cleanupDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
  home = null
}

// the Kafka backend's settings: a developer's shell pointing at a cluster (or a current profile in
// ~/.config/samsa, hence XDG_CONFIG_HOME below) must not send the suite's commands there
const CLUSTER_ENV = ['SAMSA_BROKERS', 'SAMSA_KAFKA_CONFIG', 'SAMSA_PROFILE', 'SAMSA_SASL_MECHANISM', 'SAMSA_SASL_USERNAME', 'SAMSA_SASL_PASSWORD']

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  home ??= tempDir('samsa-home-')
  const env: NodeJS.ProcessEnv = {...process.env, XDG_DATA_HOME: home, XDG_CONFIG_HOME: join(home, 'config'), NO_COLOR: '1'}
  for (const name of ['SAMSA_DATA_DIR', 'SAMSA_SOCKET', 'SAMSA_NO_AUTOSTART', 'SAMSA_DEBUG', 'SAMSA_KAFKA_ADVERTISED_LISTENER', 'SAMSA_KAFKA_SASL_USERS', ...CLUSTER_ENV]) delete env[name]
  return {...env, SAMSA_KAFKA_LISTENER: 'off', ...extra}
}
