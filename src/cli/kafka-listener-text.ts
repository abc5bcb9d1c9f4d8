// How `daemon start` and `daemon status` name the daemon's Kafka listener: where clients connect, the
// address it advertises when that differs, and whether clients must authenticate.
import {count} from './output.js'

export const SASL_OFFERED = 'PLAIN, SCRAM-SHA-256, SCRAM-SHA-512' // what the listener's users file serves (engine/kafka/sasl-mechanisms.ts)

// "HOST:PORT", "HOST:PORT (advertised as HOST:PORT)", then ", SASL required (N users: mechanisms)"; the caller
// handles a listener that is off or failed (listener null).
export function listenerAddress(k: {listener: string | null; advertised: string | null; saslUsers?: number | null}): string {
  const address = k.advertised === k.listener ? `${k.listener}` : `${k.listener} (advertised as ${k.advertised})`
  return k.saslUsers ? `${address}, SASL required (${count(k.saslUsers, 'user')}: ${SASL_OFFERED})` : address
}
