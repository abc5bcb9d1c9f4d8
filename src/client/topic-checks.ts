// What every backend's Admin checks before it sends anything, so a bad argument fails fast with the same
// message whatever the backend (the broker checks again): a partition count and a group id here, a topic
// name in topic-name.ts. Commands call them too, before connecting, so a bad argument never starts a daemon.
import {SamsaError} from '../errors.js'

export function validatePartitionCount(partitions: number, what = 'partition count'): void {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new SamsaError('INVALID_PARTITIONS', `${what} must be a whole number of at least 1, not ${partitions}`)
  }
}

export const MAX_GROUP_ID_LENGTH = 1024 // the daemon's limit too (engine/groups/offset-store.ts)

// Group ids are free-form text (`__proto__` included); only their length is limited.
export function validateGroupId(group: string): void {
  if (group.length === 0 || group.length > MAX_GROUP_ID_LENGTH) {
    throw new SamsaError('INVALID_REQUEST', `group id must be 1 to ${MAX_GROUP_ID_LENGTH} characters`)
  }
}
