// The interop tests' daemon: one real samsa daemon with its Kafka listener on a free port, per test file,
// for real Kafka clients (kcat from Debian, kafkajs) to talk to.
import {execFileSync} from 'node:child_process'
import {cleanup, requireBuild, spawnDaemon, stopDaemon, tempDir, type DaemonProcess} from '../support/index.js'

export async function startKafkaDaemon(): Promise<{d: DaemonProcess; broker: string}> {
  try {
    execFileSync('kcat', ['-V'], {stdio: 'ignore'})
  } catch {
    throw new Error('kcat is missing: `apt-get install kcat` (Debian kcat 1.7.1, librdkafka 2.0.2); .ci/run installs it')
  }
  requireBuild()
  const d = await spawnDaemon(tempDir(), {kafka: true})
  return {d, broker: `127.0.0.1:${d.kafkaPort()}`}
}

export async function stopKafkaDaemon(d: DaemonProcess | undefined): Promise<void> {
  if (d) await stopDaemon(d)
  await cleanup()
}
