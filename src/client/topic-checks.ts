// What every backend's Admin checks before it sends anything, so a bad argument fails fast with the same
// message whatever the backend (the broker checks again): a partition count here, a topic name in
// topic-name.ts. Commands call them too, before connecting, so a bad argument never starts a daemon.
import {SamsaError} from '../errors.js'

export function validatePartitionCount(partitions: number, what = 'partition count'): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new SamsaError('INVALID_PARTITIONS', `${what} must be a whole number of at least 1, not ${partitions}`)
  }
}
