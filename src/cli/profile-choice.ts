// Which connection settings a command uses. One properties file at most feeds the Kafka backend, and
// single settings override what it says:
//
//   1. flags           --brokers, --tls, --tls-ca …, --sasl-username …         (each overrides one setting)
//   2. environment     $SAMSA_BROKERS, $SAMSA_SASL_USERNAME, $SAMSA_SASL_PASSWORD …
//   3. the file        --kafka-config FILE ($SAMSA_KAFKA_CONFIG) or --profile NAME ($SAMSA_PROFILE), not
//                      both; else the current profile (`samsa config use NAME`)
//   4. none of these   the local daemon, as without profiles
//
// --kafka-config and --profile together are refused: both name the file, and one silently losing is
// the kind of surprise profiles exist to prevent. `--profile none` sets the current profile aside for
// one command. A named profile that does not exist is NOT_FOUND (exit 4); one naming no brokers, with
// no --brokers to make up for it, is a usage error (exit 2).
import type {KafkaSettings} from '../client/index.js'
import {SamsaError} from '../errors.js'
import {NO_PROFILE, currentProfile, profileBrokers, profileExists, profilePath, readProfile, validateProfileName} from './profiles.js'

export function withProfile(cluster: KafkaSettings, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const named = profile === undefined || profile === '' ? undefined : profile
  if (cluster.config) {
    if (named !== undefined && named !== NO_PROFILE) {
      throw new SamsaError('USAGE', `--kafka-config and --profile ${named} both name the connection settings: give one (check $SAMSA_KAFKA_CONFIG and $SAMSA_PROFILE)`)
    }
    return cluster
  }
  if (named === NO_PROFILE) return cluster
  const name = named ?? currentProfile(env)
  if (name === null) return cluster
  validateProfileName(name)
  if (named === undefined && !profileExists(name, env)) {
    throw new SamsaError('NOT_FOUND', `the current profile "${name}" no longer exists (choose another: samsa config use NAME; or the local daemon: samsa config use --none)`)
  }
  const props = readProfile(name, env)
  if (!cluster.brokers && profileBrokers(props) === null) {
    throw new SamsaError('USAGE', `profile "${name}" names no brokers: add bootstrap.servers=HOST:PORT,… to ${profilePath(name, env)}`)
  }
  return {...cluster, config: profilePath(name, env)}
}
